package scan

import (
	"bytes"

	"github.com/tdewolff/parse/v2/js"
)

// moduleStep is where the module matcher stands in one of the patterns:
//
//	import "spec"                              (ECMAScript §16.2.2 ImportDeclaration)
//	import Clause from "spec"
//	export * [as ns] from "spec"              (§16.2.3 ExportDeclaration)
//	export { … } from "spec"
//	import("spec" [, options] [,])            (§13.3.10 ImportCall)
//	new URL("spec", import.meta.url [,])      (the bundler convention for assets)
//
// It sees significant tokens only (the lexer has already removed comments,
// strings and regular expressions are single tokens), so none of these can be
// faked by text inside them.
type moduleStep uint8

const (
	stepIdle             moduleStep = iota
	stepImport                      // import
	stepExport                      // export
	stepClause                      // import/export, inside the clause before from "…"
	stepImportParen                 // import(
	stepImportString                // import("spec"
	stepNew                         // new
	stepNewURL                      // new URL
	stepNewParen                    // new URL(
	stepNewString                   // new URL("spec"
	stepNewComma                    // new URL("spec",
	stepNewImport                   // new URL("spec", import
	stepNewImportDot                // new URL("spec", import.
	stepNewMeta                     // new URL("spec", import.meta
	stepNewMetaDot                  // new URL("spec", import.meta.
	stepNewMetaURL                  // new URL("spec", import.meta.url
	stepNewTrailingComma            // new URL("spec", import.meta.url,
)

// moduleMatcher finds module references in the token stream.
type moduleMatcher struct {
	s    *jsScanner
	step moduleStep

	keyword    token     // the import/export/new token that started the match
	kind       Kind      // JSImport or JSExport while in stepClause
	braces     int       // open "{" in the clause
	clauseLen  int       // significant tokens in the clause so far
	from       token     // the latest "from" in the clause at brace depth 0
	fromIsLast bool      // the previous clause token was that "from"
	str        Reference // the specifier string of import( or new URL(

	// pending is an import("spec", options) waiting for its ")": the
	// options argument may hold any expression.
	pending      Reference
	pendingDepth int // len(frames) while the call's "(" is open; 0 when none
}

// busy reports whether the matcher is inside a match; when it is not, only
// import, export and new can start one.
func (m *moduleMatcher) busy() bool {
	return m.step != stepIdle || m.pendingDepth > 0
}

// feed advances the matcher by one significant token.
func (m *moduleMatcher) feed(t *token) {
	if m.pendingDepth > 0 && t.tt == js.CloseParenToken && len(m.s.frames) < m.pendingDepth {
		m.pending.End = t.end
		m.s.refs = append(m.s.refs, m.pending)
		m.pendingDepth = 0
	}
	if !m.advance(t) {
		m.step = stepIdle
		m.advance(t) // the token may start a new match
	}
}

// finishInput drops a match left open at the end of input.
func (m *moduleMatcher) finishInput() {
	m.step = stepIdle
	m.pendingDepth = 0
}

// advance returns false when t does not fit the current step.
func (m *moduleMatcher) advance(t *token) bool {
	tt := t.tt
	switch m.step {
	case stepIdle:
		if t.afterDot {
			return true // obj.import(…), obj.new
		}
		switch tt {
		case js.ImportToken:
			m.step, m.keyword = stepImport, *t
		case js.ExportToken:
			m.step, m.keyword = stepExport, *t
		case js.NewToken:
			m.step, m.keyword = stepNew, *t
		}
		return true

	case stepImport:
		switch {
		case tt == js.StringToken:
			ref := m.stringRef(t, JSSideEffectImport)
			ref.Start = m.keyword.start
			m.s.refs = append(m.s.refs, ref)
			m.step = stepIdle
			return true
		case tt == js.OpenParenToken:
			m.step = stepImportParen
			return true
		case tt == js.OpenBraceToken || tt == js.MulToken || js.IsIdentifierName(tt):
			m.startClause(JSImport)
			return m.clause(t)
		}
		return false // import.meta, {import: …}

	case stepExport:
		if tt == js.OpenBraceToken || tt == js.MulToken {
			m.startClause(JSExport)
			return m.clause(t)
		}
		return false // export default …, export const …

	case stepClause:
		return m.clause(t)

	case stepImportParen:
		if tt == js.StringToken {
			m.str = m.stringRef(t, JSDynamicImport)
			m.step = stepImportString
			return true
		}
		return false

	case stepImportString:
		switch tt {
		case js.CloseParenToken:
			ref := m.str
			ref.Start, ref.End = m.keyword.start, t.end
			m.s.refs = append(m.s.refs, ref)
			m.step = stepIdle
			return true
		case js.CommaToken:
			// The options argument (or a trailing comma) follows; the
			// reference ends with the ")" that closes the call's "(",
			// which is the innermost open frame now.
			if m.pendingDepth == 0 {
				m.pending = m.str
				m.pending.Start = m.keyword.start
				m.pendingDepth = len(m.s.frames)
			}
			m.step = stepIdle
			return true
		}
		return false // import("./a/" + x) is not a literal

	case stepNew:
		if tt == js.IdentifierToken && bytes.Equal(m.text(t), []byte("URL")) {
			m.step = stepNewURL
			return true
		}
		return false
	case stepNewURL:
		return m.expect(tt == js.OpenParenToken, stepNewParen)
	case stepNewParen:
		if tt == js.StringToken {
			m.str = m.stringRef(t, JSNewURL)
			m.step = stepNewString
			return true
		}
		return false
	case stepNewString:
		return m.expect(tt == js.CommaToken, stepNewComma)
	case stepNewComma:
		return m.expect(tt == js.ImportToken, stepNewImport)
	case stepNewImport:
		return m.expect(tt == js.DotToken, stepNewImportDot)
	case stepNewImportDot:
		return m.expect(tt == js.MetaToken, stepNewMeta)
	case stepNewMeta:
		return m.expect(tt == js.DotToken, stepNewMetaDot)
	case stepNewMetaDot:
		return m.expect(tt == js.IdentifierToken && bytes.Equal(m.text(t), []byte("url")), stepNewMetaURL)
	case stepNewMetaURL, stepNewTrailingComma:
		switch {
		case tt == js.CloseParenToken:
			m.s.refs = append(m.s.refs, m.str)
			m.step = stepIdle
			return true
		case tt == js.CommaToken && m.step == stepNewMetaURL:
			m.step = stepNewTrailingComma
			return true
		}
		return false
	}
	return false
}

// expect moves to next when ok holds.
func (m *moduleMatcher) expect(ok bool, next moduleStep) bool {
	if ok {
		m.step = next
	}
	return ok
}

func (m *moduleMatcher) startClause(kind Kind) {
	m.step, m.kind = stepClause, kind
	m.braces, m.clauseLen, m.fromIsLast = 0, 0, false
}

// clause accepts the tokens of an import or export clause: names (any
// IdentifierName, since "default" and "as" appear), "*", ",", braces and
// string names ({ "a-b" as ab }), until `from "spec"` at brace depth 0.
func (m *moduleMatcher) clause(t *token) bool {
	tt := t.tt
	fromWasLast := m.fromIsLast
	m.fromIsLast = false
	switch {
	case tt == js.StringToken:
		if m.braces > 0 {
			break
		}
		if !fromWasLast || m.clauseLen < 2 {
			return false
		}
		ref := m.stringRef(t, m.kind)
		ref.Start = m.keyword.start
		ref.Clause = string(bytes.TrimRight(m.s.src[m.keyword.end:m.from.start], " \t\n\r\v\f"))
		m.s.refs = append(m.s.refs, ref)
		m.step = stepIdle
		return true
	case tt == js.OpenBraceToken:
		m.braces++
	case tt == js.CloseBraceToken:
		if m.braces == 0 {
			return false
		}
		m.braces--
	case tt == js.CommaToken, tt == js.MulToken:
	case js.IsIdentifierName(tt):
		if tt == js.FromToken && m.braces == 0 {
			m.from, m.fromIsLast = *t, true
		}
	default:
		return false
	}
	m.clauseLen++
	return true
}

// text returns a token's bytes.
func (m *moduleMatcher) text(t *token) []byte {
	return m.s.src[t.start:t.end]
}

// stringRef makes a reference for a string literal token; Start and End
// cover the literal, quotes included.
func (m *moduleMatcher) stringRef(t *token, kind Kind) Reference {
	raw := m.s.src[t.start+1 : t.end-1]
	return Reference{
		Kind:       kind,
		Value:      decodeJS(raw),
		Start:      t.start,
		End:        t.end,
		ValueStart: t.start + 1,
		ValueEnd:   t.end - 1,
		Quote:      m.s.src[t.start],
	}
}
