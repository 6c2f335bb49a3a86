package scan

import (
	"strings"
	"testing"
	"time"
)

func TestRewrite(t *testing.T) {
	src := []byte("0123456789")
	cases := []struct {
		name  string
		edits []Edit
		want  string
	}{
		{"none", nil, "0123456789"},
		{"replace", []Edit{{Start: 2, End: 4, Text: "ab"}}, "01ab456789"},
		{"grow and shrink", []Edit{{Start: 0, End: 1, Text: "xyz"}, {Start: 5, End: 9, Text: ""}}, "xyz12349"},
		{"insert", []Edit{{Start: 3, End: 3, Text: "+"}, {Start: 3, End: 3, Text: "-"}}, "012+-3456789"},
		{"whole", []Edit{{Start: 0, End: 10, Text: "x"}}, "x"},
		{"adjacent", []Edit{{Start: 0, End: 5, Text: "a"}, {Start: 5, End: 10, Text: "b"}}, "ab"},
		{"unsorted", []Edit{{Start: 8, End: 9, Text: "b"}, {Start: 1, End: 2, Text: "a"}}, "0a234567b9"},
		{"overlap skipped", []Edit{{Start: 1, End: 5, Text: "a"}, {Start: 3, End: 6, Text: "b"}}, "0a56789"},
		{"out of range skipped", []Edit{{Start: 8, End: 11, Text: "a"}, {Start: -1, End: 2, Text: "b"}, {Start: 5, End: 4, Text: "c"}}, "0123456789"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(Rewrite(src, c.edits)); got != c.want {
				t.Errorf("Rewrite = %q, want %q", got, c.want)
			}
			if string(src) != "0123456789" {
				t.Fatal("Rewrite modified src")
			}
		})
	}
}

// TestRewriteDjangoTemplates applies the write-back templates of Django 6.1
// to scanned references, the way package core uses the ranges.
func TestRewriteDjangoTemplates(t *testing.T) {
	css := []byte("@import 'a.css' screen;\nb{c:url( 'd.png' )}\n/*# sourceMappingURL=e.map */")
	refs, _ := CSS(css)
	var edits []Edit
	for _, r := range refs {
		switch r.Kind {
		case CSSImport:
			edits = append(edits, Edit{r.Start, r.End, `@import url("X` + r.Value + `")`})
		case CSSURL:
			edits = append(edits, Edit{r.Start, r.End, `url("X` + r.Value + `")`})
		case CSSSourceMap:
			edits = append(edits, Edit{r.Start, r.End, "/*# sourceMappingURL=X" + r.Value + " */"})
		}
	}
	want := "@import url(\"Xa.css\") screen;\nb{c:url(\"Xd.png\")}\n/*# sourceMappingURL=Xe.map */"
	if got := string(Rewrite(css, edits)); got != want {
		t.Errorf("CSS rewrite:\n got %q\nwant %q", got, want)
	}

	js := []byte("import {a} from './a.js'\r\nimport './b.js';import('./c.js')\r\n//# sourceMappingURL=d.map \r\n")
	refs, err := JS(js, true)
	if err != nil {
		t.Fatal(err)
	}
	edits = edits[:0]
	for _, r := range refs {
		switch r.Kind {
		case JSImport:
			edits = append(edits, Edit{r.Start, r.End, "import" + r.Clause + ` from "X` + r.Value + `"`})
		case JSSideEffectImport:
			edits = append(edits, Edit{r.Start, r.End, `import"X` + r.Value + `"`})
		case JSDynamicImport:
			edits = append(edits, Edit{r.Start, r.End, `import("X` + r.Value + `")`})
		case JSSourceMap:
			edits = append(edits, Edit{r.Start, r.End, "//# sourceMappingURL=X" + r.Value})
		}
	}
	want = "import {a} from \"X./a.js\"\r\nimport\"X./b.js\";import(\"X./c.js\")\r\n//# sourceMappingURL=Xd.map\n"
	if got := string(Rewrite(js, edits)); got != want {
		t.Errorf("JS rewrite:\n got %q\nwant %q", got, want)
	}
}

// TestPathologicalInputs makes sure no input costs more than linear time:
// deep nesting, endless unterminated constructs and repeated prefixes.
func TestPathologicalInputs(t *testing.T) {
	const n = 1 << 20
	inputs := map[string]string{
		"parens":                strings.Repeat("(", n),
		"url prefixes":          strings.Repeat("url(", n/4),
		"image-set prefixes":    strings.Repeat("image-set(", n/10),
		"unterminated comment":  "/*" + strings.Repeat("a", n),
		"unterminated string":   "'" + strings.Repeat("a", n),
		"unterminated template": "`" + strings.Repeat("${", n/2),
		"braces":                strings.Repeat("{", n),
		"brackets":              strings.Repeat("[", n),
		"imports":               strings.Repeat("import ", n/7),
		"import clause":         "import " + strings.Repeat("a,", n/2),
		"dynamic imports":       strings.Repeat("import('a',", n/11),
		"new URL":               strings.Repeat("new URL('a', ", n/13),
		"slashes":               strings.Repeat("a/", n/2),
		"regexps":               strings.Repeat("x=/a/;", n/6),
		"question marks":        strings.Repeat("a?", n/2),
		"at imports":            strings.Repeat("@import ", n/8),
		"escapes":               "url(" + strings.Repeat(`\`, n) + ")",
		"source maps":           strings.Repeat("//# sourceMappingURL=a\n/*# sourceMappingURL=b */", n/50),
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			b := []byte(src)
			begin := time.Now()
			if _, err := CSS(b); err != nil {
				t.Errorf("CSS: %v", err)
			}
			// The prefix defeats the JS prefilter.
			js := append([]byte("import 'x'; //# sourceMappingURL=a\n"), b...)
			_, _ = JS(js, true)
			_, _ = JS(js, false)
			if d := time.Since(begin); d > 5*time.Second {
				t.Errorf("took %v on 1 MB", d)
			}
		})
	}
}
