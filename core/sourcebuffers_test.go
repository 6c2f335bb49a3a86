package core

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/assetc/assetc/internal/testtree"
)

// TestSourceBuffersKeepNoAlias: a stylesheet with a reference to rewrite
// keeps its bytes (fileNode.content); they must be its own, not the pooled
// buffer it was read into, which the next file read overwrites.
func TestSourceBuffersKeepNoAlias(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a collection would empty the pool
	kept := `a{background:url("img/a.png")}` + strings.Repeat(" ", 100)
	root := testtree.Write(t, map[string]string{
		"a.css":     kept,
		"img/a.png": "png",
		"b.css":     strings.Repeat("b", len(kept)-10), // no reference: not kept; fits in a.css's buffer
	})
	p, err := NewProject(OSFileSystem{}, Config{Roots: []Root{{Dir: root}}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.node("a.css")
	if err != nil || a.content == nil {
		t.Fatalf("a.css keeps no bytes (%v): the case proves nothing", err)
	}
	if _, err := p.node("b.css"); err != nil {
		t.Fatal(err)
	}
	if string(a.content) != kept {
		t.Errorf("a.css's kept bytes changed when b.css was read:\n%q", a.content)
	}
}

// TestSourceBuffersBounded: a buffer is reused for the next file (what
// the pool is for), and one larger than maxSourceBuffer is not kept.
func TestSourceBuffersBounded(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a collection would empty the pool
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.js"), filepath.Join(dir, "large.js")
	os.WriteFile(small, []byte("small"), 0o644)
	os.WriteFile(large, bytes.Repeat([]byte("x"), maxSourceBuffer+1), 0o644)
	for sourceBuffers.Get() != nil { // empty the pool
	}

	// The race detector's sync.Pool drops a quarter of what it is given:
	// reuse must show within a few reads, not at each.
	reused := false
	for range 20 {
		content, release, err := readSource(small)
		if err != nil {
			t.Fatal(err)
		}
		first := &content[:1][0]
		release()
		again, release, err := readSource(small)
		if err != nil {
			t.Fatal(err)
		}
		reused = reused || &again[:1][0] == first
		release()
	}
	if !reused {
		t.Error("a read never reused the buffer of the read before")
	}

	for sourceBuffers.Get() != nil {
	}
	content, release, err := readSource(large)
	if err != nil || len(content) != maxSourceBuffer+1 {
		t.Fatal(len(content), err)
	}
	release()
	if buf, _ := sourceBuffers.Get().(*[]byte); buf != nil && cap(*buf) > maxSourceBuffer {
		t.Errorf("a %d-byte buffer was kept, over the bound of %d", cap(*buf), maxSourceBuffer)
	}
}
