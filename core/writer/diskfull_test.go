//go:build linux

package writer_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips saying why
// it cannot.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// TestDiskFullLeavesThePreviousBuild fills a small disk mid-build: the build
// fails with ENOSPC, the previous output is untouched and usable, nothing
// of the failed build is left (it removes what it created), clean works,
// and once there is room again the next build succeeds. A first build that
// never committed leaves a root clean can handle too.
func TestDiskFullLeavesThePreviousBuild(t *testing.T) {
	disk := smallDisk(t, 1<<20)
	random := func(n int) string {
		b := make([]byte, n/2)
		rand.Read(b)
		return hex.EncodeToString(b) // incompressible, so sizes are what they say
	}
	small := map[string]string{"css/site.css": "body { background: url(../img/a.svg) }\n", "img/a.svg": random(20_000)}
	root := testtree.Write(t, small)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := disk + "/static"
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out, Compress: gzipOnly}); err != nil {
		t.Fatal(err)
	}
	before := outputFiles(t, out)

	// 60 files of 40 KB: 4.8 MB with their hashed copies' links... the
	// copies are links, so 2.4 MB of data, more than the disk holds.
	big := map[string]string{}
	for i := range 60 {
		big[fmt.Sprintf("img/big%02d.txt", i)] = random(40_000)
	}
	writeSite(t, root, big)
	_, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out, Compress: gzipOnly})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want ENOSPC, got %v", err)
	}
	testtree.UsableOutput(t, out)
	if _, err := writer.ReadIntegrity(out); err != nil {
		t.Error(err)
	}
	after := outputFiles(t, out)
	if strings.Join(names(after), " ") != strings.Join(names(before), " ") {
		t.Errorf("the failed build left files:\n%v\nwant\n%v", names(after), names(before))
	}
	if tmps := temporaries(out); len(tmps) > 0 {
		t.Errorf("temporaries left: %v", tmps)
	}
	if _, err := writer.Clean(out, writer.CleanOptions{Keep: 5}); err != nil {
		t.Errorf("clean after a full disk: %v", err)
	}

	// Room again: the cause is gone, the next build succeeds.
	for name := range big {
		os.Remove(root + "/" + name)
	}
	for i := range 10 {
		os.WriteFile(fmt.Sprintf("%s/img/big%02d.txt", root, i), []byte(random(40_000)), 0o644)
	}
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out, Compress: gzipOnly}); err != nil {
		t.Fatalf("the build after the disk was freed: %v", err)
	}
	testtree.UsableOutput(t, out)

	// A first build that fails: clean works on what it left.
	first := disk + "/first"
	bigRoot := testtree.Write(t, big)
	if _, err := writer.Build(newProject(t, core.Config{Roots: []core.Root{{Dir: bigRoot}}}), writer.BuildOptions{OutputDir: first}); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want ENOSPC, got %v", err)
	}
	if files := outputFiles(t, first); len(files) > 0 {
		t.Errorf("a failed first build left %v", names(files))
	}
	if _, err := writer.Clean(first, writer.CleanOptions{Keep: 1}); err != nil {
		t.Errorf("clean of a failed first build: %v", err)
	}
}
