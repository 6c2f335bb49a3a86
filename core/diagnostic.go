package core

import (
	"fmt"
	"strings"
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
// error: which file, where in it, what is wrong and what to do.
type Diagnostic struct {
	Severity    Severity `json:"severity"`
	Code        string   `json:"code"`
	LogicalPath string   `json:"logical_path"`   // the file the problem is in
	Path        string   `json:"path"`           // that file on the host
	Line        int      `json:"line,omitempty"` // 1-based; 0 when the problem is not at one place
	Col         int      `json:"col,omitempty"`
	Message     string   `json:"message"`
	Hint        string   `json:"hint,omitempty"`
	// Reference is the reference text as written, for reference problems.
	Reference string `json:"reference,omitempty"`
}

// String formats the diagnostic as "path:line:col: error: message", with the
// hint on a second line.
func (d Diagnostic) String() string {
	var b strings.Builder
	where := d.Path
	if where == "" {
		where = d.LogicalPath
	}
	b.WriteString(where)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Line, d.Col)
	}
	fmt.Fprintf(&b, ": %s: %s", d.Severity, d.Message)
	if d.Hint != "" {
		b.WriteString("\n    hint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// DiagnosticsError is the error of an operation stopped by error
// diagnostics. It holds every diagnostic found, not only the first.
type DiagnosticsError struct {
	Diagnostics []Diagnostic
}

func (e *DiagnosticsError) Error() string {
	var errs []string
	for _, d := range e.Diagnostics {
		if d.Severity == SeverityError {
			errs = append(errs, d.String())
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Sprintf("%d errors:\n%s", len(errs), strings.Join(errs, "\n"))
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
