package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// exampleConfig is the bundled example site, as `make run` builds it.
func exampleConfig(t testing.TB) core.Config {
	t.Helper()
	abs := func(p string) string {
		a, err := filepath.Abs("../testdata/example/" + p)
		if err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(a)
	}
	return core.Config{Roots: []core.Root{
		{Dir: abs("static")},
		{Prefix: "vendor", Dir: abs("node_modules/widget/dist")},
		{Dir: abs("apps/blog/static")},
	}}
}

func TestExampleSite(t *testing.T) {
	out := t.TempDir()
	result, err := writer.Build(newProject(t, exampleConfig(t)), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Duplicates) != 1 || result.Duplicates[0].LogicalPath != "css/base.css" ||
		!strings.Contains(result.Duplicates[0].Hidden.Path, "apps/blog") {
		t.Errorf("duplicates = %+v, want the blog app's css/base.css hidden", result.Duplicates)
	}
	if result.Cycles != 2 {
		t.Errorf("cycles = %d, want theme-a and theme-b", result.Cycles)
	}
	for _, ignored := range []string{".well-known", "img/.DS_Store"} {
		if _, err := os.Stat(filepath.Join(out, ignored)); err == nil {
			t.Errorf("%s was collected despite the ignore patterns", ignored)
		}
	}
	checkReferencesExist(t, out, result.Manifest)
}

// TestDeterministicWhateverTheWorkers builds every fixture with 1 and with 8
// workers and compares every output byte.
func TestDeterministicWhateverTheWorkers(t *testing.T) {
	configs := map[string]core.Config{"example": exampleConfig(t)}
	for _, c := range append(loadCases(t, "../testdata/compat/*"), loadCases(t, "../testdata/failures/*")...) {
		configs[filepath.Base(c.Dir)] = c.config(t)
	}
	for name, cfg := range configs {
		cfg.Missing = core.MissingWarn
		one, many := t.TempDir(), t.TempDir()
		_, err1 := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: one, Workers: 1})
		_, err8 := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: many, Workers: 8})
		if (err1 == nil) != (err8 == nil) {
			t.Errorf("%s: 1 worker: %v; 8 workers: %v", name, err1, err8)
			continue
		}
		compareTrees(t, outputFiles(t, many), outputFiles(t, one))
		m1, _ := os.ReadFile(filepath.Join(one, core.ManifestName))
		m8, _ := os.ReadFile(filepath.Join(many, core.ManifestName))
		if !bytes.Equal(m1, m8) {
			t.Errorf("%s: manifests differ", name)
		}
	}
}

func TestRebuildIsIncrementalAndContentBased(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"css/a.css": `body { background: url(../img/x.png) }`,
		"img/x.png": "one",
	})
	out := t.TempDir()
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	first, err := writer.Build(p, writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if first.Written != 4 {
		t.Errorf("first build wrote %d files, want 4", first.Written)
	}
	second, err := writer.Build(newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if second.Written != 0 || second.Unchanged != 4 {
		t.Errorf("no-change rebuild wrote %d, unchanged %d; want 0 and 4", second.Written, second.Unchanged)
	}
	// New content with an older mtime still replaces the copy: content
	// decides, not which file is newer (collectstatic gets this wrong).
	png := filepath.Join(root, "img/x.png")
	if err := os.WriteFile(png, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(png, old, old)
	third, err := writer.Build(newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "img/x.png")); string(got) != "two" {
		t.Errorf("img/x.png = %q after the source changed to an older file", got)
	}
	// The image's unhashed and new hashed copy, and the CSS's two copies.
	if third.Written != 3 {
		t.Errorf("third build wrote %d files, want 3 (x.png, x.<new>.png, a.<new>.css)", third.Written)
	}
	if third.Manifest["css/a.css"] == first.Manifest["css/a.css"] {
		t.Errorf("the CSS name did not change when the image it references did")
	}
	// The old hashed image stays for pages served before this deploy.
	if _, err := os.Stat(filepath.Join(out, first.Manifest["img/x.png"])); err != nil {
		t.Errorf("the previous build's hashed file was deleted: %v", err)
	}
}

func TestFileNamesWithURLDelimiters(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"css/a.css":           `a{background:url(p%25.png)} b{background:url("q%3F.png")} c{background:url(h%23.png#frag)} d{background:url(img%20dir/x%20y.png)} e{background:url(%C3%BC.png)}`,
		"css/p%.png":          "p",
		"css/q?.png":          "q",
		"css/h#.png":          "h",
		"css/img dir/x y.png": "x",
		"css/ü.png":           "u",
	})
	out := t.TempDir()
	result, err := writer.Build(newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	css, _ := os.ReadFile(filepath.Join(out, result.Manifest["css/a.css"]))
	for logical, want := range map[string]string{"css/p%.png": "p%25.", "css/q?.png": "q%3F.", "css/h#.png": "h%23.", "css/img dir/x y.png": `"img dir/x y.`, "css/ü.png": `"ü.`} {
		hashed := result.Manifest[logical]
		if _, err := os.Stat(filepath.Join(out, hashed)); err != nil {
			t.Errorf("%s: hashed copy %q missing: %v", logical, hashed, err)
		}
		if !strings.Contains(string(css), want) {
			t.Errorf("the CSS does not reference %s as %s…: %s", logical, want, css)
		}
	}
	if !strings.Contains(string(css), "#frag") {
		t.Errorf("fragment lost: %s", css)
	}
}

func TestMissingFileErrorHelps(t *testing.T) {
	root := testtree.Write(t, map[string]string{"css/site.css": "", "img/logo.png": "", "img/icons/arrow.svg": ""})
	vendor := testtree.Write(t, map[string]string{"dist/widget.js": ""})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}, {Dir: vendor, Prefix: "vendor"}}})
	for asked, suggestion := range map[string]string{
		"/css/site.css":         "css/site.css",          // a leading "/"
		"css/Site.css":          "css/site.css",          // letter case
		"img/logo.pgn":          "img/logo.png",          // a typo
		"IMG/logo.png":          "img/logo.png",          // the directory's letter case
		"img/Icons/arrow.svg":   "img/icons/arrow.svg",   // a nested directory's
		"img/icon/arrow.svg":    "img/icons/arrow.svg",   // a typo in a directory
		"Img/Icons/Arow.svg":    "img/icons/arrow.svg",   // all of them at once
		"vendor/Dist/widget.js": "vendor/dist/widget.js", // under a root's prefix
	} {
		_, err := p.HashedName(asked)
		var nf *core.NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("%s: want a NotFoundError, got %v", asked, err)
		}
		if len(nf.Suggestions) == 0 || nf.Suggestions[0] != suggestion {
			t.Errorf("%s: suggestions %v, want %s first", asked, nf.Suggestions, suggestion)
		}
		if !strings.Contains(err.Error(), root) {
			t.Errorf("%s: the error does not name the roots searched: %v", asked, err)
		}
	}
}

func TestLazyAndInvalidation(t *testing.T) {
	files := map[string]string{"css/a.css": `@import "b.css"; x{background:url(../img/x.png)}`, "css/b.css": "", "img/x.png": "x"}
	for i := 0; i < 200; i++ {
		files[fmt.Sprintf("other/%d.css", i)] = "y{}"
	}
	root := testtree.Write(t, files)
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	first, err := p.HashedName("css/a.css")
	if err != nil {
		t.Fatal(err)
	}
	if p.ReadCount("other/1.css") != 0 {
		t.Errorf("resolving one file read unrelated files")
	}
	if _, err := p.HashedName("css/a.css"); err != nil || p.ReadCount("css/b.css") != 1 {
		t.Errorf("a second resolve re-read b.css (%d reads)", p.ReadCount("css/b.css"))
	}
	os.WriteFile(filepath.Join(root, "img/x.png"), []byte("changed"), 0o644)
	if again, _ := p.HashedName("css/a.css"); again != first {
		t.Errorf("the name changed before Invalidate")
	}
	p.Invalidate()
	changed, err := p.HashedName("css/a.css")
	if err != nil || changed == first {
		t.Errorf("after Invalidate the name is %s (was %s): the changed image was not noticed", changed, first)
	}
	if p.ReadCount("css/b.css") != 1 {
		t.Errorf("Invalidate made an unchanged file be read again")
	}
	// A file that appears in an earlier root shadows the old one.
	early := testtree.Write(t, map[string]string{"img/x.png": "early"})
	p2 := newProject(t, core.Config{Roots: []core.Root{{Dir: early}, {Dir: root}}})
	os.Remove(filepath.Join(early, "img/x.png"))
	before, _ := p2.HashedName("img/x.png")
	os.WriteFile(filepath.Join(early, "img/x.png"), []byte("early"), 0o644)
	p2.Invalidate()
	if after, _ := p2.HashedName("img/x.png"); after == before {
		t.Errorf("a file added to an earlier root was not noticed")
	}
}
