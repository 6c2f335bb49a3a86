package main

// The module must name and serve every file exactly as the native core does:
// the bridge runs the module, the CLI runs the core, and a page rendered by
// one must find its files in a static root built by the other.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
)

// fixtureCase is a tree under testdata/ with its case.json.
type fixtureCase struct {
	Name      string
	Dir       string
	Roots     []string `json:"roots"` // "dir" or "prefix=dir", relative to roots/
	StaticURL string   `json:"static_url"`
	JSModules bool     `json:"js_modules"`
}

// loadFixtureCases reads every case.json matching pattern.
func loadFixtureCases(t *testing.T, pattern string) []fixtureCase {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no fixtures match %s", pattern)
	}
	var cases []fixtureCase
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c := fixtureCase{Dir: filepath.Dir(file), Name: filepath.Base(filepath.Dir(file))}
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// configOf makes a core.Config of roots written "dir" or "prefix=dir",
// relative to base.
func configOf(t testing.TB, base string, specs []string) core.Config {
	t.Helper()
	var cfg core.Config
	for _, spec := range specs {
		prefix, dir, ok := strings.Cut(spec, "=")
		if !ok {
			prefix, dir = "", spec
		}
		abs, err := filepath.Abs(filepath.Join(base, dir))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Roots = append(cfg.Roots, core.Root{Prefix: prefix, Dir: filepath.ToSlash(abs)})
	}
	return cfg
}

func TestFixturesMatchNative(t *testing.T) {
	var cases []fixtureCase
	cases = append(cases, loadFixtureCases(t, "../testdata/compat/*/case.json")...)
	cases = append(cases, loadFixtureCases(t, "../testdata/failures/*/case.json")...)
	g := newTestGuest(t) // one instance, reconfigured per case, as a long-lived bridge does
	for _, c := range cases {
		t.Run(filepath.Base(filepath.Dir(c.Dir))+"/"+c.Name, func(t *testing.T) {
			cfg := configOf(t, filepath.Join(c.Dir, "roots"), c.Roots)
			cfg.StaticURL, cfg.JSModules = c.StaticURL, c.JSModules
			compareWithNative(t, g, cfg, true)
		})
	}
}

func TestExampleMatchesNative(t *testing.T) {
	cfg := configOf(t, "../testdata/example", []string{"static", "vendor=node_modules/widget/dist", "apps/blog/static"})
	compareWithNative(t, newTestGuest(t), cfg, true)
}

// TestCorpusMatchesNative compares the names of a real-world tree: the npm
// packages and Django admin that `make corpus` fetches into bench/corpus,
// named by ASSETC_CORPUS (the Makefile sets it).
func TestCorpusMatchesNative(t *testing.T) {
	dir := os.Getenv("ASSETC_CORPUS")
	if dir == "" {
		t.Skip("ASSETC_CORPUS is not set: run 'make corpus' and the tests through make to compare the corpus")
	}
	if testing.Short() {
		t.Skip("the corpus comparison takes a while; not in -short mode")
	}
	packages, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var specs []string
	for _, p := range packages {
		if p.IsDir() && !strings.HasPrefix(p.Name(), ".") {
			specs = append(specs, p.Name()+"="+p.Name()) // each package under its own prefix, admin included
		}
	}
	start := time.Now()
	n := compareWithNative(t, newTestGuest(t), configOf(t, dir, specs), false)
	t.Logf("%d files from %d roots compared in %v", n, len(specs), time.Since(start).Round(time.Millisecond))
}

// compareWithNative configures the guest like a native project, resolves
// every file the native core walks in one batch, and checks that each name or
// error is the same; with withContent, the served bytes are compared too
// (always for inline files). It returns the number of files compared.
func compareWithNative(t *testing.T, g *guest, cfg core.Config, withContent bool) int {
	t.Helper()
	native, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	inventory, err := native.Walk()
	if err != nil {
		t.Fatal(err)
	}
	paths := inventory.Paths()
	if len(paths) == 0 {
		t.Fatal("the tree has no files")
	}
	if resp, err := g.configure(cfg); err != nil || !resp.OK {
		t.Fatalf("configure: %v %+v", err, resp.Error)
	}
	resp, err := g.resolve(paths...)
	if err != nil || !resp.OK || len(resp.Results) != len(paths) {
		t.Fatalf("resolve: %v, %+v, %d results for %d paths", err, resp.Error, len(resp.Results), len(paths))
	}
	for i, logical := range paths {
		got := resp.Results[i]
		asset, nativeErr := native.Asset(logical)
		if got.LogicalPath != logical {
			t.Errorf("result %d is for %q, want %q", i, got.LogicalPath, logical)
			continue
		}
		if nativeErr != nil {
			sameError(t, logical, got.Error, wireErrorOf(nativeErr))
			continue
		}
		if got.Error != nil || got.HashedName != asset.HashedName {
			t.Errorf("%s: wasm %q %+v, native %q", logical, got.HashedName, got.Error, asset.HashedName)
			continue
		}
		if withContent || asset.Content != nil {
			sameContent(t, g, asset)
		}
	}
	return len(paths)
}

// sameError checks that the module reports what the native core does. I/O
// messages differ between hosts, so internal errors compare by kind only.
func sameError(t *testing.T, logical string, got, want *wireError) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: wasm resolved it; native: %s", logical, want.Message)
		return
	}
	if want.Kind == kindInternal {
		got, want = &wireError{Kind: got.Kind}, &wireError{Kind: want.Kind}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: error differs\nwasm:   %+v\nnative: %+v", logical, got, want)
	}
}

// sameContent checks that the module serves an asset by its hashed name as
// the native core would: rewritten bytes inline, or the source to stream.
func sameContent(t *testing.T, g *guest, asset core.Asset) {
	t.Helper()
	reply, err := g.content(map[string]any{"hashed_name": asset.HashedName})
	if err != nil || !reply.OK {
		t.Errorf("content %s: %v %+v", asset.HashedName, err, reply.Error)
		return
	}
	if reply.LogicalPath != asset.LogicalPath || reply.HashedName != asset.HashedName || reply.SourcePath != asset.Source.Path {
		t.Errorf("content %s: header %+v, native %s from %s", asset.HashedName, reply, asset.LogicalPath, asset.Source.Path)
	}
	if reply.Inline != (asset.Content != nil) {
		t.Errorf("content %s: inline %v, native has rewritten content: %v", asset.HashedName, reply.Inline, asset.Content != nil)
		return
	}
	want := asset.Content
	if !reply.Inline {
		if len(reply.Body) != 0 {
			t.Errorf("content %s: streamed file with a %d-byte body", asset.HashedName, len(reply.Body))
		}
		return // the host streams reply.SourcePath, checked equal above
	}
	if !bytes.Equal(reply.Body, want) {
		t.Errorf("content %s: served bytes differ from native (%d vs %d bytes)", asset.HashedName, len(reply.Body), len(want))
	}
}

// TestSymlinksOutsideRoot is the distribution-packaged Django case: files
// and directories in a root that are symlinks (relative and absolute) to
// places outside it, plus a dangling link. wasmtime's WASI would refuse
// them; through host I/O the module sees what the native core sees: by
// default the links are refused with the same diagnostics, and with the
// target allowed they are followed.
func TestSymlinksOutsideRoot(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "usr/share/javascript")
	root := filepath.Join(base, "site-packages/django/contrib/admin/static")
	writeFiles(t, outside, map[string]string{
		"jquery/jquery.js":       "/* jquery */",
		"xregexp/xregexp.js":     "/* xregexp */",
		"theme/theme.css":        "body { background: url(bg.png) }",
		"theme/bg.png":           "png",
		"theme/sub/deep.css":     "@import '../theme.css';",
		"unrelated/not-here.txt": "x",
	})
	writeFiles(t, root, map[string]string{
		"admin/css/base.css": "@import url('../js/vendor/jquery/jquery.js'); a { background: url(../theme/bg.png) }",
	})
	links := map[string]string{
		"admin/js/vendor/jquery/jquery.js": filepath.Join(outside, "jquery/jquery.js"), // absolute, to a file
		"admin/js/vendor/xregexp":          "",                                         // relative, to a dir: set below
		"admin/theme":                      filepath.Join(outside, "theme"),            // absolute, to a dir
		"admin/js/dangling.js":             filepath.Join(outside, "missing.js"),
	}
	relative, err := filepath.Rel(filepath.Join(root, "admin/js/vendor"), filepath.Join(outside, "xregexp"))
	if err != nil {
		t.Fatal(err)
	}
	links["admin/js/vendor/xregexp"] = relative
	for link, target := range links {
		path := filepath.Join(root, link)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, path); err != nil {
			t.Skipf("cannot make symlinks here: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "admin/js/vendor/xregexp/xregexp.js")); err != nil {
		t.Fatalf("the relative link is wrong: %v", err)
	}
	cfg := core.Config{Roots: []core.Root{{Dir: filepath.ToSlash(root)}}}
	g := newTestGuest(t)
	refused, err := g.configure(cfg)
	if err != nil || !refused.OK {
		t.Fatalf("configure: %v %+v", err, refused.Error)
	}
	for _, logical := range []string{"admin/js/vendor/jquery/jquery.js", "admin/theme/bg.png", "admin/css/base.css"} {
		got := resolveOne(t, g, logical)
		_, nativeErr := newNative(t, cfg).Asset(logical)
		sameError(t, logical, got.Error, wireErrorOf(nativeErr))
		if got.Error == nil || got.Error.Kind != kindDiagnostics || got.Error.Diagnostics[0].Code != core.CodeSymlinkLeavesRoot {
			t.Errorf("%s: %+v, want a %s diagnostic", logical, got.Error, core.CodeSymlinkLeavesRoot)
		}
	}
	cfg.AllowSymlinksInto = []string{filepath.ToSlash(outside)}
	if n := compareWithNative(t, g, cfg, true); n != 6 {
		t.Errorf("compared %d files, want 6 (4 linked, 2 real)", n)
	}
	// A miss under a linked directory lists it through fs_read_dir for
	// suggestions, following the link.
	resp, err := g.resolve("admin/theme/theme.cs", "admin/js/dangling.js")
	if err != nil {
		t.Fatal(err)
	}
	native, _ := core.NewProject(core.OSFileSystem{}, cfg)
	for _, r := range resp.Results {
		_, nativeErr := native.Asset(r.LogicalPath)
		sameError(t, r.LogicalPath, r.Error, wireErrorOf(nativeErr))
	}
	if got := resp.Results[0].Error; got == nil || !reflect.DeepEqual(got.Suggestions, []string{"admin/theme/theme.css"}) {
		t.Errorf("suggestions through a linked dir: %+v", got)
	}
}

// newNative is the native core for cfg.
func newNative(t testing.TB, cfg core.Config) *core.Project {
	t.Helper()
	p, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeFiles creates files (path relative to dir -> content).
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
