package core_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

// Every unique missing path a client asks for (a scanner's 404s) must not
// stay cached forever: misses are kept in a bounded LRU, and the files that
// exist are not pushed out by them.
func TestMissesAreBounded(t *testing.T) {
	root := testtree.Write(t, map[string]string{"css/a.css": `x{background:url(../img/x.png)}`, "img/x.png": "x"})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if _, err := p.HashedName("css/a.css"); err != nil {
		t.Fatal(err)
	}
	const misses = 100_000
	for i := 0; i < misses; i++ {
		// A hashed-looking name asks the project for two paths: the name
		// without its hash and the name itself (a prehashed file).
		_, err := p.AssetByHashedName(fmt.Sprintf("miss/%d/f.0123456789ab.css", i))
		var nf *core.NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("miss %d: want a NotFoundError, got %v", i, err)
		}
	}
	// 2,000 misses (core's maxMissEntries) and the 2 files.
	if n := p.CachedPaths(); n > 2_002 {
		t.Errorf("after %d unique misses the project caches %d paths: misses are not bounded", misses, n)
	}
	if _, err := p.HashedName("css/a.css"); err != nil || p.ReadCount("css/a.css") != 1 || p.ReadCount("img/x.png") != 1 {
		t.Errorf("the misses pushed existing files out of the cache (reads: %d, %d)", p.ReadCount("css/a.css"), p.ReadCount("img/x.png"))
	}
	// A miss is only a cache entry: once the file exists, Invalidate finds it.
	os.MkdirAll(filepath.Join(root, "miss/99999"), 0o755)
	os.WriteFile(filepath.Join(root, "miss/99999/f.css"), []byte("y{}"), 0o644)
	p.Invalidate()
	if _, err := p.HashedName("miss/99999/f.css"); err != nil {
		t.Errorf("a file created after it was a cached miss: %v", err)
	}
}

// Two processes sharing the sources notice an edit at different times. One
// that has not invalidated yet must still answer the new name (which the
// other rendered) instead of a 404, and stop answering the old one.
func TestAssetByHashedNameRechecksBeforeNotFound(t *testing.T) {
	files := map[string]string{"css/a.css": `x{background:url(../img/x.png)}`, "img/x.png": "x", "img/y.png": "y"}
	root := testtree.Write(t, files)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	behind := newProject(t, cfg)
	oldCSS, err := behind.HashedName("css/a.css")
	if err != nil {
		t.Fatal(err)
	}
	oldImage, _ := behind.HashedName("img/y.png")
	os.WriteFile(filepath.Join(root, "img/x.png"), []byte("changed"), 0o644)
	os.WriteFile(filepath.Join(root, "img/y.png"), []byte("changed too"), 0o644)

	ahead := newProject(t, cfg) // the other process, which has seen the edit
	newCSS, _ := ahead.HashedName("css/a.css")
	newImage, _ := ahead.HashedName("img/y.png")
	if newCSS == oldCSS || newImage == oldImage {
		t.Fatal("the edits did not change the names")
	}
	for _, name := range []string{newCSS, newImage} {
		asset, err := behind.AssetByHashedName(name)
		if err != nil || asset.HashedName != name {
			t.Errorf("%s, rendered by a process that saw the edit: %v", name, err)
		}
	}
	for _, name := range []string{oldCSS, oldImage} {
		if _, err := behind.AssetByHashedName(name); err == nil {
			t.Errorf("%s is still served from the sources after its file changed", name)
		}
	}
	// A hash that matches nothing re-checks by stat but reads nothing.
	if _, err := behind.AssetByHashedName("css/a.000000000000.css"); err == nil {
		t.Error("a made-up hash was served")
	}
	if behind.ReadCount("img/x.png") != 2 {
		t.Errorf("img/x.png was read %d times, want 2 (before and after the edit)", behind.ReadCount("img/x.png"))
	}
}

// The content identity a server checks before streaming a source file.
func TestAssetCarriesSourceIdentity(t *testing.T) {
	root := testtree.Write(t, map[string]string{"img/x.png": "x"})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	asset, err := p.Asset("img/x.png")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(root, "img/x.png"))
	if asset.SourceInfo.Size != 1 || asset.SourceInfo.ModTime != info.ModTime().UnixNano() {
		t.Errorf("SourceInfo %+v does not describe the file", asset.SourceInfo)
	}
	if fmt.Sprintf("%x", asset.SourceSum) != "9dd4e461268c8034f5c8564e155c67a6" {
		t.Errorf("SourceSum %x is not the file's MD5", asset.SourceSum)
	}
}

// After Invalidate a CSS/JS file is named again only when it, or the name of
// something it references, changed; otherwise its name is reused.
func TestInvalidateRenamesOnlyWhatChanged(t *testing.T) {
	files := map[string]string{
		"css/a.css":     `@import "b.css"; x{background:url(../img/x.png)}`,
		"css/b.css":     `y{background:url(../img/y.png)}`,
		"css/other.css": `z{background:url(../img/z.png)}`,
		"img/x.png":     "x", "img/y.png": "y", "img/z.png": "z",
	}
	root := testtree.Write(t, files)
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	names := func() map[string]string {
		out := map[string]string{}
		for _, l := range []string{"css/a.css", "css/b.css", "css/other.css"} {
			name, err := p.HashedName(l)
			if err != nil {
				t.Fatal(err)
			}
			out[l] = name
		}
		return out
	}
	first := names()
	if p.NamingCount() != 3 {
		t.Fatalf("named %d times, want 3", p.NamingCount())
	}
	p.Invalidate()
	if again := names(); fmt.Sprint(again) != fmt.Sprint(first) || p.NamingCount() != 3 {
		t.Errorf("nothing changed, yet %d namings (want 3) and names %v (were %v)", p.NamingCount(), again, first)
	}
	// An image two references deep: b.css and a.css get new names, other.css keeps its own.
	os.WriteFile(filepath.Join(root, "img/y.png"), []byte("y2"), 0o644)
	p.Invalidate()
	changed := names()
	if changed["css/b.css"] == first["css/b.css"] || changed["css/a.css"] == first["css/a.css"] || changed["css/other.css"] != first["css/other.css"] {
		t.Errorf("after an edit of img/y.png: %v (were %v)", changed, first)
	}
	if p.NamingCount() != 5 {
		t.Errorf("%d namings after the edit, want 5 (a.css and b.css again)", p.NamingCount())
	}
	fresh := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	for l, name := range changed {
		if want, _ := fresh.HashedName(l); want != name {
			t.Errorf("%s: %s after Invalidate, %s from a fresh project", l, name, want)
		}
	}
	// A reference that becomes resolvable renames its file.
	os.WriteFile(filepath.Join(root, "css/c.css"), []byte(`w{background:url(../img/new.png)}`), 0o644)
	p.Invalidate()
	if _, err := p.HashedName("css/c.css"); err == nil {
		t.Fatal("a missing reference was not reported")
	}
	os.WriteFile(filepath.Join(root, "img/new.png"), []byte("n"), 0o644)
	p.Invalidate()
	if _, err := p.HashedName("css/c.css"); err != nil {
		t.Errorf("after the missing image appeared: %v", err)
	}
}
