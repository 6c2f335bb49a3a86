package writer_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestKilledBuildLeavesPreviousOutputUsable kills `assetc build` at
// different moments (during writes, compression and the switch) and checks
// that the output still holds a manifest whose every file exists, that a
// sidecar is never trusted with another build's manifest, and that
// `assetc clean` then leaves no temporary and the next build succeeds.
func TestKilledBuildLeavesPreviousOutputUsable(t *testing.T) {
	bin := testtree.BuildCLI(t)
	files := map[string]string{}
	for i := 0; i < 3000; i++ {
		files[fmt.Sprintf("img/%d/x%d.png", i%50, i)] = strings.Repeat(fmt.Sprint(i), 2000)
		if i%10 == 0 {
			files[fmt.Sprintf("css/s%d.css", i)] = fmt.Sprintf(".a{background:url(../img/%d/x%d.png)}", i%50, i)
		}
	}
	root := testtree.Write(t, files)
	out := t.TempDir()
	if b, err := exec.Command(bin, "build", "-s", root, "-o", out, "--compress", "gzip").CombinedOutput(); err != nil {
		t.Fatalf("first build: %v\n%s", err, b)
	}
	for i, delay := range []time.Duration{5, 20, 50, 100, 200, 400} {
		// Change every CSS file so the killed build has real work to do.
		for name := range files {
			if strings.HasSuffix(name, ".css") {
				os.WriteFile(filepath.Join(root, name), []byte(files[name]+fmt.Sprintf("/*%d*/", i)), 0o644)
			}
		}
		cmd := exec.Command(bin, "build", "-s", root, "-o", out, "--compress", "gzip")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		testtree.UsableOutput(t, out)
		if _, err := writer.ReadIntegrity(out); err != nil && !strings.Contains(err.Error(), "does not belong to") {
			t.Errorf("after a kill at %s: %v", delay*time.Millisecond, err)
		}
	}
	// The killed builds' lock is stale (its process is gone): clean takes it.
	if b, err := exec.Command(bin, "clean", "-o", out, "--keep", "100").CombinedOutput(); err != nil {
		t.Fatalf("clean: %v\n%s", err, b)
	}
	if tmps := temporaries(out); len(tmps) > 0 {
		t.Errorf("clean left temporaries: %v", tmps)
	}
	if b, err := exec.Command(bin, "build", "-s", root, "-o", out, "--compress", "gzip").CombinedOutput(); err != nil {
		t.Fatalf("the build after the kills: %v\n%s", err, b)
	}
	if _, err := writer.ReadIntegrity(out); err != nil {
		t.Error(err)
	}
}
