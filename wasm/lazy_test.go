package main

// An instance reads only what a question needs, and after invalidate
// re-checks by stat instead of re-reading: a Django dev server starts a
// fresh instance per worker and invalidates before each request.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
)

// fontDeps are the files css/site.css of a font tree refers to.
var fontDeps = []string{
	"fonts/body.woff2", "fonts/body.woff", "fonts/bold.woff2", "fonts/bold.woff", "fonts/icons.woff2",
	"img/logo.png", "img/hero.jpg", "img/arrow.svg", "img/bg.png", "img/sprite.png",
}

// writeFontTree writes a root whose css/site.css refers to the ten fontDeps
// (the typical stylesheet of a site) next to fillerDirs×20 files it does not
// refer to, and returns the root.
func writeFontTree(tb testing.TB, fillerDirs int) string {
	tb.Helper()
	root := filepath.Join(tb.TempDir(), "static")
	random := rand.New(rand.NewPCG(1, 2)) // the same bytes every run
	blob := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(random.Uint32())
		}
		return string(b)
	}
	files := map[string]string{}
	var css strings.Builder
	for i, dep := range fontDeps {
		if strings.HasPrefix(dep, "fonts/") {
			files[dep] = blob(24 << 10)
			fmt.Fprintf(&css, "@font-face { font-family: f%d; src: url(\"../%s\") format(\"woff2\"); }\n", i, dep)
		} else {
			files[dep] = blob(6 << 10)
			fmt.Fprintf(&css, ".c%d { background: url(../%s) no-repeat; }\n", i, dep)
		}
	}
	files["css/site.css"] = css.String()
	for d := range fillerDirs {
		for f := range 20 {
			files[fmt.Sprintf("lib/pkg%03d/mod%02d.js", d, f)] = fmt.Sprintf("export const v = %d;\n", d*100+f)
		}
	}
	writeFiles(tb, root, files)
	return filepath.ToSlash(root)
}

func TestFirstResolveIsLazy(t *testing.T) {
	root := writeFontTree(t, 100) // 2000 files the stylesheet does not need
	g := configuredGuest(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if !reflect.DeepEqual(g.calls, fsCalls{}) {
		t.Fatalf("configure touched files: %+v", g.calls)
	}
	r := resolveOne(t, g, "css/site.css")
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if g.calls.readDir != 0 {
		t.Errorf("the first resolve listed %d directories; it must not scan the tree", g.calls.readDir)
	}
	want := []string{root + "/css/site.css"}
	for _, dep := range fontDeps {
		want = append(want, root+"/"+dep)
	}
	got := append([]string(nil), g.calls.filesRead...)
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %q\nwant exactly the stylesheet and its dependencies %q", got, want)
	}
	// A stat and a read per file, and per directory from the file's up to
	// the root a probe for each bundler manifest (Vite's, esbuild's
	// metafile.json and meta.json).
	dirs := map[string]bool{root: true}
	for _, f := range want {
		dirs[f[:strings.LastIndexByte(f, '/')]] = true
	}
	if calls := g.calls.stat + g.calls.read; calls > 2*len(want)+3*len(dirs) {
		t.Errorf("%d import calls for %d files: %+v", calls, len(want), g.calls)
	}
	t.Logf("first resolve: %d fs_stat, %d fs_read, %d fs_read_dir", g.calls.stat, g.calls.read, g.calls.readDir)
}

func TestInvalidate(t *testing.T) {
	root := filepath.Join(t.TempDir(), "static")
	writeFiles(t, root, map[string]string{
		"css/a.css": "a { background: url(../img/x.png) }",
		"img/x.png": "first",
	})
	g := configuredGuest(t, core.Config{Roots: []core.Root{{Dir: filepath.ToSlash(root)}}})
	first := resolveOne(t, g, "css/a.css").HashedName

	// Nothing changed: invalidate costs stats, no reads.
	if err := g.invalidate(); err != nil {
		t.Fatal(err)
	}
	g.calls = fsCalls{}
	if again := resolveOne(t, g, "css/a.css").HashedName; again != first {
		t.Errorf("the name changed with no edit: %s -> %s", first, again)
	}
	if len(g.calls.filesRead) != 0 || g.calls.readDir != 0 {
		t.Errorf("re-checking unchanged files read them: %+v", g.calls)
	}

	// An edit is not seen until invalidate: names are stable within a
	// generation (a page renders with one set of names).
	if err := os.WriteFile(filepath.Join(root, "img/x.png"), []byte("second, longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if stale := resolveOne(t, g, "css/a.css").HashedName; stale != first {
		t.Errorf("the edit was seen without invalidate: %s -> %s", first, stale)
	}
	if err := g.invalidate(); err != nil {
		t.Fatal(err)
	}
	g.calls = fsCalls{}
	second := resolveOne(t, g, "css/a.css").HashedName
	if second == first {
		t.Errorf("after the edit and invalidate the name is still %s", first)
	}
	if !reflect.DeepEqual(g.calls.filesRead, []string{filepath.ToSlash(root) + "/img/x.png"}) {
		t.Errorf("after invalidate read %q, want only the edited file", g.calls.filesRead)
	}
	// The new name is the native core's.
	native, _ := core.NewProject(core.OSFileSystem{}, core.Config{Roots: []core.Root{{Dir: filepath.ToSlash(root)}}})
	if want, err := native.HashedName("css/a.css"); err != nil || second != want {
		t.Errorf("wasm %s, native %s (%v)", second, want, err)
	}
}
