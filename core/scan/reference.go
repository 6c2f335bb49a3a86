// Package scan finds the places in a stylesheet or a script that name another
// file: url(…), @import, image-set() strings, src(), source-map comments,
// ES module import/export specifiers, import() and new URL(…, import.meta.url).
//
// The scanners are pure functions: bytes in, references out, in source order,
// with exact byte ranges so that a caller can rewrite a reference in place
// (see Rewrite). They are built on the tdewolff/parse lexers, so comments,
// strings, template literals and regular expressions are never mistaken for
// references, unlike Django's regular expressions.
//
// # What the scanner decides and what it leaves to the resolver
//
// The scanner is purely syntactic: it returns every reference that sits in a
// reference position, whatever the URL looks like. Bare module specifiers
// ("react"), data: URIs in any case, absolute URLs (http:, //host),
// fragment-only URLs (url(#clip)) and root-relative paths are all returned; the
// resolver in package core decides which of them name a file to hash and which
// are left alone. The scanner drops only what can never name a file:
// empty (or all-whitespace) CSS values such as url() and url(""), bad-url and
// bad-string tokens, @namespace URLs, the strings inside format(), local() and
// type(), import() calls whose argument is not a single string literal, and
// new URL(…) whose base is not import.meta.url.
//
// # Errors
//
// CSS can always be scanned: CSS Syntax §3 defines a result for every input.
// JavaScript cannot always be: a "/" may start a regular expression or be a
// division, and the lexer cannot tell. The scanner decides from the previous
// significant token (see slash.go) and, where that heuristic cannot decide,
// asks the full tdewolff parser where the regular expressions are. Input that
// neither can read (an unterminated string or comment, a syntax error in a
// spot the heuristic could not decide) yields an *Error.
//
// # Known gaps
//
//   - The parser fallback rejects what tdewolff's parser does not know
//     (import attributes, decorators, await or yield used as identifiers);
//     such a file is an *Error only when the heuristic also needed help.
//   - import(`./x.js`) with a template literal is not a reference (Django's
//     pattern does not match it either); nor is an import() nested in the
//     options argument of another import(), whose span it shares.
//   - CSS escapes inside function and at-rule names (@\69mport,
//     image\-set() are not recognised; an unterminated url( or string at
//     the end of a stylesheet is not a reference.
//   - A script may contain at most 16 stray characters (a decorator's "@")
//     or legacy octal numbers; past that it is an *Error, because each one
//     costs the lexer a pass over the input.
package scan

import (
	"bytes"
	"fmt"
	"sort"
)

// Kind says which syntax a reference was found in.
type Kind uint8

// The kinds of reference. The comment on each names the syntax it stands for.
const (
	CSSURL             Kind = iota + 1 // url(…) / URL(…) token, quoted or not, anywhere a url() is legal (incl. @import url(…), @font-face src, image-set(url(…)))
	CSSImport                          // @import "…" / @import '…' (string form; the url() form is CSSURL)
	CSSImageSet                        // a bare string directly inside image-set() / -webkit-image-set()
	CSSSrc                             // src("…") function
	CSSSourceMap                       // /*# sourceMappingURL=… */ (and legacy /*@ … */)
	JSSourceMap                        // //# sourceMappingURL=… (and //@, also /*# sourceMappingURL=… */ in JS)
	JSImport                           // import … from '…'
	JSSideEffectImport                 // import '…'
	JSExport                           // export … from '…'
	JSDynamicImport                    // import('…') with one string literal (an options arg allowed)
	JSNewURL                           // new URL('…', import.meta.url)
)

var kindNames = [...]string{
	CSSURL:             "css-url",
	CSSImport:          "css-import",
	CSSImageSet:        "css-image-set",
	CSSSrc:             "css-src",
	CSSSourceMap:       "css-source-map",
	JSSourceMap:        "js-source-map",
	JSImport:           "js-import",
	JSSideEffectImport: "js-side-effect-import",
	JSExport:           "js-export",
	JSDynamicImport:    "js-dynamic-import",
	JSNewURL:           "js-new-url",
}

// String returns the kind's stable, kebab-case name ("css-url", "js-import",
// …), suitable for diagnostics and JSON.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Reference is one place in a file that names another file.
//
// Start and End delimit the whole construct a Django-style write-back
// replaces: for CSSURL the url( … ) token, for CSSImport "@import" up to the
// closing quote, for CSSImageSet, CSSSrc and JSNewURL just the string literal,
// for CSSSourceMap the whole comment, for JSSourceMap the comment up to the end
// of its line (a trailing "\r" included, the "\n" not), for JSImport, JSExport
// and JSSideEffectImport the keyword up to the closing quote of the
// specifier, and for JSDynamicImport "import" up to the closing parenthesis.
// Always Start <= ValueStart <= ValueEnd <= End.
type Reference struct {
	Kind Kind
	// Quote is the quote character around the value, or 0 when unquoted.
	// (Beside Kind so the two bytes share a word: a file can hold a million
	// references.)
	Quote byte
	// Value is the URL text with CSS or JS escapes decoded; for an unquoted
	// url() it is trimmed of surrounding whitespace.
	Value string
	// Start and End are the byte range of the whole construct (see above).
	Start, End int
	// ValueStart and ValueEnd are the byte range of the raw value text in the
	// source: inside the quotes when quoted, escapes not decoded.
	ValueStart, ValueEnd int
	// Clause is set for JSImport and JSExport only: the raw text between the
	// import/export keyword and "from", trailing whitespace trimmed
	// (" { a, b }", " x", " * as ns", " *"), as Django's write-back template
	// re-emits it.
	Clause string
	// Line and Col are the 1-based line and byte column of ValueStart. Lines
	// end at "\n" (so CRLF files count correctly).
	Line, Col int
}

// Error reports input that cannot be scanned reliably, at a 1-based line and
// byte column.
type Error struct {
	Line, Col int
	Message   string
}

// Error formats the error as "line:col: message".
func (e *Error) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Message)
}

// errorAt builds an *Error for a byte offset in src.
func errorAt(src []byte, offset int, message string) *Error {
	if offset > len(src) {
		offset = len(src)
	}
	if offset < 0 {
		offset = 0
	}
	line := 1 + bytes.Count(src[:offset], []byte{'\n'})
	col := offset - bytes.LastIndexByte(src[:offset], '\n')
	return &Error{Line: line, Col: col, Message: message}
}

// finish puts refs in source order, drops any reference that overlaps an
// earlier one (a construct nested in another's span, such as an import() in
// the options argument of another import(), cannot be rewritten
// independently), and fills in Line and Col with a single forward pass.
func finish(src []byte, refs []Reference) []Reference {
	if len(refs) == 0 {
		return nil
	}
	if !sort.SliceIsSorted(refs, func(i, j int) bool { return refs[i].Start < refs[j].Start }) {
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].Start < refs[j].Start })
	}
	out := refs[:0]
	end := -1
	for _, r := range refs {
		if r.Start < end {
			continue
		}
		out = append(out, r)
		end = r.End
	}
	line, lineStart, pos := 1, 0, 0 // pos only moves forward: linear overall
	for i := range out {
		target := out[i].ValueStart
		if n := bytes.Count(src[pos:target], []byte{'\n'}); n > 0 {
			line += n
			lineStart = pos + bytes.LastIndexByte(src[pos:target], '\n') + 1
		}
		pos = target
		out[i].Line = line
		out[i].Col = target - lineStart + 1
	}
	return out
}
