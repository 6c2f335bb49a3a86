package scan

import (
	"bytes"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// functionKind is what the innermost open function or parenthesis means for
// a string token directly inside it.
type functionKind uint8

const (
	otherFunction    functionKind = iota // (…), var(…), format(…), local(…), type(…): strings are not references
	imageSetFunction                     // image-set(…), -webkit-image-set(…): a bare string is an image URL
	srcFunction                          // src(…): the string is a URL (CSS Values 4 §4.5.1)
)

// CSS returns every reference in a stylesheet, in source order.
//
// It never fails: CSS Syntax §3 tokenizes any input, so the error is always
// nil. It is part of the signature so that CSS and JS are called alike.
//
// When src has spare capacity, the byte just past len(src) is borrowed
// during the call and restored before it returns; nothing else may use it
// meanwhile.
func CSS(src []byte) ([]Reference, error) {
	if !mayHaveCSSReference(src) {
		return nil, nil
	}
	// The lexer needs a NUL sentinel after the input. parse.NewInputBytes
	// borrows the first byte of spare capacity for it and puts the byte
	// back (Restore, deferred); without spare capacity it copies the whole
	// input, which for a 200 MB stylesheet is 200 MB more at the peak.
	in := parse.NewInputBytes(src)
	defer in.Restore()
	lexer := css.NewLexer(in)

	var (
		// Growing the slice dominated the profile; most "(" in a
		// stylesheet open a url(, rgba( or var(, so a third of them is a
		// cheap estimate of the references, and every "url(" is one (a
		// file dense with url()s is then never copied while it grows).
		refs      = make([]Reference, 0, max(bytes.Count(src, []byte{'('})/3, bytes.Count(src, []byte("url(")))+4)
		functions []functionKind // open functions and parentheses, innermost last
		// importAt is the offset of an "@import" whose prelude has not yet
		// reached a significant token; -1 when none.
		importAt = -1
		// inNamespace is set from "@namespace" to the end of its prelude:
		// its url() names an XML namespace, not a file.
		inNamespace = false
	)
	for {
		tt, data := lexer.Next()
		if tt == css.ErrorToken {
			break // io.EOF: the CSS lexer has no other errors
		}
		end := in.Offset()
		start := end - len(data)
		switch tt {
		case css.WhitespaceToken:
			continue // does not end an @import prelude
		case css.CommentToken:
			if ref, ok := cssSourceMap(data, start); ok {
				refs = append(refs, ref)
			}
			continue
		case css.URLToken:
			if !inNamespace {
				if ref, ok := cssURL(data, start); ok {
					refs = append(refs, ref)
				}
			}
		case css.StringToken:
			if inNamespace {
				break
			}
			kind := Kind(0)
			switch {
			case importAt >= 0:
				kind = CSSImport
			case len(functions) > 0 && functions[len(functions)-1] == imageSetFunction:
				kind = CSSImageSet
			case len(functions) > 0 && functions[len(functions)-1] == srcFunction:
				kind = CSSSrc
			}
			if kind != 0 {
				ref, ok := cssString(data, start)
				if ok {
					ref.Kind = kind
					if kind == CSSImport {
						ref.Start = importAt
					}
					refs = append(refs, ref)
				}
			}
		case css.FunctionToken:
			functions = append(functions, cssFunctionKind(data))
		case css.LeftParenthesisToken:
			functions = append(functions, otherFunction)
		case css.RightParenthesisToken:
			if len(functions) > 0 {
				functions = functions[:len(functions)-1]
			}
		case css.AtKeywordToken:
			importAt = -1
			if equalFoldASCII(data, "@import") {
				importAt = start
				continue
			}
			inNamespace = equalFoldASCII(data, "@namespace")
			continue
		case css.SemicolonToken, css.LeftBraceToken, css.RightBraceToken:
			// The end of an at-rule prelude or of a declaration block. A
			// stray ")" is not needed to recover: the parenthesis stack
			// only matters for strings, and CSS Syntax §5.4.9 keeps a
			// simple block open until its own closing token anyway.
			inNamespace = false
		}
		importAt = -1
	}
	return finish(src, refs), nil
}

// mayHaveCSSReference is a cheap prefilter: every reference needs a "(" (url(,
// image-set(, src(), an "@" (@import) or a source-map comment.
func mayHaveCSSReference(src []byte) bool {
	return bytes.IndexByte(src, '(') >= 0 || bytes.IndexByte(src, '@') >= 0 ||
		bytes.Contains(src, []byte("sourceMappingURL"))
}

// cssFunctionKind classifies a function token such as "image-set(".
func cssFunctionKind(name []byte) functionKind {
	name = name[:len(name)-1] // the "("
	switch {
	case equalFoldASCII(name, "image-set"), equalFoldASCII(name, "-webkit-image-set"):
		return imageSetFunction
	case equalFoldASCII(name, "src"):
		return srcFunction
	}
	return otherFunction
}

// cssURL reads a url token: "url(" (any case, possibly with escapes in the
// name), optional whitespace, a quoted string or unquoted text, optional
// whitespace, ")". The lexer has already validated the token; an unterminated
// one at EOF (CSS Syntax §4.3.6 allows it) is not treated as a reference
// because a write-back would have to invent its ")".
func cssURL(tok []byte, start int) (Reference, bool) {
	open := bytes.IndexByte(tok, '(')
	if open < 0 || tok[len(tok)-1] != ')' || open == len(tok)-1 {
		return Reference{}, false
	}
	i, j := open+1, len(tok)-1
	for i < j && isCSSWhitespace(tok[i]) {
		i++
	}
	for j > i && isCSSWhitespace(tok[j-1]) && !escapedAt(tok, i, j-1) {
		j--
	}
	ref := Reference{Kind: CSSURL, Start: start, End: start + len(tok)}
	if i < j && (tok[i] == '"' || tok[i] == '\'') {
		// A quoted url: the lexer ended the string at its closing quote, so
		// the last byte before the trailing whitespace is that quote.
		if j-i < 2 || tok[j-1] != tok[i] || escapedAt(tok, i+1, j-1) {
			return Reference{}, false
		}
		ref.Quote = tok[i]
		i++
		j--
	}
	ref.ValueStart, ref.ValueEnd = start+i, start+j
	ref.Value = decodeCSS(tok[i:j])
	if isBlankCSS(ref.Value) {
		return Reference{}, false
	}
	return ref, true
}

// escapedAt reports whether tok[k] is escaped by an odd run of backslashes
// starting at or after from: "url(a\ )" keeps its escaped space.
func escapedAt(tok []byte, from, k int) bool {
	n := 0
	for k-1-n >= from && tok[k-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// cssString reads a string token, quotes included.
func cssString(tok []byte, start int) (Reference, bool) {
	if len(tok) < 2 || tok[len(tok)-1] != tok[0] || escapedAt(tok, 1, len(tok)-1) {
		// Unterminated at EOF: CSS Syntax §4.3.5 accepts it, a write-back
		// could not keep its shape.
		return Reference{}, false
	}
	ref := Reference{
		Value:      decodeCSS(tok[1 : len(tok)-1]),
		Start:      start,
		End:        start + len(tok),
		ValueStart: start + 1,
		ValueEnd:   start + len(tok) - 1,
		Quote:      tok[0],
	}
	if isBlankCSS(ref.Value) {
		return Reference{}, false
	}
	return ref, true
}

// isBlankCSS reports a value that names nothing: empty or only whitespace
// (url( "" ), url("  ")). Django leaves these alone too.
func isBlankCSS(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isCSSWhitespace(v[i]) {
			return false
		}
	}
	return true
}

// cssSourceMap recognises /*# sourceMappingURL=… */ and the legacy /*@ …
// form (Source Map spec §"Linking generated code"; Django 6.1 matches the
// "#" form). The word sourceMappingURL is case-sensitive; the value runs to
// the first whitespace and only whitespace may follow it.
func cssSourceMap(comment []byte, start int) (Reference, bool) {
	if len(comment) < 4 || !bytes.HasSuffix(comment, []byte("*/")) {
		return Reference{}, false
	}
	body := comment[:len(comment)-2]
	i, j, ok := sourceMapValue(body)
	if !ok {
		return Reference{}, false
	}
	return Reference{
		Kind:       CSSSourceMap,
		Value:      string(body[i:j]),
		Start:      start,
		End:        start + len(comment),
		ValueStart: start + i,
		ValueEnd:   start + j,
	}, true
}

// sourceMapValue parses a comment body that starts with "/*" or "//":
// "#" or "@", spaces or tabs, "sourceMappingURL=", the value, then only
// whitespace. It returns the value's range within body.
func sourceMapValue(body []byte) (int, int, bool) {
	const word = "sourceMappingURL="
	if len(body) < 3 || (body[2] != '#' && body[2] != '@') {
		return 0, 0, false
	}
	i := 3
	for i < len(body) && (body[i] == ' ' || body[i] == '\t') {
		i++
	}
	if !bytes.HasPrefix(body[i:], []byte(word)) {
		return 0, 0, false
	}
	i += len(word)
	j := i
	for j < len(body) && !isSourceMapSpace(body[j]) {
		j++
	}
	if j == i {
		return 0, 0, false
	}
	for k := j; k < len(body); k++ {
		if !isSourceMapSpace(body[k]) {
			return 0, 0, false
		}
	}
	return i, j, true
}

func isSourceMapSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// equalFoldASCII compares b with the lower-case ASCII word.
func equalFoldASCII(b []byte, word string) bool {
	if len(b) != len(word) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}
