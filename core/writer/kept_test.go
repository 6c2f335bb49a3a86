package writer_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestOutputUnchangedByKeptBytes: a static root written from a Plan that
// keeps no byte in memory (every rewritten copy made again for the write
// and for its compressed variants) is byte for byte the one written from a
// Plan of the default budget.
func TestOutputUnchangedByKeptBytes(t *testing.T) {
	files := map[string]string{
		"img/a.png":     "\x89PNG a",
		"css/a.css":     "@import \"b.css\";\n.a { background: url('../img/a.png') }\n" + strings.Repeat("p { margin: 0 }\n", 200),
		"css/b.css":     ".b { background: url(../img/a.png) }\n",
		"css/c1.css":    "@import \"c2.css\";\n",
		"css/c2.css":    "@import \"c1.css\";\n",
		"js/app.js":     "console.log(1)\n//# sourceMappingURL=app.js.map\n",
		"js/app.js.map": "{}",
	}
	root := testtree.Write(t, files)
	write := func(kept int64, workers int) string {
		p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
		plan, err := p.Plan(core.PlanOptions{KeptBytes: kept, Workers: workers})
		if err != nil || plan.HasErrors() {
			t.Fatalf("%v %v", err, plan.Diagnostics)
		}
		out := t.TempDir()
		if err := writer.Write(out, plan, writer.Options{Workers: workers, Compress: compress.Options{Encodings: []string{"gzip"}}}, nil); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := tree(t, write(0, 1))
	variants := 0
	for path := range want {
		if strings.HasSuffix(path, ".css.gz") {
			variants++
		}
	}
	if len(want) < 16 || variants == 0 {
		t.Fatalf("%d files written, %d CSS variants: the comparison would prove little", len(want), variants)
	}
	for _, workers := range []int{1, 4} {
		got := tree(t, write(1, workers))
		for path, data := range want {
			if !bytes.Equal(got[path], data) {
				t.Errorf("workers=%d: %s differs", workers, path)
			}
		}
		if len(got) != len(want) {
			t.Errorf("workers=%d: %d files, want %d", workers, len(got), len(want))
		}
	}
}

// tree reads every file of a static root but its records (.assetc).
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.Name() == ".assetc" {
				return filepath.SkipDir
			}
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
