//go:build unix

package core_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// hangBound is how long an operation may take before the test calls it a
// hang. It is no speed assertion: before the fix these never returned.
const hangBound = 60 * time.Second

// withinBound runs f and fails the test (instead of hanging it) if f does
// not return in time.
func withinBound[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(hangBound):
		t.Fatalf("%s did not return within %s: it hangs", what, hangBound)
		panic("unreachable")
	}
}

// diagnosticsOf returns the diagnostics of a *core.DiagnosticsError.
func diagnosticsOf(t *testing.T, err error) []core.Diagnostic {
	t.Helper()
	var de *core.DiagnosticsError
	if !errors.As(err, &de) {
		t.Fatalf("want a *core.DiagnosticsError, got %v", err)
	}
	return de.Diagnostics
}

// buildResult is what a Build returned.
type buildResult struct {
	result *writer.Result
	err    error
}

func build(t *testing.T, cfg core.Config) buildResult {
	t.Helper()
	p := newProject(t, cfg)
	out := t.TempDir()
	return withinBound(t, "Build", func() buildResult {
		r, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Workers: 2})
		return buildResult{r, err}
	})
}

// wantOneDiagnostic checks that a failed build reports exactly one error
// diagnostic with the code, whose text contains every want, and wrote no
// manifest entry for the refused file.
func wantOneDiagnostic(t *testing.T, b buildResult, code, refused string, want ...string) {
	t.Helper()
	if b.err == nil {
		t.Fatalf("build succeeded; manifest %v", b.result.Manifest)
	}
	var found []core.Diagnostic
	for _, d := range diagnosticsOf(t, b.err) {
		if d.Code == code {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s diagnostic, got %v", code, diagnosticsOf(t, b.err))
	}
	text := found[0].String()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("diagnostic does not mention %q:\n%s", w, text)
		}
	}
	if _, listed := b.result.Manifest[refused]; listed {
		t.Errorf("%s has a manifest entry", refused)
	}
}

func TestFIFOIsReportedNotRead(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}"})
	if err := syscall.Mkfifo(root+"/x.css", 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	wantOneDiagnostic(t, build(t, cfg), core.CodeNotRegularFile, "x.css", root+"/x.css", "named pipe (FIFO)", "not a regular file", "ignore")

	p := newProject(t, cfg)
	err := withinBound(t, "HashedName", func() error { _, err := p.HashedName("x.css"); return err })
	if d := diagnosticsOf(t, err); len(d) != 1 || d[0].Code != core.CodeNotRegularFile {
		t.Errorf("HashedName(x.css): %v", err)
	}
	// The read itself refuses a FIFO without blocking, for a swap that
	// races the stat.
	err = withinBound(t, "ReadFile", func() error { _, err := core.OSFileSystem{}.ReadFile(root + "/x.css"); return err })
	if !errors.Is(err, core.ErrNotRegular) {
		t.Errorf("ReadFile of a FIFO: %v, want ErrNotRegular", err)
	}
}

func TestDevZeroIsNeverRead(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	root := testtree.Write(t, map[string]string{"a.css": "a{}"})
	if err := os.Symlink("/dev/zero", root+"/z.css"); err != nil {
		t.Fatal(err)
	}
	// By default the link leaves its root; allowed, it is still a device.
	wantOneDiagnostic(t, build(t, core.Config{Roots: []core.Root{{Dir: root}}}), core.CodeSymlinkLeavesRoot, "z.css", root+"/z.css", "/dev/zero")
	wantOneDiagnostic(t, build(t, core.Config{Roots: []core.Root{{Dir: root}}, AllowSymlinksInto: []string{"/dev"}}),
		core.CodeNotRegularFile, "z.css", "device")
	_, err := core.OSFileSystem{}.ReadFile("/dev/zero")
	if !errors.Is(err, core.ErrNotRegular) {
		t.Errorf("ReadFile(/dev/zero): %v, want ErrNotRegular", err)
	}
}

// escapeTree is a root with a link to a directory outside it (like
// src/etclink -> /etc), a link to a file outside it, and links that stay
// inside it.
func escapeTree(t *testing.T) (root, outside string) {
	outside = testtree.Write(t, map[string]string{"passwd": "secret", "lib/x.js": "x()"})
	root = testtree.Write(t, map[string]string{"css/a.css": "a{}", "js/app.js": "app()"})
	for link, target := range map[string]string{
		"etclink":      outside,
		"secret.txt":   outside + "/passwd",
		"css/same.css": "a.css",
		"scripts":      "js",
	} {
		if err := os.Symlink(target, root+"/"+link); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

func TestSymlinkOutOfRootIsRefused(t *testing.T) {
	root, outside := escapeTree(t)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	p := newProject(t, cfg)
	for logical, link := range map[string]string{"etclink/passwd": root + "/etclink", "secret.txt": root + "/secret.txt", "etclink/lib/x.js": root + "/etclink"} {
		_, err := p.HashedName(logical)
		d := diagnosticsOf(t, err)
		if len(d) != 1 || d[0].Code != core.CodeSymlinkLeavesRoot {
			t.Fatalf("%s: %v", logical, err)
		}
		for _, want := range []string{link, outside, "--allow-symlinks-into", "allow_symlinks_into", "ASSETC_ALLOW_SYMLINKS_INTO", "/usr/share/javascript"} {
			if !strings.Contains(d[0].String(), want) {
				t.Errorf("%s: diagnostic does not mention %q:\n%s", logical, want, d[0])
			}
		}
	}
	// Links that stay inside the root work.
	for _, logical := range []string{"css/same.css", "scripts/app.js"} {
		if _, err := p.HashedName(logical); err != nil {
			t.Errorf("%s: %v", logical, err)
		}
	}
	b := build(t, cfg)
	if b.err == nil {
		t.Fatal("build with links out of the root succeeded")
	}
	codes := map[string]int{}
	for _, d := range diagnosticsOf(t, b.err) {
		codes[d.Code]++
	}
	if codes[core.CodeSymlinkLeavesRoot] != 2 || len(codes) != 1 {
		t.Errorf("want one diagnostic per link (etclink, secret.txt), got %v", diagnosticsOf(t, b.err))
	}

	// Allowed, the same tree builds, links inside the root included.
	cfg.AllowSymlinksInto = []string{outside}
	b = build(t, cfg)
	if b.err != nil {
		t.Fatal(b.err)
	}
	for _, logical := range []string{"etclink/passwd", "etclink/lib/x.js", "secret.txt", "css/same.css", "scripts/app.js", "css/a.css"} {
		if _, ok := b.result.Manifest[logical]; !ok {
			t.Errorf("allowed build has no %s: %v", logical, b.result.Manifest)
		}
	}
	if _, err := newProject(t, cfg).HashedName("etclink/passwd"); err != nil {
		t.Errorf("allowed: %v", err)
	}
}

// TestRootThroughSymlink: a root that is itself a symlink is not an escape.
func TestRootThroughSymlink(t *testing.T) {
	real := testtree.Write(t, map[string]string{"a.css": "a{}"})
	link := filepath.ToSlash(t.TempDir()) + "/static"
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if b := build(t, core.Config{Roots: []core.Root{{Dir: link}}}); b.err != nil {
		t.Fatal(b.err)
	}
}

func TestDeepTreeBuilds(t *testing.T) {
	rel := strings.Repeat("d/", 70) + "deep.css"
	root := testtree.Write(t, map[string]string{rel: "a{}"})
	b := build(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if b.err != nil {
		t.Fatal(b.err)
	}
	if _, ok := b.result.Manifest[rel]; !ok {
		t.Errorf("no manifest entry for the 70-level file: %v", b.result.Manifest)
	}
}

func TestDirectoryLoopIsOneWarning(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a/b/x.css": "a{}"})
	if err := os.Symlink("../..", root+"/a/b/up"); err != nil {
		t.Fatal(err)
	}
	b := build(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if b.err != nil {
		t.Fatal(b.err)
	}
	var loops []core.Diagnostic
	for _, d := range b.result.Diagnostics {
		if d.Code == core.CodeDirectoryLoop {
			loops = append(loops, d)
		}
	}
	if len(loops) != 1 || loops[0].Path != root+"/a/b/up" || loops[0].Severity != core.SeverityWarning {
		t.Errorf("want one loop warning naming %s/a/b/up, got %v", root, b.result.Diagnostics)
	}
	if len(b.result.Manifest) != 1 {
		t.Errorf("the file is collected once: %v", b.result.Manifest)
	}
}

func TestUnnameableFileNames(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}", "back\\slash.css": "b{}", "bad\xffname.png": "x"})
	b := build(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if b.err == nil {
		t.Fatalf("build succeeded: %v", b.result.Manifest)
	}
	d := diagnosticsOf(t, b.err)
	if len(d) != 2 || d[0].Code != core.CodeBadFileName || d[1].Code != core.CodeBadFileName {
		t.Fatalf("want two bad-file-name diagnostics, got %v", d)
	}
	text := fmt.Sprint(d)
	for _, want := range []string{"backslash", "not valid UTF-8", "rename it"} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics do not mention %q: %s", want, text)
		}
	}
	// Ignored, they are no problem.
	b = build(t, core.Config{Roots: []core.Root{{Dir: root}}, IgnorePatterns: []string{"*\\*", "bad*"}})
	if b.err != nil || len(b.result.Manifest) != 1 {
		t.Errorf("with the names ignored: %v %v", b.err, b.result)
	}
}

func TestPrefixMustBeAPlainPath(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}"})
	for _, prefix := range []string{".", "a//b", "a/./b", "a/../b", "x\\y"} {
		_, err := core.NewProject(core.OSFileSystem{}, core.Config{Roots: []core.Root{{Prefix: prefix, Dir: root}}})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", prefix)) {
			t.Errorf("prefix %q: %v", prefix, err)
		}
	}
	b := build(t, core.Config{Roots: []core.Root{{Prefix: "vendor/lib", Dir: root}}})
	if b.err != nil || b.result.Manifest["vendor/lib/a.css"] == "" {
		t.Errorf("prefix vendor/lib: %v %v", b.err, b.result)
	}
}

func TestOutputInsideSource(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}", "sub/b.css": "b{}"})
	elsewhere := filepath.ToSlash(t.TempDir())
	link := elsewhere + "/link-to-root"
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	for _, tc := range []struct {
		output, want string
	}{
		{root, "is the source root"},
		{root + "/", "is the source root"},
		{root + "/sub", "is inside the source root"},
		{root + "/new/deeper", "is inside the source root"},
		{link + "/out", "is inside the source root"},
		{filepath.Dir(root), "is inside the output directory"},
		{elsewhere + "/out", ""},
	} {
		err := p.CheckOutputDir(tc.output)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.output, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.output, err, tc.want)
		}
	}
}

func TestUTF16StylesheetMessage(t *testing.T) {
	utf16le := "\xff\xfea\x00{\x00}\x00"
	utf16be := "\xfe\xff\x00a\x00{\x00}"
	root := testtree.Write(t, map[string]string{"le.css": utf16le, "be.css": utf16be, "bom8.css": "\xef\xbb\xbfa{background:url(x.png)}", "x.png": "x"})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	for _, name := range []string{"le.css", "be.css"} {
		_, err := p.HashedName(name)
		d := diagnosticsOf(t, err)
		if len(d) != 1 || !strings.Contains(d[0].Message, "UTF-16") || !strings.Contains(d[0].Hint, "UTF-8") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A UTF-8 byte order mark is fine, as in Django (it decodes the file
	// as UTF-8 and keeps the mark).
	if _, err := p.HashedName("bom8.css"); err != nil {
		t.Errorf("bom8.css: %v", err)
	}
}

// racingFS lists every entry as a regular file, as a listing taken just
// before a file is swapped for a FIFO would.
type racingFS struct{ core.OSFileSystem }

func (r racingFS) ReadDir(path string) ([]core.DirEntry, error) {
	entries, err := r.OSFileSystem.ReadDir(path)
	for i := range entries {
		if !entries[i].IsDir() {
			entries[i].Kind = core.KindRegular
		}
	}
	return entries, err
}

func TestFileSwappedForFIFOAfterTheWalk(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}"})
	if err := syscall.Mkfifo(root+"/x.css", 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	p, err := core.NewProject(racingFS{}, core.Config{Roots: []core.Root{{Dir: root}}})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	b := withinBound(t, "Build", func() buildResult {
		r, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Workers: 2})
		return buildResult{r, err}
	})
	if b.result == nil {
		t.Fatalf("no result to report the diagnostics with: %v", b.err)
	}
	wantOneDiagnostic(t, b, core.CodeNotRegularFile, "x.css", "named pipe (FIFO)")
}

// TestRetargetedSymlinkIsRechecked: a long-lived process that resolved a
// link inside its root must notice that the link now leads out of it, even
// to a file of the same size and modification time.
func TestRetargetedSymlinkIsRechecked(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}"})
	outside := testtree.Write(t, map[string]string{"same.css": "a{}"})
	when := time.Unix(1_700_000_000, 0)
	for _, path := range []string{root + "/a.css", outside + "/same.css"} {
		if err := os.Chtimes(path, when, when); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.css", root+"/link.css"); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if _, err := p.HashedName("link.css"); err != nil {
		t.Fatal(err)
	}
	// Retarget atomically, as a deploy tool would.
	if err := os.Symlink(outside+"/same.css", root+"/link.tmp"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(root+"/link.tmp", root+"/link.css"); err != nil {
		t.Fatal(err)
	}
	p.Invalidate()
	_, err := p.HashedName("link.css")
	if d := diagnosticsOf(t, err); len(d) != 1 || d[0].Code != core.CodeSymlinkLeavesRoot {
		t.Errorf("after retargeting out of the root: %v", err)
	}
}

// TestSourceSwappedForFIFOBeforeTheWrite: the writer reads a file that was
// not kept in memory (an image) again; if it became a FIFO meanwhile, the
// build fails instead of blocking.
func TestSourceSwappedForFIFOBeforeTheWrite(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": "a{}", "x.png": "png"})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	var swapped sync.Once
	swap := func(stage string, done, total int) {
		if stage == "read" && done == total {
			swapped.Do(func() {
				os.Remove(root + "/x.png")
				if err := syscall.Mkfifo(root+"/x.png", 0o644); err != nil {
					t.Errorf("mkfifo: %v", err)
				}
			})
		}
	}
	out := t.TempDir()
	err := withinBound(t, "Build", func() error {
		_, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Workers: 1, Progress: swap})
		return err
	})
	if !errors.Is(err, core.ErrNotRegular) {
		t.Errorf("Build: %v, want an error about a file that is not regular", err)
	}
}
