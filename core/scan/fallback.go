package scan

import (
	"errors"
	"unsafe"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/js"
)

// regexpOffsets parses src[base:] with the full tdewolff parser, which tells
// regular expressions from divisions by grammar, and returns the offsets (in
// src) of every regular expression literal. The parser's AST has no
// positions, but its literals are slices of the parser's input buffer, so
// pointer arithmetic against that buffer recovers them.
//
// The parser is slower than the lexer and rejects some modern syntax (import
// attributes, decorators), which is why it is only the fallback.
func regexpOffsets(src []byte, base int) (map[int]bool, error) {
	body := src[base:len(src):len(src)] // clipped: see parse.NewInputBytes
	in := parse.NewInputBytes(body)
	ast, err := parseJS(in)
	if err != nil {
		var perr *parse.Error
		if errors.As(err, &perr) {
			// Line numbers agree: src[base:] starts at the shebang's line
			// terminator, so its line 1 is the shebang line.
			col := perr.Column
			if perr.Line == 1 {
				col += base
			}
			return nil, &Error{Line: perr.Line, Col: col, Message: perr.Message}
		}
		return nil, errorAt(src, len(src), err.Error())
	}
	buf := in.Bytes()
	v := &regexpCollector{offsets: map[int]bool{}, base: base, buf: buf}
	js.Walk(v, ast)
	return v.offsets, nil
}

// parseJS runs js.Parse, turning a panic inside the third-party parser into
// an error: the scanner must never panic on any input.
func parseJS(in *parse.Input) (ast *js.AST, err error) {
	defer func() {
		if r := recover(); r != nil {
			ast, err = nil, errors.New("the JavaScript parser failed on this input")
		}
	}()
	return js.Parse(in, js.Options{})
}

// regexpCollector is a js.IVisitor recording regular expression literals.
type regexpCollector struct {
	offsets map[int]bool
	base    int
	buf     []byte
}

// Enter records n when it is a regular expression literal.
func (v *regexpCollector) Enter(n js.INode) js.IVisitor {
	if lit, ok := n.(*js.LiteralExpr); ok && lit.TokenType == js.RegExpToken {
		if off, ok := offsetIn(v.buf, lit.Data); ok {
			v.offsets[v.base+off] = true
		}
	}
	return v
}

// Exit is required by js.IVisitor.
func (v *regexpCollector) Exit(js.INode) {}

// offsetIn returns where sub starts inside buf, if sub is a slice of buf.
func offsetIn(buf, sub []byte) (int, bool) {
	if len(sub) == 0 || len(buf) == 0 {
		return 0, false
	}
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(sub))) - uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	if off < 0 || off+len(sub) > len(buf) {
		return 0, false
	}
	return off, true
}
