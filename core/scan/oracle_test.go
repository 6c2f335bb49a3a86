package scan

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/js"
)

// parserModuleRefs finds module references with the full tdewolff parser,
// independently of the lexer path: an oracle for tests. Only the kind and the
// value offset are compared, since the AST has no other positions.
func parserModuleRefs(src []byte) ([][2]int, error) {
	base := shebangLength(src)
	in := parse.NewInputBytes(bytes.Clone(src[base:]))
	ast, err := js.Parse(in, js.Options{})
	if err != nil {
		return nil, err
	}
	o := &moduleOracle{buf: in.Bytes(), base: base}
	js.Walk(o, ast)
	sort.Slice(o.found, func(i, j int) bool { return o.found[i][1] < o.found[j][1] })
	return o.found, nil
}

type moduleOracle struct {
	buf   []byte
	base  int
	found [][2]int // {Kind, ValueStart}
}

func (o *moduleOracle) add(kind Kind, lit []byte) {
	if off, ok := offsetIn(o.buf, lit); ok {
		o.found = append(o.found, [2]int{int(kind), o.base + off + 1})
	}
}

func stringArg(e js.IExpr) ([]byte, bool) {
	lit, ok := e.(*js.LiteralExpr)
	if !ok || lit.TokenType != js.StringToken {
		return nil, false
	}
	return lit.Data, true
}

func (o *moduleOracle) Enter(n js.INode) js.IVisitor {
	switch n := n.(type) {
	case *js.ImportStmt:
		if n.Module != nil {
			if n.Default == nil && n.List == nil {
				o.add(JSSideEffectImport, n.Module)
			} else {
				o.add(JSImport, n.Module)
			}
		}
	case *js.ExportStmt:
		if n.Module != nil {
			o.add(JSExport, n.Module)
		}
	case *js.CallExpr:
		if x, ok := n.X.(*js.LiteralExpr); ok && x.TokenType == js.ImportToken && len(n.Args.List) >= 1 && len(n.Args.List) <= 2 {
			if s, ok := stringArg(n.Args.List[0].Value); ok && !n.Args.List[0].Rest {
				o.add(JSDynamicImport, s)
			}
		}
	case *js.NewExpr:
		if v, ok := n.X.(*js.Var); ok && string(v.Data) == "URL" && n.Args != nil && len(n.Args.List) == 2 {
			s, ok := stringArg(n.Args.List[0].Value)
			dot, isDot := n.Args.List[1].Value.(*js.DotExpr)
			if ok && isDot {
				_, meta := dot.X.(*js.ImportMetaExpr)
				if y, isLit := dot.Y.(js.LiteralExpr); meta && isLit && string(y.Data) == "url" {
					o.add(JSNewURL, s)
				}
			}
		}
	}
	return o
}

func (o *moduleOracle) Exit(js.INode) {}

// oracleInputs are module sources the parser accepts, mixing everything the
// lexer path must get right.
func oracleInputs() []string {
	inputs := []string{generateJS(300)}
	for _, c := range jsModuleCases {
		if c.name == "nested import in import options is dropped" {
			continue // by design: the outer call's span hides the inner one
		}
		inputs = append(inputs, c.src)
	}
	inputs = append(inputs,
		"import a from './a.js'; export { a }; export default function () { return import('./b.js') }",
		"x = a\n/import('./no.js')/g.exec(s)\nimport('./yes.js')",
		"const o = { import: 1, async import() { return import('./m.js') } }; o.import('./no.js')",
		"label: for (const k of ks) { if (k) continue label; } /x/.test(import.meta.url) && import('./y.js')",
		"a = b ? c : d; e = `${f}${`${import('./t.js')}`}`; g = h / i / j",
		"export const f = async () => { await import('./a.js'); for await (const x of /y/g[Symbol.iterator]()) {} }",
		"class A extends B { static #x = /'/; static { import('./s.js') } m() { return this.#x / 2 } }",
		"new URL('./a.png', import.meta.url); new URL('./b.png', document.baseURI); new Foo.URL('./c.png', import.meta.url)",
	)
	return inputs
}

func kindsAndStarts(refs []Reference) [][2]int {
	var out [][2]int
	for _, r := range refs {
		if r.Kind != JSSourceMap {
			out = append(out, [2]int{int(r.Kind), r.ValueStart})
		}
	}
	return out
}

// TestJSLexerAgreesWithParser runs the lexer path and the parser oracle on
// varied inputs and compares the module references they find.
func TestJSLexerAgreesWithParser(t *testing.T) {
	for i, src := range oracleInputs() {
		want, err := parserModuleRefs([]byte(src))
		if err != nil {
			continue // syntax the parser rejects (decorators, legacy octal…)
		}
		refs, err := JS([]byte(src), true)
		if err != nil {
			t.Errorf("input %d: JS: %v", i, err)
			continue
		}
		got := kindsAndStarts(refs)
		if len(got) != len(want) {
			t.Errorf("input %d: lexer found %v, parser %v\n%s", i, got, want, src)
			continue
		}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("input %d: lexer found %v, parser %v\n%s", i, got, want, src)
				break
			}
		}
	}
}

// TestJSCorpus compares, on every .js/.mjs file below $ASSETC_JS_CORPUS, the
// regular expressions the heuristic finds with those the parser finds, and
// the module references of the lexer path with the parser oracle's. It is skipped unless the variable is
// set: real-world code is the best test of slash.go.
func TestJSCorpus(t *testing.T) {
	root := os.Getenv("ASSETC_JS_CORPUS")
	if root == "" {
		t.Skip("set ASSETC_JS_CORPUS to a directory of JavaScript files")
	}
	var files, undecided, parserFailed, mismatched int
	var size int64
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".mjs")) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil || len(src) > 8<<20 {
			return nil
		}
		files++
		size += int64(len(src))
		base := shebangLength(src)
		var seen []int
		s := &seenRegexps{}
		_, herr := scanJSRecording(src, base, s)
		seen = s.offsets
		if herr != nil {
			undecided++
		}
		regexps, perr := regexpOffsets(src, base)
		if perr != nil {
			parserFailed++
			return nil
		}
		if wantRefs, err := parserModuleRefs(src); err == nil {
			if refs, err := JS(src, true); err == nil {
				got := kindsAndStarts(refs)
				if len(got) != len(wantRefs) || (len(got) > 0 && firstDifferentRef(got, wantRefs) >= 0) {
					mismatched++
					t.Errorf("%s: module references: lexer %v, parser %v", path, got, wantRefs)
				}
			}
		}
		if herr == nil {
			var want []int
			for off := range regexps {
				want = append(want, off)
			}
			sort.Ints(want)
			if len(want) != len(seen) || !equalInts(want, seen) {
				mismatched++
				t.Errorf("%s: heuristic regexps %d, parser %d (first difference at %d)", path, len(seen), len(want), firstDifference(seen, want))
			}
		}
		return nil
	})
	t.Logf("%d files, %d MB: %d needed the parser fallback, %d rejected by the parser, %d mismatches",
		files, size>>20, undecided, parserFailed, mismatched)
}

// seenRegexps collects the offsets of the regular expressions the heuristic
// chose.
type seenRegexps struct{ offsets []int }

// scanJSRecording runs the heuristic pass and records its regexps by
// re-lexing: every token the scanner classified as RegExpToken.
func scanJSRecording(src []byte, base int, rec *seenRegexps) ([]Reference, error) {
	s := &jsScanner{src: src, modules: true, frames: []frame{{open: js.OpenBraceToken, brace: braceBlock}}}
	s.module.s = s
	s.recordRegexps = &rec.offsets
	return s.run(base)
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func firstDifference(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return min(a[i], b[i])
		}
	}
	if len(a) < len(b) {
		return b[len(a)]
	}
	if len(b) < len(a) {
		return a[len(b)]
	}
	return -1
}

func firstDifferentRef(a, b [][2]int) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
