//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOutputInsideSourceIsRefused(t *testing.T) {
	src := tree(t, map[string]string{"css/a.css": "a{}"})
	for _, output := range []string{src, filepath.Join(src, "out"), filepath.Join(src, "css")} {
		code, stdout, stderr := runCLI(t, "build", "-s", src, "-o", output)
		if code == exitOK || !strings.Contains(stdout+stderr, "E002") {
			t.Errorf("-o %s inside -s %s: exit %d\n%s%s", output, src, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "out")); err == nil {
		t.Error("the refused build created its output")
	}
}

func TestAllowSymlinksIntoFlag(t *testing.T) {
	outside := tree(t, map[string]string{"x.js": "x()"})
	src := tree(t, map[string]string{"a.css": "a{}"})
	if err := os.Symlink(outside, filepath.Join(src, "lib")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "build", "-s", src, "-o", t.TempDir())
	if code != exitDiagnostics || !strings.Contains(stderr, "--allow-symlinks-into "+outside) {
		t.Errorf("default: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "build", "-s", src, "-o", t.TempDir(), "--allow-symlinks-into", outside)
	if code != exitOK || !strings.Contains(stdout, "2 files collected") {
		t.Errorf("allowed: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestFIFOBuildEnds runs the build with a FIFO among the sources; before
// the fix it never returned.
func TestFIFOBuildEnds(t *testing.T) {
	src := tree(t, map[string]string{"a.css": "a{}"})
	if err := syscall.Mkfifo(filepath.Join(src, "x.css"), 0o644); err != nil {
		t.Skipf("cannot make a FIFO: %v", err)
	}
	type outcome struct {
		code           int
		stdout, stderr string
	}
	done := make(chan outcome, 1)
	go func() {
		code, stdout, stderr := runCLI(t, "build", "-s", src, "-o", t.TempDir())
		done <- outcome{code, stdout, stderr}
	}()
	select {
	case o := <-done:
		if o.code != exitDiagnostics || !strings.Contains(o.stderr, "x.css: error: this is a named pipe (FIFO), not a regular file") {
			t.Errorf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("assetc build did not return within 60 s: it hangs on the FIFO")
	}
}
