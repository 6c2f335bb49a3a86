package scan

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/js"
)

// JS returns the references in a script: source-map comments always; module
// references (import/export/import()/new URL) only when modules is true, as
// Django rewrites them only with support_js_module_import_aggregation.
//
// It scans with the tdewolff lexer and the regular-expression heuristic of
// slash.go. Where the heuristic cannot decide, or the lexer stumbles (which
// a wrong guess can cause), it asks the full parser where the regular
// expressions are and scans again. It returns an *Error only when the parser
// cannot read the script either.
func JS(src []byte, modules bool) ([]Reference, error) {
	if !mayHaveJSReference(src, modules) {
		return nil, nil
	}
	base := shebangLength(src)
	refs, err := scanJS(src, base, modules, nil)
	if err == nil {
		return finish(src, refs), nil
	}
	regexps, perr := regexpOffsets(src, base)
	if perr != nil {
		return nil, perr
	}
	refs, err = scanJS(src, base, modules, regexps)
	if err != nil {
		var scanErr *Error
		if errors.As(err, &scanErr) {
			return nil, scanErr
		}
		return nil, errorAt(src, len(src), err.Error())
	}
	return finish(src, refs), nil
}

// mayHaveJSReference is a cheap prefilter. Every reference contains one of
// these words, and ECMAScript §12.7.2 forbids escapes in keywords, so a file
// without them has none.
func mayHaveJSReference(src []byte, modules bool) bool {
	if containsSourceMappingURL(src) {
		return true
	}
	return modules && (bytes.Contains(src, []byte("import")) || bytes.Contains(src, []byte("export")))
}

// containsSourceMappingURL is bytes.Contains(src, "sourceMappingURL"), four
// times faster on scripts: bytes.Index steps from one occurrence of the
// pattern's first byte to the next, and "s" is everywhere in a script, "M"
// rarely.
func containsSourceMappingURL(src []byte) bool {
	const prefix, rest = "source", "MappingURL"
	for from := len(prefix); from < len(src); {
		i := bytes.Index(src[from:], []byte(rest))
		if i < 0 {
			return false
		}
		if string(src[from+i-len(prefix):from+i]) == prefix {
			return true
		}
		from += i + 1
	}
	return false
}

// shebangLength returns the length of a leading "#!" line (ECMAScript
// §12.5 Hashbang Comments), which the tdewolff lexer does not know; the line
// terminator is not included.
func shebangLength(src []byte) int {
	if !bytes.HasPrefix(src, []byte("#!")) {
		return 0
	}
	for i := 2; i < len(src); i++ {
		switch src[i] {
		case '\n', '\r':
			return i
		case 0xE2: // U+2028, U+2029
			if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9) {
				return i
			}
		}
	}
	return len(src)
}

// maxToleratedLexerErrors bounds the stray characters (decorators' "@") and
// legacy octal numbers a pass steps over before it gives up.
const maxToleratedLexerErrors = 16

// errUndecidable stops a heuristic scan at a "/" it cannot classify.
var errUndecidable = errors.New("cannot tell a regular expression from a division")

// jsScanner is the state of one pass over a script.
type jsScanner struct {
	src     []byte
	modules bool
	// regexps, when set, lists the offsets of every regular expression
	// literal (from the parser) and replaces the heuristic.
	regexps map[int]bool

	frames  []frame
	prev    token
	newline bool // a line terminator since the previous significant token

	refs   []Reference
	module moduleMatcher

	// recordRegexps, when set (by tests), receives the offset of every
	// regular expression literal the pass lexed.
	recordRegexps *[]int
}

// scanJS lexes src[base:] and returns the references; base is the length of a
// shebang line to skip. An error means the pass could not be completed.
func scanJS(src []byte, base int, modules bool, regexps map[int]bool) ([]Reference, error) {
	s := &jsScanner{
		src:     src,
		modules: modules,
		regexps: regexps,
		frames:  make([]frame, 1, 32),
	}
	s.frames[0] = frame{open: js.OpenBraceToken, brace: braceBlock}
	s.module.s = s
	return s.run(base)
}

// lexerInputs are the copies of scripts the lexer reads (lexerInput), one
// per scan running at once. What bounds them: copies over maxLexerInput
// are not kept, and sync.Pool drops them at a garbage collection anyway.
// Nothing invalidates them: each pass overwrites its copy, and no token,
// reference or error refers to it (they hold offsets into src and strings
// of their own).
var lexerInputs = sync.Pool{New: func() any { return new([]byte) }}

// maxLexerInput is the largest copy lexerInputs keeps.
const maxLexerInput = 4 << 20

// lexerInput copies body into a buffer of lexerInputs, with room for the
// NUL the tdewolff lexer writes after its input (parse.NewInputBytes):
// the caller's bytes past len(body) may be another's, so the lexer never
// reads the caller's slice. Without the pool, the lexer's own copy of
// every script was a tenth of what a cold build allocated. The caller puts
// scratch back once the pass is done.
func lexerInput(body []byte) (input []byte, scratch *[]byte) {
	scratch = lexerInputs.Get().(*[]byte)
	if cap(*scratch) <= len(body) {
		*scratch = make([]byte, 0, len(body)+1)
	}
	input = append((*scratch)[:0], body...)
	if cap(input) > maxLexerInput {
		*scratch = nil // used once, not kept
	}
	return input, scratch
}

// run is the token loop of one pass.
func (s *jsScanner) run(base int) (refs []Reference, err error) {
	src := s.src
	defer func() {
		// The tdewolff lexer indexes its buffer without bounds checks of
		// its own; a malformed input it does not expect must become an
		// error, never a panic across our API.
		if r := recover(); r != nil {
			refs, err = nil, errorAt(src, len(src), "the JavaScript lexer failed on this input")
		}
	}()
	body, scratch := lexerInput(src[base:])
	defer lexerInputs.Put(scratch)
	in := parse.NewInputBytes(body)
	lexer := js.NewLexer(in)
	tolerated := 0
	for {
		tt, data := lexer.Next()
		if in.Offset() > len(body) {
			// The lexer stepped over its NUL sentinel after a stray
			// character at the very end ("#" at EOF); nothing follows.
			s.module.finishInput()
			return s.refs, nil
		}
		end := base + in.Offset()
		start := end - len(data)
		switch tt {
		case js.ErrorToken:
			err := lexer.Err()
			if err == io.EOF {
				s.module.finishInput()
				return s.refs, nil
			}
			if len(data) == 0 || data[0] == '"' || data[0] == '\'' || data[0] == '`' || data[0] == '}' {
				// Unterminated string, template or comment, or an
				// identifier glued to a number: not JavaScript we can
				// read (or a regular expression taken for a division).
				return nil, errorAt(src, end, lexerMessage(err))
			}
			// Each lexer error costs a scan from the start of the input
			// (tdewolff computes its line and column), so tolerating
			// an unbounded number would be quadratic.
			if tolerated++; tolerated > maxToleratedLexerErrors {
				return nil, errorAt(src, end, lexerMessage(err))
			}
			if c := data[0]; '0' <= c && c <= '9' || c == '.' {
				tt = js.DecimalToken // 010 (legacy octal) or 1e: still a number
			} else {
				tt = js.PunctuatorToken // "@" of a decorator, a stray character
			}
		case js.WhitespaceToken:
			continue
		case js.LineTerminatorToken:
			s.newline = true
			continue
		case js.CommentToken, js.CommentLineTerminatorToken:
			if tt == js.CommentLineTerminatorToken {
				s.newline = true
			}
			s.sourceMapComment(data, start, end)
			continue
		case js.DivToken, js.DivEqToken:
			regexp, err := s.isRegExp(start)
			if err != nil {
				return nil, err
			}
			if regexp {
				tt, data = lexer.RegExp()
				if tt == js.ErrorToken {
					return nil, errorAt(src, base+in.Offset(), lexerMessage(lexer.Err()))
				}
				end = base + in.Offset()
				start = end - len(data)
				if s.recordRegexps != nil {
					*s.recordRegexps = append(*s.recordRegexps, start)
				}
			}
		}
		t := token{tt: tt, start: start, end: end, newlineBefore: s.newline}
		s.track(&t)
		if s.modules && (tt == js.ImportToken || tt == js.ExportToken || tt == js.NewToken || s.module.busy()) {
			s.module.feed(&t)
		}
		s.prev = t
		s.newline = false
	}
}

// lexerMessage extracts the message of a tdewolff error without its context
// line, which errorAt's position replaces.
func lexerMessage(err error) string {
	var perr *parse.Error
	if errors.As(err, &perr) {
		return perr.Message
	}
	if err == nil {
		return "unexpected input"
	}
	return err.Error()
}

// isRegExp decides a "/" at offset start.
func (s *jsScanner) isRegExp(start int) (bool, error) {
	if s.regexps != nil {
		return s.regexps[start], nil
	}
	switch s.slashAfter(&s.prev) {
	case slashRegExp:
		return true, nil
	case slashDivision:
		return false, nil
	}
	return false, errUndecidable
}

// sourceMapComment records a //# sourceMappingURL=… (or //@, or /*# … */)
// comment. Django's JS pattern "^//# sourceMappingURL=(.*)$" swallows a
// trailing "\r" and spaces, so for a line comment the range runs to the end
// of the line, "\r" included.
func (s *jsScanner) sourceMapComment(comment []byte, start, end int) {
	if len(comment) < 4 || comment[0] != '/' || (comment[2] != '#' && comment[2] != '@') {
		return
	}
	body := comment
	if comment[1] == '*' {
		if !bytes.HasSuffix(comment, []byte("*/")) || len(comment) < 5 {
			return
		}
		body = comment[:len(comment)-2]
	} else if end < len(s.src) && s.src[end] == '\r' && (end+1 == len(s.src) || s.src[end+1] == '\n') {
		end++
	}
	i, j, ok := sourceMapValue(body)
	if !ok {
		return
	}
	s.refs = append(s.refs, Reference{
		Kind:       JSSourceMap,
		Value:      string(body[i:j]),
		Start:      start,
		End:        end,
		ValueStart: start + i,
		ValueEnd:   start + j,
	})
}
