package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Severity tells whether a diagnostic stops a build.
type Severity uint8

const (
	// SeverityError stops a build: nothing is written.
	SeverityError Severity = iota
	// SeverityWarning is reported; the build goes on.
	SeverityWarning
)

// MarshalText writes the severity as "error" or "warning".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "error" or "warning".
func (s *Severity) UnmarshalText(text []byte) error {
	switch string(text) {
	case "error":
		*s = SeverityError
	case "warning":
		*s = SeverityWarning
	default:
		return fmt.Errorf("unknown severity %q", text)
	}
	return nil
}

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic codes, stable for tools that read --json output.
const (
	CodeMissingReference = "missing-reference"
	CodeEscapesRoot      = "escapes-root"
	CodeNotUTF8          = "not-utf8"
	CodeBinary           = "binary-content"
	CodeUnreadable       = "unreadable"
	CodeUnscannable      = "unscannable"
)

// Diagnostic is one problem found in a source file, placed like a compiler
// error: which file, where in it, what is wrong and what to do. Render
// prints it; its JSON carries the structured fields and the rendered text
// ("rendered"), so every face shows the same words.
type Diagnostic struct {
	Severity    Severity `json:"severity"`
	Code        string   `json:"code"`
	LogicalPath string   `json:"logical_path"`   // the file the problem is in
	Path        string   `json:"path"`           // that file on the host
	Line        int      `json:"line,omitempty"` // 1-based; 0 when the problem is not at one place
	Col         int      `json:"col,omitempty"`  // 1-based byte column on Line
	// EndCol is the byte column just past the range the problem covers on
	// Line (a reference's text); 0 when it is a single point.
	EndCol  int    `json:"end_col,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	// Reference is the reference text as written, for reference problems.
	Reference string `json:"reference,omitempty"`
	// Notes say how the problem was reached, e.g. which file refers to the
	// one that has it.
	Notes []Note `json:"notes,omitempty"`

	// excerpt is the source line under Line, for Render; empty when the
	// diagnostic has no position or the text was not at hand.
	excerpt excerpt
}

// Note is a secondary message attached to a diagnostic. Message is complete
// (it names the place); Path, Line and Col repeat the place for tools.
type Note struct {
	Message string `json:"message"`
	Path    string `json:"path,omitempty"` // a host file
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
}

// MarshalJSON writes the diagnostic's fields plus "rendered", the text
// Render returns, so that a host shows what the CLI prints instead of
// formatting diagnostics again.
func (d Diagnostic) MarshalJSON() ([]byte, error) {
	type fields Diagnostic // without this method
	return json.Marshal(struct {
		fields
		Rendered string `json:"rendered"`
	}{fields(d), d.Render()})
}

// String is Render.
func (d Diagnostic) String() string { return d.Render() }

// Render formats the diagnostic the way compilers print errors (esbuild,
// gcc): "path:line:col: error: message", the source line with a caret under
// the column (and tildes under the rest of the range), the notes, then the
// hint. A diagnostic without a position starts with "path:" alone, never
// "path:0:0".
func (d Diagnostic) Render() string {
	var b strings.Builder
	b.WriteString(location(d.where(), d.Line, d.Col))
	fmt.Fprintf(&b, ": %s: %s", d.Severity, d.Message)
	if d.Line > 0 && d.excerpt.text != "" {
		d.excerpt.render(&b, d.Line)
	}
	for _, n := range d.Notes {
		b.WriteString("\n  note: " + n.Message)
	}
	if d.Hint != "" {
		b.WriteString("\n  hint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// where is the file a diagnostic names: the host path when known, so that
// an editor can open it.
func (d Diagnostic) where() string {
	if d.Path != "" {
		return d.Path
	}
	return d.LogicalPath
}

// location is "path:line:col", or "path" when there is no line.
func location(path string, line, col int) string {
	if line <= 0 {
		return path
	}
	if col <= 0 {
		return fmt.Sprintf("%s:%d", path, line)
	}
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}

// DefaultMaxDiagnostics is how many diagnostics RenderDiagnostics prints
// when asked for no particular limit: a broken vendor tree can have
// thousands, and the first ones are what a user fixes first.
const DefaultMaxDiagnostics = 20

// RenderDiagnostics renders diagnostics one after the other, at most max of
// them (max <= 0 means all), then "...and N more" for the rest.
func RenderDiagnostics(diags []Diagnostic, max int) string {
	var b strings.Builder
	for i, d := range diags {
		if max > 0 && i == max {
			fmt.Fprintf(&b, "…and %d more\n", len(diags)-max)
			break
		}
		b.WriteString(d.Render())
		b.WriteByte('\n')
	}
	return b.String()
}

// excerpt is one source line around a diagnostic's column, clipped for
// minified files whose single line is megabytes long.
type excerpt struct {
	text        string // the shown part of the line, without its newline
	col, endCol int    // 1-based byte columns of the range within text
	clippedLeft bool   // text starts after the line's start
	clippedEnd  bool   // text stops before the line's end
}

// Window of source shown around a column: enough context to recognise the
// place, short enough for a terminal line.
const (
	excerptBefore = 40
	excerptWidth  = 100
)

// excerptAt cuts the line holding byte offset start out of content, with the
// range [start, end) marked; end <= start marks a point.
func excerptAt(content []byte, start, end int) excerpt {
	if start < 0 || start > len(content) {
		return excerpt{}
	}
	lineStart := bytes.LastIndexByte(content[:start], '\n') + 1
	lineEnd := len(content)
	if i := bytes.IndexByte(content[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	if end > lineEnd {
		end = lineEnd
	}
	from, to := lineStart, lineEnd
	if start-from > excerptBefore {
		from = start - excerptBefore
	}
	if to-from > excerptWidth {
		to = from + excerptWidth
	}
	if end > to {
		end = to
	}
	// Cut on character boundaries: never show half a UTF-8 sequence.
	for from > lineStart && !utf8.RuneStart(content[from]) {
		from--
	}
	for to < lineEnd && !utf8.RuneStart(content[to]) {
		to++
	}
	e := excerpt{
		text:        strings.TrimSuffix(string(content[from:to]), "\r"),
		col:         start - from + 1,
		clippedLeft: from > lineStart,
		clippedEnd:  to < lineEnd,
	}
	if end > start {
		e.endCol = end - from + 1
	}
	return e
}

// excerptAtLineCol is excerptAt for a 1-based line and byte column.
func excerptAtLineCol(content []byte, line, col int) excerpt {
	offset := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(content[offset:], '\n')
		if i < 0 {
			return excerpt{}
		}
		offset += i + 1
	}
	return excerptAt(content, offset+col-1, 0)
}

// render writes the excerpt under a gutter with the line number, and a
// caret line whose padding copies the tabs of the text so the caret lines
// up in a terminal. Columns are bytes; the padding counts characters.
func (e excerpt) render(b *strings.Builder, line int) {
	gutter := fmt.Sprintf("%5d | ", line)
	text := e.text
	col := e.col
	if e.clippedLeft {
		text, col = "…"+text, col+len("…")
	}
	if e.clippedEnd {
		text += "…"
	}
	b.WriteString("\n" + gutter + text + "\n")
	b.WriteString(strings.Repeat(" ", len(gutter)-2) + "| ")
	if col-1 > len(text) {
		col = len(text) + 1
	}
	for _, r := range text[:col-1] {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	width := 0
	if e.endCol > e.col {
		width = utf8.RuneCountInString(e.text[e.col-1:min(e.endCol-1, len(e.text))]) - 1
	}
	b.WriteString(strings.Repeat("~", max(width, 0)))
}

// DiagnosticsError is the error of an operation stopped by error
// diagnostics. It holds every diagnostic found, not only the first.
type DiagnosticsError struct {
	Diagnostics []Diagnostic
}

// Error renders the error diagnostics (at most DefaultMaxDiagnostics),
// after a count when there are several.
func (e *DiagnosticsError) Error() string {
	var errs []Diagnostic
	for _, d := range e.Diagnostics {
		if d.Severity == SeverityError {
			errs = append(errs, d)
		}
	}
	text := strings.TrimSuffix(RenderDiagnostics(errs, DefaultMaxDiagnostics), "\n")
	if len(errs) == 1 {
		return text
	}
	return fmt.Sprintf("%d errors:\n%s", len(errs), text)
}

// hasErrors reports whether any diagnostic is an error.
func hasErrors(diags []Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// NotFoundError says that no root provides a logical path, with what would
// help the user fix it.
type NotFoundError struct {
	LogicalPath string
	// Searched lists the roots that could have provided it.
	Searched []Root
	// Ignored lists files that would provide it but an ignore pattern drops.
	Ignored []IgnoredCandidate
	// Suggestions are existing logical paths close to the one asked for.
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no static file %q", e.LogicalPath)
	if len(e.Searched) > 0 {
		dirs := make([]string, len(e.Searched))
		for i, r := range e.Searched {
			dirs[i] = r.String()
		}
		fmt.Fprintf(&b, " in %s", strings.Join(dirs, ", "))
	} else {
		b.WriteString(": no source root has a prefix that matches it")
	}
	for _, ig := range e.Ignored {
		fmt.Fprintf(&b, "; %s exists but the ignore pattern %q drops it", ig.Path, ig.Pattern)
	}
	if len(e.Suggestions) > 0 {
		fmt.Fprintf(&b, "; did you mean %s?", quoteAll(e.Suggestions))
	}
	return b.String()
}

func quoteAll(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(quoted, " or ")
}

// Kinds of ErrorReport.
const (
	ErrorKindNotFound    = "not_found"   // no root provides the path (*NotFoundError)
	ErrorKindDiagnostics = "diagnostics" // the file or a dependency has an error (*DiagnosticsError)
	ErrorKindInternal    = "internal"    // anything else: I/O errors, bad requests
)

// ErrorReport is an error as JSON tells it: the same object in the CLI's
// --json output and in the wasm ABI's responses, so a tool reads both with
// one decoder. Absent lists mean empty ones.
type ErrorReport struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Searched lists the roots that could have provided a missing path, as
	// "prefix=dir" or "dir" (not_found).
	Searched []string `json:"searched,omitempty"`
	// Suggestions are existing logical paths close to a missing one (not_found).
	Suggestions []string `json:"suggestions,omitempty"`
	// Ignored lists files that would provide a missing path but an ignore
	// pattern drops (not_found).
	Ignored []IgnoredCandidate `json:"ignored,omitempty"`
	// Diagnostics are every problem found in the file and its dependencies
	// (diagnostics).
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// ReportError describes an error from a Project for JSON.
func ReportError(err error) ErrorReport {
	var notFound *NotFoundError
	var diagnostics *DiagnosticsError
	switch {
	case errors.As(err, &notFound):
		r := ErrorReport{Kind: ErrorKindNotFound, Message: err.Error(), Suggestions: notFound.Suggestions, Ignored: notFound.Ignored}
		for _, root := range notFound.Searched {
			r.Searched = append(r.Searched, root.String())
		}
		return r
	case errors.As(err, &diagnostics):
		return ErrorReport{Kind: ErrorKindDiagnostics, Message: err.Error(), Diagnostics: diagnostics.Diagnostics}
	default:
		return ErrorReport{Kind: ErrorKindInternal, Message: err.Error()}
	}
}
