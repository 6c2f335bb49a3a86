package scan

import (
	"github.com/tdewolff/parse/v2/js"
)

// This file decides whether a "/" starts a regular expression literal or is
// a division, the one thing a JavaScript lexer cannot know by itself
// (ECMAScript §12 "ECMAScript Language: Lexical Grammar": the goal symbol
// InputElementRegExp or InputElementDiv is chosen by the syntactic context).
// The rule of thumb: a "/" is a division when it follows something that ends
// an expression (an identifier, a literal, ")" or "]"), otherwise a regular
// expression. The exceptions need a little memory, kept in a stack of open
// brackets:
//
//   - ")" ends the condition of if/while/for/with, after which a statement
//     (possibly a regular expression) starts;
//   - "}" ends either a block or a function declaration (a statement follows)
//     or an object literal, a function or class expression (an operator
//     follows);
//   - yield, and await outside modules, may be keywords or identifiers.
//
// When the answer depends on something this file does not track, the scanner
// says so and JS falls back to the full parser.

// slashMeaning is what a "/" means after a token.
type slashMeaning uint8

const (
	slashRegExp   slashMeaning = iota // a "/" here starts a regular expression literal
	slashDivision                     // a "/" here is the division operator
	slashUnknown                      // the heuristic cannot tell: ask the parser
)

// parenKind says what a parenthesis pair encloses.
type parenKind uint8

const (
	parenOther   parenKind = iota // a call, a grouping, parameters of an arrow or method
	parenControl                  // the head of if, while, with: a statement follows ")"
	parenFor                      // the head of for (for-of needs to know)
	parenParams                   // the parameters of a function declared with the function keyword
)

// braceKind says what a brace pair encloses, which decides what may follow
// its "}".
type braceKind uint8

const (
	braceBlock braceKind = iota + 1 // a block or declaration body: a statement follows
	braceExpr                       // an object literal or expression body: an operator follows
)

// functionState tracks the function keyword until its body's "{".
type functionState uint8

const (
	noFunction           functionState = iota
	functionAwaitsParams               // seen "function", its "(" not yet
	functionAwaitsBody                 // seen its parameters, its "{" not yet
)

// frame is one open bracket: "(", "[", "{" or a template literal's "${".
type frame struct {
	open  js.TokenType // OpenParenToken, OpenBracketToken, OpenBraceToken or TemplateStartToken
	paren parenKind
	brace braceKind
	// questions counts "?" whose ":" has not come yet, so that a ":" can be
	// told apart as a conditional's or a label's / case's / property's.
	questions int
	function  functionState
	// functionBody is the braceKind the pending function's body will get.
	functionBody braceKind
	// classBody is the braceKind + 1 the pending class's body will get, or 0.
	classBody braceKind
}

// token is what the heuristic remembers about a significant token.
type token struct {
	tt         js.TokenType
	start, end int
	// afterDot is set on an IdentifierName read as a property name
	// (after "." or "?."): "a.return / 2" divides.
	afterDot bool
	// newlineBefore is set when a line terminator separates the token from
	// the previous significant one (automatic semicolon insertion, §12.10).
	newlineBefore bool
	// statementStart is set when the token begins a statement.
	statementStart bool
	paren          parenKind // for ")": what it closed
	brace          braceKind // for "{" and "}": the pair's kind
	ternaryColon   bool      // for ":": it belongs to a conditional operator
	ofKeyword      bool      // for "of": the for-of keyword rather than a variable
	forAwait       bool      // for "await": it follows "for" (for await (…))
}

// top returns the innermost open frame; frames[0] is the script itself, a
// block that is never popped.
func (s *jsScanner) top() *frame {
	return &s.frames[len(s.frames)-1]
}

// pop closes the innermost frame (never the script's own) and returns it.
func (s *jsScanner) pop() frame {
	if len(s.frames) == 1 {
		return frame{brace: braceBlock}
	}
	f := s.frames[len(s.frames)-1]
	s.frames = s.frames[:len(s.frames)-1]
	return f
}

// isKeywordUse reports whether an IdentifierName token is used as a keyword,
// not as a property name.
func isKeywordUse(t *token, tt js.TokenType) bool {
	return t.tt == tt && !t.afterDot
}

// endsExpression reports whether the token can end an expression, after
// which a "/" divides and a line break may insert a semicolon.
func (s *jsScanner) endsExpression(t *token) bool {
	return s.slashAfter(t) == slashDivision
}

// track updates the bracket stack for a significant token and fills in the
// token's derived facts. prev is the previous significant token.
func (s *jsScanner) track(t *token) {
	prev := &s.prev
	if js.IsIdentifierName(t.tt) && (prev.tt == js.DotToken || prev.tt == js.OptChainToken) {
		t.afterDot = true
	}
	switch t.tt {
	case js.FunctionToken, js.ClassToken, js.AsyncToken:
		// Only declarations care, so the cost is not paid on every token.
		t.statementStart = s.statementStartsAfter(prev, t.newlineBefore)
	case js.AwaitToken:
		t.forAwait = isKeywordUse(prev, js.ForToken)
	}
	top := s.top()
	switch t.tt {
	case js.OpenParenToken:
		kind := parenOther
		switch {
		case isKeywordUse(prev, js.IfToken), isKeywordUse(prev, js.WhileToken), isKeywordUse(prev, js.WithToken):
			kind = parenControl
		case isKeywordUse(prev, js.ForToken), isKeywordUse(prev, js.AwaitToken) && prev.forAwait:
			kind = parenFor
		case top.function == functionAwaitsParams:
			kind = parenParams
			top.function = functionAwaitsBody
		}
		s.frames = append(s.frames, frame{open: js.OpenParenToken, paren: kind})
	case js.CloseParenToken:
		f := s.pop()
		t.paren = f.paren
	case js.OpenBracketToken:
		s.frames = append(s.frames, frame{open: js.OpenBracketToken})
	case js.CloseBracketToken:
		s.pop()
	case js.OpenBraceToken:
		t.brace = s.braceKindAfter(prev, t.newlineBefore)
		s.frames = append(s.frames, frame{open: js.OpenBraceToken, brace: t.brace})
	case js.CloseBraceToken:
		f := s.pop()
		t.brace = f.brace
		if f.open != js.OpenBraceToken {
			t.brace = braceBlock
		}
	case js.TemplateStartToken:
		s.frames = append(s.frames, frame{open: js.TemplateStartToken})
	case js.TemplateMiddleToken, js.TemplateEndToken:
		// The lexer decided that this "}" closes a substitution; close
		// whatever the substitution left open with it.
		for len(s.frames) > 1 && s.top().open != js.TemplateStartToken {
			s.pop()
		}
		if t.tt == js.TemplateEndToken {
			s.pop()
		}
	case js.QuestionToken:
		top.questions++
	case js.ColonToken:
		if top.questions > 0 {
			top.questions--
			t.ternaryColon = true
		}
	case js.FunctionToken:
		if !t.afterDot {
			top.function = functionAwaitsParams
			top.functionBody = braceExpr
			if t.statementStart || (prev.tt == js.AsyncToken && !prev.afterDot && prev.statementStart) {
				top.functionBody = braceBlock
			}
		}
	case js.ClassToken:
		if !t.afterDot {
			top.classBody = braceExpr + 1
			if t.statementStart {
				top.classBody = braceBlock + 1
			}
		}
	case js.OfToken:
		// for (x of /re/): "of" is the keyword when it follows the end of
		// the for-of binding inside a for head; "for (of of xs)" and
		// "for (i = of / 2; …)" use a variable named of.
		t.ofKeyword = top.open == js.OpenParenToken && top.paren == parenFor && s.endsExpression(prev) && !t.afterDot
	}
}

// statementStartsAfter reports whether a token following prev begins a
// statement, which decides whether "function" and "class" declare (a
// statement follows their "}") or are expressions (an operator may follow).
func (s *jsScanner) statementStartsAfter(prev *token, newline bool) bool {
	switch prev.tt {
	case 0, js.SemicolonToken:
		return true
	case js.OpenBraceToken, js.CloseBraceToken:
		if prev.brace == braceBlock {
			return true
		}
	case js.CloseParenToken:
		if prev.paren == parenControl || prev.paren == parenFor {
			return true
		}
	case js.ElseToken, js.DoToken, js.ExportToken, js.DefaultToken:
		if !prev.afterDot {
			return true
		}
	case js.ColonToken:
		if !prev.ternaryColon {
			top := s.top()
			return top.open == js.OpenBraceToken && top.brace == braceBlock
		}
		return false
	}
	// §12.10.1: a line break after a complete expression ends the statement
	// when the next token cannot continue it (function and class cannot).
	return newline && s.endsExpression(prev)
}

// braceKindAfter decides what a "{" following prev opens.
func (s *jsScanner) braceKindAfter(prev *token, newline bool) braceKind {
	top := s.top()
	if top.classBody != 0 {
		kind := top.classBody - 1
		top.classBody = 0
		return kind
	}
	if prev.tt == js.CloseParenToken {
		if prev.paren == parenParams && top.function == functionAwaitsBody {
			top.function = noFunction
			return top.functionBody
		}
		// if/for/while/switch/catch bodies and method bodies.
		return braceBlock
	}
	switch prev.tt {
	case 0, js.SemicolonToken, js.OpenBraceToken, js.CloseBraceToken, js.ArrowToken:
		// An arrow function's block body: nothing but a new statement
		// (after automatic semicolon insertion) can follow its "}".
		return braceBlock
	case js.ElseToken, js.DoToken, js.TryToken, js.FinallyToken, js.CatchToken:
		if !prev.afterDot {
			return braceBlock
		}
	case js.ColonToken:
		if !prev.ternaryColon && top.open == js.OpenBraceToken && top.brace == braceBlock {
			return braceBlock // after a label or a case clause
		}
		return braceExpr
	case js.ReturnToken, js.YieldToken:
		if !prev.afterDot {
			if newline {
				return braceBlock // return\n{ is return; {
			}
			return braceExpr
		}
	case js.TemplateStartToken, js.TemplateMiddleToken:
		return braceExpr
	}
	if s.endsExpression(prev) {
		// "static {" in a class, or a block after automatic semicolon
		// insertion; "x {" is a syntax error either way.
		return braceBlock
	}
	return braceExpr
}

// slashAfter is the heart of the heuristic: what a "/" right after t means.
func (s *jsScanner) slashAfter(t *token) slashMeaning {
	tt := t.tt
	switch {
	case js.IsIdentifierName(tt) && t.afterDot:
		return slashDivision
	case js.IsNumeric(tt):
		return slashDivision
	}
	switch tt {
	case js.StringToken, js.TemplateToken, js.TemplateEndToken, js.RegExpToken, js.PrivateIdentifierToken,
		js.CloseBracketToken, js.IncrToken, js.DecrToken,
		js.ThisToken, js.SuperToken, js.NullToken, js.TrueToken, js.FalseToken:
		return slashDivision
	case js.CloseParenToken:
		if t.paren == parenControl || t.paren == parenFor {
			return slashRegExp
		}
		return slashDivision
	case js.CloseBraceToken:
		if t.brace == braceBlock {
			return slashRegExp
		}
		return slashDivision
	case js.YieldToken:
		// A keyword in generators (yield /re/), an identifier in sloppy
		// scripts (yield / 2); which one needs the enclosing function.
		return slashUnknown
	case js.AwaitToken:
		if s.modules {
			return slashRegExp // always a keyword in a module (§16.2.1.1)
		}
		return slashUnknown
	case js.OfToken:
		if t.ofKeyword {
			return slashRegExp
		}
		return slashDivision
	}
	if js.IsIdentifier(tt) {
		return slashDivision // identifiers and contextual keywords (let, get, async …)
	}
	// Reserved words that take an operand (return, typeof, in, case …),
	// punctuators and operators, and the start of input.
	return slashRegExp
}
