package scan

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
	"github.com/tdewolff/parse/v2/js"
)

// generateCSS returns a deterministic stylesheet of about n rules that looks
// like real framework CSS: selectors, declarations, comments, url()s,
// @import, @font-face, @media and image-set().
func generateCSS(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("@charset \"utf-8\";\n@import url(\"base.css\");\n@import 'theme.css' screen;\n")
	b.WriteString("/*! Generated stylesheet — license header with url(nothing.png) in a comment */\n")
	for i := 0; i < n; i++ {
		switch r.IntN(12) {
		case 0:
			fmt.Fprintf(&b, "@font-face {\n  font-family: \"F%d\";\n  src: url(\"../fonts/f%d.eot?#iefix\") format(\"embedded-opentype\"),\n       url(../fonts/f%d.woff2) format(\"woff2\"), local(\"F%d\");\n}\n", i, i, i, i)
		case 1:
			fmt.Fprintf(&b, "@media (min-width: %dpx) {\n  .col-%d { flex: 0 0 %d%%; max-width: %d%%; }\n}\n", 500+i%700, i, i%100, i%100)
		case 2:
			fmt.Fprintf(&b, ".hero-%d { background-image: image-set(\"img/h%d.avif\" type(\"image/avif\"), url(img/h%d.png) 1x); }\n", i, i, i)
		case 3:
			fmt.Fprintf(&b, "/* section %d: .btn:hover { background: url(old.png) } */\n", i)
		default:
			fmt.Fprintf(&b, ".c%d > a:not(.x):hover, .c%d [data-k=\"v%d\"]::before {\n  color: #%06x;\n  margin: %dpx %dem 0 auto;\n  background: rgba(%d, %d, %d, .5) url(\"../img/i%d.svg\") no-repeat center / cover;\n  content: \"\\201C\";\n  transition: opacity .%ds ease-in-out;\n}\n",
				i, i, i, r.IntN(1<<24), r.IntN(40), r.IntN(4), r.IntN(256), r.IntN(256), r.IntN(256), i, 1+r.IntN(9))
		}
	}
	b.WriteString("/*# sourceMappingURL=generated.css.map */\n")
	return b.String()
}

// generateJS returns a deterministic ES module of about n statements mixing
// what makes scanning JavaScript hard: regular expressions next to
// divisions, strings and templates that mention import, object literals,
// function expressions and arrow functions.
func generateJS(n int) string {
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("import { a, b as c } from './lib/a.js';\nimport * as ns from \"../ns.js\";\nimport './side-effect.js';\nexport * from './re-export.js';\n")
	for i := 0; i < n; i++ {
		switch r.IntN(10) {
		case 0:
			fmt.Fprintf(&b, "const re%d = /^(?:[a-z]+\\/)*[\\w.-]+\\.js$/i, q%d = total / count / %d;\n", i, i, 1+i)
		case 1:
			fmt.Fprintf(&b, "function f%d(x, y = {k: %d}) {\n  if (x) return /['\"]/.test(y) ? `t ${x / 2} import('./no.js')` : \"import './no.js'\";\n  return x.replace(/\\s+/g, ' ') + y[%d] / 3;\n}\n", i, i, i%7)
		case 2:
			fmt.Fprintf(&b, "const lazy%d = () => import('./chunks/c%d.js');\n", i, i)
		case 3:
			fmt.Fprintf(&b, "// comment %d: import x from './commented.js'\nlet o%d = { import: 'not', 'key-%d': [1, 2, 3].map((v) => v * %d / 2) };\n", i, i, i, i)
		case 4:
			fmt.Fprintf(&b, "const u%d = new URL('./assets/a%d.png', import.meta.url).href;\n", i, i)
		case 5:
			fmt.Fprintf(&b, "class K%d extends Base { #p = %d; get v() { return this.#p / 2; } static m(s) { return s.split(/,\\s*/); } }\n", i, i)
		default:
			fmt.Fprintf(&b, "for (let i = 0; i < list%d.length; i++) { sum += list%d[i] * %d / (i + 1); if (sum > %d) break; }\n", i%5, i%5, i, i*10)
		}
	}
	b.WriteString("//# sourceMappingURL=generated.js.map\n")
	return b.String()
}

func BenchmarkCSS(b *testing.B) {
	src := []byte(generateCSS(20000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CSS(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSModule(b *testing.B) {
	src := []byte(generateJS(20000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JS(src, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSScript(b *testing.B) {
	src := []byte(generateJS(20000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JS(src, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSParserFallback measures the slow path for comparison.
func BenchmarkJSParserFallback(b *testing.B) {
	src := []byte(generateJS(20000))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		regexps, err := regexpOffsets(src, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := scanJS(src, 0, true, regexps); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGeneratedInputs checks that the benchmark inputs scan without the
// fallback and find what they contain.
func TestGeneratedInputs(t *testing.T) {
	css := []byte(generateCSS(500))
	refs, err := CSS(css)
	if err != nil || len(refs) == 0 {
		t.Fatalf("CSS: %d refs, %v", len(refs), err)
	}
	checkInvariants(t, css, refs)
	js := []byte(generateJS(500))
	if _, err := scanJS(js, 0, true, nil); err != nil {
		t.Fatalf("heuristic scan of generated JS: %v", err)
	}
	refs, err = JS(js, true)
	if err != nil || len(refs) == 0 {
		t.Fatalf("JS: %d refs, %v", len(refs), err)
	}
	checkInvariants(t, js, refs)
	for _, r := range refs {
		if strings.Contains(r.Value, "no") || strings.Contains(r.Value, "comment") {
			t.Errorf("found a reference in a string or comment: %+v", r)
		}
	}
}

// BenchmarkJSFile scans the file named by $ASSETC_BENCH_JS (real code), or
// the generated module.
func BenchmarkJSFile(b *testing.B) {
	src := []byte(generateJS(20000))
	if name := os.Getenv("ASSETC_BENCH_JS"); name != "" {
		var err error
		if src, err = os.ReadFile(name); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := JS(src, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLexerBaselineCSS is the bare tdewolff CSS lexer on the same input
// as BenchmarkCSS: the ceiling for the scanner.
func BenchmarkLexerBaselineCSS(b *testing.B) {
	src := []byte(generateCSS(20000))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		lexer := css.NewLexer(parse.NewInputBytes(src[:len(src):len(src)]))
		for tt, _ := lexer.Next(); tt != css.ErrorToken; tt, _ = lexer.Next() {
		}
	}
}

// BenchmarkLexerBaselineJS is the bare tdewolff JS lexer told where the
// regular expressions are (by the parser, outside the timing): the ceiling
// for the scanner.
func BenchmarkLexerBaselineJS(b *testing.B) {
	src := []byte(generateJS(20000))
	regexps, err := regexpOffsets(src, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		in := parse.NewInputBytes(src[:len(src):len(src)])
		lexer := js.NewLexer(in)
		for tt, data := lexer.Next(); tt != js.ErrorToken; tt, data = lexer.Next() {
			if (tt == js.DivToken || tt == js.DivEqToken) && regexps[in.Offset()-len(data)] {
				lexer.RegExp()
			}
		}
	}
}
