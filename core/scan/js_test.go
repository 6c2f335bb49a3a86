package scan

import (
	"errors"
	"strings"
	"testing"
)

// jsModuleCases are scanned with modules=true.
var jsModuleCases = []scanCase{
	{name: "empty", src: ""},
	{
		name: "import declarations",
		src:  "import a from './a.js';\nimport {b, c as d} from \"./b.js\"\nimport * as ns from './ns.js';import e, * as f from '/abs.js'",
		want: []want{
			{Kind: JSImport, Value: "./a.js", Span: "import a from '«./a.js»'", Quote: '\'', Clause: " a", Line: 1, Col: 16},
			{Kind: JSImport, Value: "./b.js", Span: `import {b, c as d} from "«./b.js»"`, Quote: '"', Clause: " {b, c as d}", Line: 2, Col: 26},
			{Kind: JSImport, Value: "./ns.js", Span: "import * as ns from '«./ns.js»'", Quote: '\'', Clause: " * as ns", Line: 3, Col: 22},
			{Kind: JSImport, Value: "/abs.js", Span: "import e, * as f from '«/abs.js»'", Quote: '\'', Clause: " e, * as f"},
		},
	},
	{
		name: "import clause spanning lines and without spaces",
		src:  "import{\n  a,\n  b,\n}from'./x.js'",
		want: []want{{Kind: JSImport, Value: "./x.js", Span: "import{\n  a,\n  b,\n}from'«./x.js»'", Quote: '\'', Clause: "{\n  a,\n  b,\n}", Line: 4, Col: 7}},
	},
	{
		name: "import named from and default and string names",
		src:  `import from from "./f.js"; import {default as x, "a-b" as ab, from as y} from "./g.js";`,
		want: []want{
			{Kind: JSImport, Value: "./f.js", Span: `import from from "«./f.js»"`, Quote: '"', Clause: " from"},
			{Kind: JSImport, Value: "./g.js", Span: `import {default as x, "a-b" as ab, from as y} from "«./g.js»"`, Quote: '"', Clause: ` {default as x, "a-b" as ab, from as y}`},
		},
	},
	{
		name: "import with attributes and comments in the clause",
		src:  `import data /* json */ from "./d.json" with { type: "json" };`,
		want: []want{{Kind: JSImport, Value: "./d.json", Span: `import data /* json */ from "«./d.json»"`, Quote: '"', Clause: " data /* json */"}},
	},
	{
		name: "side-effect imports",
		src:  "import './a.css';\nimport\"b.js\"\nimport 'react'",
		want: []want{
			{Kind: JSSideEffectImport, Value: "./a.css", Span: "import '«./a.css»'", Quote: '\''},
			{Kind: JSSideEffectImport, Value: "b.js", Span: `import"«b.js»"`, Quote: '"'},
			{Kind: JSSideEffectImport, Value: "react", Span: "import '«react»'", Quote: '\''},
		},
	},
	{
		name: "export from",
		src:  "export * from './a.js';export * as ns from \"./b.js\"\nexport { x, y as z, default } from './c.js'; export {} from './d.js'",
		want: []want{
			{Kind: JSExport, Value: "./a.js", Span: "export * from '«./a.js»'", Quote: '\'', Clause: " *"},
			{Kind: JSExport, Value: "./b.js", Span: `export * as ns from "«./b.js»"`, Quote: '"', Clause: " * as ns"},
			{Kind: JSExport, Value: "./c.js", Span: "export { x, y as z, default } from '«./c.js»'", Quote: '\'', Clause: " { x, y as z, default }"},
			{Kind: JSExport, Value: "./d.js", Span: "export {} from '«./d.js»'", Quote: '\'', Clause: " {}"},
		},
	},
	{
		name: "exports that are not references",
		src:  "export { a, b };\nexport default 'x';\nexport const c = './c.js';\nexport function f() { return './f.js' }\nexport {d}\n'./e.js'",
	},
	{
		name: "dynamic imports",
		src:  "const a = import('./a.js');\nawait import(\"./b.js\", { with: { type: 'json' } });\nimport('./c.js',)",
		want: []want{
			{Kind: JSDynamicImport, Value: "./a.js", Span: "import('«./a.js»')", Quote: '\'', Line: 1, Col: 19},
			{Kind: JSDynamicImport, Value: "./b.js", Span: `import("«./b.js»", { with: { type: 'json' } })`, Quote: '"'},
			{Kind: JSDynamicImport, Value: "./c.js", Span: "import('«./c.js»',)", Quote: '\''},
		},
	},
	{
		name: "dynamic import with spaces and comments",
		src:  "import ( /* x */ './a.js' /* y */ )",
		want: []want{{Kind: JSDynamicImport, Value: "./a.js", Span: "import ( /* x */ '«./a.js»' /* y */ )", Quote: '\''}},
	},
	{
		name: "dynamic imports that are not references",
		src:  "import('./a/' + x); import(`./b.js`); import(name); obj.import('./c.js'); obj?.import('./d.js'); import.meta.url; x = {import: './e.js'}; class A { import() {} }",
	},
	{
		name: "new URL with import.meta.url",
		src:  "const u = new URL('./img.png', import.meta.url);\nnew URL(\"../w.js\", import.meta.url,).href",
		want: []want{
			{Kind: JSNewURL, Value: "./img.png", Span: "'«./img.png»'", Quote: '\'', Line: 1, Col: 20},
			{Kind: JSNewURL, Value: "../w.js", Span: `"«../w.js»"`, Quote: '"', Line: 2, Col: 10},
		},
	},
	{
		name: "new URL that is not a reference",
		src:  "new URL(x, import.meta.url); new URL('./a', location.href); new URL('./b'); new URL('./c', import.meta.url + 'x'); new window.URL('./d', import.meta.url); new URL('./e', import.meta)",
	},
	{
		name: "escapes in specifiers",
		src: `import '\u0041\x42\'C\u{44}'; import "\ud83d\ude00.js"; import 'a\
b'`,
		want: []want{
			{Kind: JSSideEffectImport, Value: "AB'CD", Span: `import '«\u0041\x42\'C\u{44}»'`, Quote: '\''},
			{Kind: JSSideEffectImport, Value: "\U0001F600.js", Span: `import "«\ud83d\ude00.js»"`, Quote: '"'},
			{Kind: JSSideEffectImport, Value: "ab", Span: "import '«a\\\nb»'", Quote: '\''},
		},
	},
	{
		name: "bare data and absolute specifiers are returned",
		src:  `import React from "react"; import "data:text/javascript,1"; import "https://cdn/x.js"; import "//cdn/y.js"`,
		want: []want{
			{Kind: JSImport, Value: "react", Span: `import React from "«react»"`, Quote: '"', Clause: " React"},
			{Kind: JSSideEffectImport, Value: "data:text/javascript,1", Span: `import "«data:text/javascript,1»"`, Quote: '"'},
			{Kind: JSSideEffectImport, Value: "https://cdn/x.js", Span: `import "«https://cdn/x.js»"`, Quote: '"'},
			{Kind: JSSideEffectImport, Value: "//cdn/y.js", Span: `import "«//cdn/y.js»"`, Quote: '"'},
		},
	},
	{
		name: "comments strings templates and regexps hide imports",
		src: `// import './a.js'
/* import('./b.js') */
const s = "import './c.js'";
const t = ` + "`import './d.js' ${x} import('./e.js')`" + `;
const r = /import '.\/f.js'/g;
const q = x / 2 / import.meta.url.length;
<!-- import './g.js'
`,
	},
	{
		name: "code inside template substitutions",
		src:  "const t = `a ${import('./a.js')} b ${`c ${import('./b.js')}`} d`;",
		want: []want{
			{Kind: JSDynamicImport, Value: "./a.js", Span: "import('«./a.js»')", Quote: '\''},
			{Kind: JSDynamicImport, Value: "./b.js", Span: "import('«./b.js»')", Quote: '\''},
		},
	},
	{
		name: "object literal in a substitution",
		src:  "`${{a: 1}.a}`; import './x.js'",
		want: []want{{Kind: JSSideEffectImport, Value: "./x.js", Span: "import '«./x.js»'", Quote: '\''}},
	},
	{
		name: "regexp after keywords and punctuation",
		src: `if (x) /'/.test(y); return /"/; typeof /'/; a = [/'/, /"/]; f(/'/); x = y ? /'/ : /"/;
{} /'/.test(s); x => {} 
/'/; a = !/'/.test(s) && /"/; case /'/: ; do /'/.x; while(0); import './ok.js'`,
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "division after values",
		src:  `a = b / c / d; e = (f) / 2 / g; h = i[0] / 2 / j; k = 1 / 2 / 3; l = "s" / 2 / 'x'; m = this / 2 / n; o.return / 2 / p; q++ / 2 / r; import './ok.js'`,
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "braces decide what a slash means",
		src: `function f() {}
/'/.test(s);
var g = function () {} / 1 / 'x';
var o = {a: 1} / 2 / 'y';
class A {}
/'/.test(s);
var B = class {} / 1 / 'z';
if (x) { } /'/.test(s);
x = { a: {b: 1} / 2 / 'q' };
label: { } /'/.test(s);
switch (x) { case 1: { } /'/.test(s) }
x = y ? {} / 2 / 'w' : 0;
import './ok.js'`,
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "regexp with slashes quotes and brackets",
		src:  `x = /[/'"]/g; y = /\/'/; z = /a{1}/; w = /(\))/; import './ok.js'`,
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "for of with a regexp and a variable named of",
		src:  `for (const x of /'/.exec(s)) {} for (const of of xs) {} for (i = of / 2; i < 1; i++) {} import './ok.js'`,
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "await in a module is a keyword",
		src:  `await /'/.test(s); import './ok.js'`,
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "yield needs the parser fallback",
		src:  "function* g() { yield /'/.source }\nimport './ok.js'",
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
	{
		name: "shebang line",
		src:  "#!/usr/bin/env node\nimport './a.js' // import './b.js'",
		want: []want{{Kind: JSSideEffectImport, Value: "./a.js", Span: "import '«./a.js»'", Quote: '\'', Line: 2, Col: 9}},
	},
	{
		name: "source map in a module",
		src:  "import './a.js';\n//# sourceMappingURL=a.js.map",
		want: []want{
			{Kind: JSSideEffectImport, Value: "./a.js", Span: "import '«./a.js»'", Quote: '\''},
			{Kind: JSSourceMap, Value: "a.js.map", Span: "//# sourceMappingURL=«a.js.map»", Line: 2, Col: 22},
		},
	},
	{
		name: "nested import in import options is dropped",
		src:  "import('./a.js', { x: import('./b.js') })",
		want: []want{{Kind: JSDynamicImport, Value: "./a.js", Span: "import('«./a.js»', { x: import('./b.js') })", Quote: '\''}},
	},
	{
		name: "decorators and legacy octal do not stop the scan",
		src:  "@dec class A {}\nx = 010 / 2; import './ok.js'",
		want: []want{{Kind: JSSideEffectImport, Value: "./ok.js", Span: "import '«./ok.js»'", Quote: '\''}},
	},
}

// jsScriptCases are scanned with modules=false.
var jsScriptCases = []scanCase{
	{name: "no source map word", src: "var x = 1; import('./a.js')"},
	{
		name: "line source map",
		src:  "var a;\n//# sourceMappingURL=a.js.map",
		want: []want{{Kind: JSSourceMap, Value: "a.js.map", Span: "//# sourceMappingURL=«a.js.map»", Line: 2, Col: 22}},
	},
	{
		name: "legacy at form and trailing spaces",
		src:  "var a;\n//@ sourceMappingURL=a.map  \t\n",
		want: []want{{Kind: JSSourceMap, Value: "a.map", Span: "//@ sourceMappingURL=«a.map»  \t"}},
	},
	{
		name: "CRLF source map includes the carriage return",
		src:  "var a;\r\n//# sourceMappingURL=a.map\r\n",
		want: []want{{Kind: JSSourceMap, Value: "a.map", Span: "//# sourceMappingURL=«a.map»\r", Line: 2, Col: 22}},
	},
	{
		name: "carriage return at EOF",
		src:  "//# sourceMappingURL=a.map\r",
		want: []want{{Kind: JSSourceMap, Value: "a.map", Span: "//# sourceMappingURL=«a.map»\r", Line: 1, Col: 22}},
	},
	{
		name: "block comment source map",
		src:  "var a;/*# sourceMappingURL=b.map */",
		want: []want{{Kind: JSSourceMap, Value: "b.map", Span: "/*# sourceMappingURL=«b.map» */"}},
	},
	{
		name: "module syntax is ignored in scripts",
		src:  "import './a.js'; export * from './b.js'\n//# sourceMappingURL=c.map",
		want: []want{{Kind: JSSourceMap, Value: "c.map", Span: "//# sourceMappingURL=«c.map»"}},
	},
	{
		name: "source map word in strings regexps and templates",
		src:  "var s = '//# sourceMappingURL=a.map'; var r = /\\/\\/# sourceMappingURL=b.map/; var t = `\n//# sourceMappingURL=c.map\n`;",
	},
	{
		name: "source map in a regexp after a closing paren of if",
		src:  "if (x) /\\/\\/# sourceMappingURL=b.map/.test(s)",
	},
	{
		name: "case-sensitive word and required value",
		src:  "//# sourcemappingurl=a.map\n//# sourceMappingURL=\n//# sourceMappingURL=a b\n// # sourceMappingURL=c.map",
	},
	{
		name: "shebang",
		src:  "#!/usr/bin/env node\n//# sourceMappingURL=a.map",
		want: []want{{Kind: JSSourceMap, Value: "a.map", Span: "//# sourceMappingURL=«a.map»", Line: 2, Col: 22}},
	},
	{
		name: "yield in a script needs the fallback",
		src:  "function* g() { yield /\\/\\/# sourceMappingURL=x.map/ }\n//# sourceMappingURL=a.map",
		want: []want{{Kind: JSSourceMap, Value: "a.map", Span: "//# sourceMappingURL=«a.map»"}},
	},
}

func TestJSModules(t *testing.T) {
	for _, c := range jsModuleCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := JS([]byte(c.src), true)
			if err != nil {
				t.Fatalf("JS: %v", err)
			}
			checkRefs(t, c.src, got, c.want)
		})
	}
}

func TestJSScripts(t *testing.T) {
	for _, c := range jsScriptCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := JS([]byte(c.src), false)
			if err != nil {
				t.Fatalf("JS: %v", err)
			}
			checkRefs(t, c.src, got, c.want)
		})
	}
}

func TestJSErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
	}{
		{"unterminated string", "import './a.js'\nvar s = 'abc\n", 2, 9},
		{"unterminated comment", "import './a.js'\n/* abc", 2, 7},
		{"unterminated template", "import './a.js'\nx = `abc", 2, 5},
		{"unterminated regexp", "import './a.js'\nx = /abc\n", 2, 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refs, err := JS([]byte(c.src), true)
			var scanErr *Error
			if !errors.As(err, &scanErr) {
				t.Fatalf("JS = %v, %v; want an *Error", refs, err)
			}
			if scanErr.Line != c.line || scanErr.Col != c.col || scanErr.Message == "" {
				t.Errorf("error at %d:%d (%q), want %d:%d", scanErr.Line, scanErr.Col, scanErr.Message, c.line, c.col)
			}
		})
	}
}

// TestJSFallbackAgrees checks that the parser-guided pass finds what the
// heuristic pass finds on inputs the heuristic handles.
func TestJSFallbackAgrees(t *testing.T) {
	for _, c := range jsModuleCases {
		src := []byte(c.src)
		base := shebangLength(src)
		heuristic, err := scanJS(src, base, true, nil)
		if err != nil {
			continue // the heuristic needs the fallback here
		}
		regexps, err := regexpOffsets(src, base)
		if err != nil {
			continue // syntax the parser rejects (decorators, octal)
		}
		guided, err := scanJS(src, base, true, regexps)
		if err != nil {
			t.Errorf("%s: guided scan failed: %v", c.name, err)
			continue
		}
		a, b := finish(src, heuristic), finish(src, guided)
		if len(a) != len(b) {
			t.Errorf("%s: heuristic found %d, guided %d", c.name, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s: ref %d differs:\n%+v\n%+v", c.name, i, a[i], b[i])
			}
		}
	}
}

// TestJSHeuristicNeedsFallback documents the constructs the heuristic passes
// to the parser, so that a change to slash.go that starts guessing is seen.
func TestJSHeuristicNeedsFallback(t *testing.T) {
	for _, src := range []string{
		"function* g() { yield /x/ }",
		"y = await / x / 2",
	} {
		_, err := scanJS([]byte(src), 0, false, nil)
		if err != errUndecidable {
			t.Errorf("%q: heuristic err = %v, want errUndecidable", src, err)
		}
	}
}

func TestJSPrefilter(t *testing.T) {
	src := strings.Repeat("var x = a / b; ", 100)
	if refs, err := JS([]byte(src), true); refs != nil || err != nil {
		t.Fatalf("JS = %v, %v", refs, err)
	}
	// The prefilter skips even broken input when no reference can exist.
	if refs, err := JS([]byte("var s = 'unterminated"), false); refs != nil || err != nil {
		t.Fatalf("JS = %v, %v", refs, err)
	}
}
