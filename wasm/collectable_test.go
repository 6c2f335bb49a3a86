//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
)

// TestOnlyRegularFilesAreRead: a FIFO and a link to /dev/zero named like
// stylesheets get the native core's diagnostics through the host imports,
// without a read that blocks or never ends.
func TestOnlyRegularFilesAreRead(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.css": "a{}"})
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.css"), 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(root, "zero.css")); err != nil {
		t.Fatal(err)
	}
	cfg := core.Config{Roots: []core.Root{{Dir: filepath.ToSlash(root)}}, AllowSymlinksInto: []string{"/dev"}}
	g := configuredGuest(t, cfg)
	done := make(chan response, 1)
	go func() {
		resp, _ := g.resolve("fifo.css", "zero.css", "a.css")
		done <- resp
	}()
	var resp response
	select {
	case resp = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("resolve did not return within 60 s: it hangs")
	}
	if len(resp.Results) != 3 {
		t.Fatalf("resolve: %+v", resp)
	}
	native := newNative(t, cfg)
	for _, r := range resp.Results[:2] {
		_, nativeErr := native.Asset(r.LogicalPath)
		sameError(t, r.LogicalPath, r.Error, wireErrorOf(nativeErr))
		if r.Error == nil || r.Error.Diagnostics[0].Code != core.CodeNotRegularFile {
			t.Errorf("%s: %+v", r.LogicalPath, r.Error)
		}
	}
	if resp.Results[2].Error != nil {
		t.Errorf("a.css: %+v", resp.Results[2].Error)
	}
	// The host's read refuses them too, for a swap that races the stat.
	for _, name := range []string{"fifo.css", "zero.css"} {
		if _, status := fileContent(filepath.Join(root, name)); status != readNotRegular {
			t.Errorf("fs_read %s: %d, want %d", name, status, readNotRegular)
		}
	}
}

// TestWalkInWasm: the walk (behind importmap) follows a 70-level tree and
// stops at a symlink loop, as the native walk does.
func TestWalkInWasm(t *testing.T) {
	root := t.TempDir()
	deep := strings.Repeat("d/", 70) + "deep.js"
	writeFiles(t, root, map[string]string{deep: "deep()", "a/b/x.js": "x()"})
	if err := os.Symlink("../..", filepath.Join(root, "a/b/up")); err != nil {
		t.Fatal(err)
	}
	cfg := core.Config{Roots: []core.Root{{Dir: filepath.ToSlash(root)}}}
	g := configuredGuest(t, cfg)
	fn := g.module.ExportedFunction("importmap")
	if fn == nil {
		t.Skip("the module has no importmap export")
	}
	raw, err := g.call(fn, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if !strings.Contains(text, `"ok":true`) || !strings.Contains(text, "/static/"+deep) || !strings.Contains(text, "/static/a/b/x.js") ||
		strings.Contains(text, "a/b/up/") {
		t.Errorf("importmap over a deep tree with a loop: %s", text)
	}
}
