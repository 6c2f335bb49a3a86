package scan

import (
	"bytes"
	"testing"
)

var cssCases = []scanCase{
	{name: "empty", src: ""},
	{name: "no references", src: "a { color: red; }"},
	{
		name: "unquoted url",
		src:  "a { background: url(img/a.png) }",
		want: []want{{Kind: CSSURL, Value: "img/a.png", Span: "url(«img/a.png»)", Line: 1, Col: 21}},
	},
	{
		name: "quoted urls",
		src:  `a{b:url("a.png");c:url('b.png')}`,
		want: []want{
			{Kind: CSSURL, Value: "a.png", Span: `url("«a.png»")`, Quote: '"', Line: 1, Col: 10},
			{Kind: CSSURL, Value: "b.png", Span: `url('«b.png»')`, Quote: '\'', Line: 1, Col: 25},
		},
	},
	{
		name: "upper and mixed case url",
		src:  "a{b:URL(A.PNG) c:Url( x.png )}",
		want: []want{
			{Kind: CSSURL, Value: "A.PNG", Span: "URL(«A.PNG»)"},
			{Kind: CSSURL, Value: "x.png", Span: "Url( «x.png» )"},
		},
	},
	{
		name: "whitespace around quoted url",
		src:  "a{b:url(  \"a b.png\"\t)}",
		want: []want{{Kind: CSSURL, Value: "a b.png", Span: "url(  \"«a b.png»\"\t)", Quote: '"'}},
	},
	{
		name: "newlines inside url",
		src:  "a{b:url(\n  x.png\n)}",
		want: []want{{Kind: CSSURL, Value: "x.png", Span: "url(\n  «x.png»\n)", Line: 2, Col: 3}},
	},
	{
		name: "escapes in unquoted url",
		src:  `a{b:url(a\)b\26 c\000041.png)}`,
		want: []want{{Kind: CSSURL, Value: "a)b&cA.png", Span: `url(«a\)b\26 c\000041.png»)`}},
	},
	{
		name: "escapes in quoted url",
		src: `a{b:url("a\"b\
c\31 .png")}`,
		want: []want{{Kind: CSSURL, Value: `a"bc1.png`, Span: "url(\"«a\\\"b\\\nc\\31 .png»\")", Quote: '"'}},
	},
	{
		name: "escape of a surrogate and zero",
		src:  `a{b:url(\D800\0 x)}`,
		want: []want{{Kind: CSSURL, Value: "\uFFFD\uFFFDx", Span: `url(«\D800\0 x»)`}},
	},
	{
		name: "escaped trailing space is part of the value",
		src:  `a{b:url(a\ )}`,
		want: []want{{Kind: CSSURL, Value: "a ", Span: `url(«a\ »)`}},
	},
	{
		name: "query fragment and iefix",
		src:  `@font-face{src:url(f.eot?#iefix) format("embedded-opentype"),url("f.woff2?v=1#x") format("woff2"),local("Foo")}`,
		want: []want{
			{Kind: CSSURL, Value: "f.eot?#iefix", Span: "url(«f.eot?#iefix»)"},
			{Kind: CSSURL, Value: "f.woff2?v=1#x", Span: `url("«f.woff2?v=1#x»")`, Quote: '"'},
		},
	},
	{
		name: "import string forms",
		src:  "@import \"a.css\";\n@import 'b.css' screen and (min-width: 10px);\n@IMPORT\"c.css\";",
		want: []want{
			{Kind: CSSImport, Value: "a.css", Span: `@import "«a.css»"`, Quote: '"', Line: 1, Col: 10},
			{Kind: CSSImport, Value: "b.css", Span: `@import '«b.css»'`, Quote: '\'', Line: 2, Col: 10},
			{Kind: CSSImport, Value: "c.css", Span: `@IMPORT"«c.css»"`, Quote: '"', Line: 3, Col: 9},
		},
	},
	{
		name: "import url form with layer supports media",
		src:  `@import url("a.css") layer(base) supports(display: grid) screen;@import url(b.css);`,
		want: []want{
			{Kind: CSSURL, Value: "a.css", Span: `url("«a.css»")`, Quote: '"'},
			{Kind: CSSURL, Value: "b.css", Span: `url(«b.css»)`},
		},
	},
	{
		name: "import with a comment before the string",
		src:  `@import /* x */ "a.css";`,
		want: []want{{Kind: CSSImport, Value: "a.css", Span: `@import /* x */ "«a.css»"`, Quote: '"'}},
	},
	{
		name: "import media list strings are not references",
		src:  `@import "a.css" supports(content: "x");`,
		want: []want{{Kind: CSSImport, Value: "a.css", Span: `@import "«a.css»"`, Quote: '"'}},
	},
	{
		name: "image-set strings and urls",
		src:  `a{b:image-set("a.png" 1x, url(b.png) 2x, 'c.avif' type("image/avif"));c:-webkit-image-set("d.png" 1x)}`,
		want: []want{
			{Kind: CSSImageSet, Value: "a.png", Span: `"«a.png»"`, Quote: '"'},
			{Kind: CSSURL, Value: "b.png", Span: "url(«b.png»)"},
			{Kind: CSSImageSet, Value: "c.avif", Span: `'«c.avif»'`, Quote: '\''},
			{Kind: CSSImageSet, Value: "d.png", Span: `"«d.png»"`, Quote: '"'},
		},
	},
	{
		name: "image-set upper case and nested in another function",
		src:  `a{b:IMAGE-SET("a.png" 1x);c:var(--x, image-set("b.png" 2x))}`,
		want: []want{
			{Kind: CSSImageSet, Value: "a.png", Span: `"«a.png»"`, Quote: '"'},
			{Kind: CSSImageSet, Value: "b.png", Span: `"«b.png»"`, Quote: '"'},
		},
	},
	{
		name: "src function",
		src:  `a{b:src("s.png");c:src(var(--u))}`,
		want: []want{{Kind: CSSSrc, Value: "s.png", Span: `"«s.png»"`, Quote: '"'}},
	},
	{
		name: "source map comments",
		src:  "a{}\n/*# sourceMappingURL=a.css.map */\n/*@ sourceMappingURL=b.map*/\r\n/*#\tsourceMappingURL=c.map \t*/",
		want: []want{
			{Kind: CSSSourceMap, Value: "a.css.map", Span: "/*# sourceMappingURL=«a.css.map» */", Line: 2, Col: 22},
			{Kind: CSSSourceMap, Value: "b.map", Span: "/*@ sourceMappingURL=«b.map»*/", Line: 3, Col: 22},
			{Kind: CSSSourceMap, Value: "c.map", Span: "/*#\tsourceMappingURL=«c.map» \t*/", Line: 4, Col: 22},
		},
	},
	{
		name: "source map word is case-sensitive and needs a value",
		src:  "/*# sourcemappingurl=a.map */ /*# sourceMappingURL= */ /* sourceMappingURL=b.map */ /*# sourceMappingURL=a b */",
	},
	{
		name: "unterminated source map comment",
		src:  "/*# sourceMappingURL=a.map",
	},
	{
		name: "custom property",
		src:  "a{--bg: url(x.png); background: var(--bg)}",
		want: []want{{Kind: CSSURL, Value: "x.png", Span: "url(«x.png»)"}},
	},
	{
		name: "fragment data and external urls are returned",
		src:  `a{b:url(#clip);c:url(DATA:image/png;base64,AAA=);d:url(//cdn/x.png);e:url("HTTP://x/y")}`,
		want: []want{
			{Kind: CSSURL, Value: "#clip", Span: "url(«#clip»)"},
			{Kind: CSSURL, Value: "DATA:image/png;base64,AAA=", Span: "url(«DATA:image/png;base64,AAA=»)"},
			{Kind: CSSURL, Value: "//cdn/x.png", Span: "url(«//cdn/x.png»)"},
			{Kind: CSSURL, Value: "HTTP://x/y", Span: `url("«HTTP://x/y»")`, Quote: '"'},
		},
	},
	// Not references.
	{name: "url in a comment", src: "/* background: url(a.png); @import 'x.css'; */ a{}"},
	{name: "url in a string", src: `a{content:"url(a.png)";b:'@import "x.css"'}`},
	{name: "empty urls", src: `a{b:url();c:url("");d:url( );e:url(' ')}`},
	{name: "bad urls", src: `a{b:url(a b.png);c:url(a"b);d:url(a(b).png)} e{f:url(ok.png)}`,
		want: []want{{Kind: CSSURL, Value: "ok.png", Span: "url(«ok.png»)"}}},
	{name: "namespace url", src: `@namespace svg url(http://www.w3.org/2000/svg); @namespace "http://x"; a{b:url(c.png)}`,
		want: []want{{Kind: CSSURL, Value: "c.png", Span: "url(«c.png»)"}}},
	{name: "format local type strings", src: `@font-face{src:local("A"),url(a.woff)format("woff")} a{b:image-set(url(x.png) type("image/png"))}`,
		want: []want{
			{Kind: CSSURL, Value: "a.woff", Span: "url(«a.woff»)"},
			{Kind: CSSURL, Value: "x.png", Span: "url(«x.png»)"},
		}},
	{name: "url with a space before the paren", src: `a{b:url (a.png)}`},
	{name: "unterminated url at EOF", src: `a{b:url(a.png`},
	{name: "unterminated quoted url at EOF", src: `a{b:url("a.png"`},
	{name: "unterminated quoted url string at EOF", src: `a{b:url("a.png)`},
	{name: "unterminated string in image-set", src: `a{b:image-set("a.png`},
	{name: "escaped quote at EOF", src: `a{b:url("a\")`},
	{name: "bad string", src: "a{b:image-set(\"a\n.png\" 1x)}"},
	{name: "url-like ident", src: "a{b:urlx(a.png);c:my-url(b.png)}"},
	{name: "unclosed comment", src: "a{b:c} /* url(a.png)"},
	{
		name: "CRLF lines",
		src:  "a{}\r\nb{c:url(x.png)}\r\n",
		want: []want{{Kind: CSSURL, Value: "x.png", Span: "url(«x.png»)", Line: 2, Col: 9}},
	},
	{
		name: "non-ASCII value and columns in bytes",
		src:  "/* é */ a{b:url(ü.png)}",
		want: []want{{Kind: CSSURL, Value: "ü.png", Span: "url(«ü.png»)", Line: 1, Col: 18}},
	},
}

func TestCSS(t *testing.T) {
	for _, c := range cssCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CSS([]byte(c.src))
			if err != nil {
				t.Fatalf("CSS: %v", err)
			}
			checkRefs(t, c.src, got, c.want)
		})
	}
}

// TestCSSDoesNotTouchSpareCapacity guards against parse.NewInputBytes writing
// its NUL sentinel into the caller's buffer.
func TestCSSDoesNotTouchSpareCapacity(t *testing.T) {
	buf := make([]byte, 0, 64)
	buf = append(buf, "a{b:url(x.png)}"...)
	full := buf[:cap(buf)]
	for i := len(buf); i < len(full); i++ {
		full[i] = 'Z'
	}
	if _, err := CSS(buf); err != nil {
		t.Fatal(err)
	}
	if _, err := JS(append(buf[:0:0], "import 'x' //# sourceMappingURL=y"...), true); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(full[len(buf):], []byte{'Z'}) != len(full)-len(buf) {
		t.Fatal("spare capacity was modified")
	}
}

func TestKindString(t *testing.T) {
	names := map[Kind]string{
		CSSURL: "css-url", CSSImport: "css-import", CSSImageSet: "css-image-set", CSSSrc: "css-src",
		CSSSourceMap: "css-source-map", JSSourceMap: "js-source-map", JSImport: "js-import",
		JSSideEffectImport: "js-side-effect-import", JSExport: "js-export",
		JSDynamicImport: "js-dynamic-import", JSNewURL: "js-new-url", 0: "Kind(0)", 99: "Kind(99)",
	}
	for k, s := range names {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), s)
		}
	}
}

func TestErrorString(t *testing.T) {
	err := &Error{Line: 3, Col: 7, Message: "unterminated string literal"}
	if got := err.Error(); got != "3:7: unterminated string literal" {
		t.Errorf("Error() = %q", got)
	}
}
