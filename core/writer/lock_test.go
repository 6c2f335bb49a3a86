package writer_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// lockMessage is the start of what the second build says.
const lockMessage = "another assetc build"

// manySources is a tree big enough that two builds overlap.
func manySources(t *testing.T, n int) string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("css/f%03d.css", i)] = fmt.Sprintf(".c%d { background: url(../img/i%03d.svg) }\n%s", i, i, strings.Repeat("/* pad */\n", 100))
		files[fmt.Sprintf("img/i%03d.svg", i)] = fmt.Sprintf("<svg>%d</svg>%s", i, strings.Repeat(" ", 500))
	}
	return testtree.Write(t, files)
}

// assertValidOutput checks that the manifest parses, every entry exists
// under both names, and the integrity sidecar covers every hashed file.
func assertValidOutput(t *testing.T, out string) {
	t.Helper()
	paths := testtree.UsableOutput(t, out)
	var sidecar core.IntegrityFile
	data, err := os.ReadFile(filepath.Join(out, core.IntegrityName))
	if err != nil || json.Unmarshal(data, &sidecar) != nil {
		t.Fatalf("integrity sidecar missing or damaged: %v", err)
	}
	for _, hashed := range paths {
		if sidecar.Files[hashed] == "" {
			t.Errorf("no integrity for %s", hashed)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ".assetc", "lock")); err == nil {
		t.Error("the lock was left behind")
	}
}

func isLockError(err error) bool {
	var le *writer.LockedError
	return errors.As(err, &le) && strings.Contains(err.Error(), lockMessage)
}

func TestConcurrentBuildsInOneProcess(t *testing.T) {
	root := manySources(t, 200)
	for _, wait := range []time.Duration{0, time.Minute} {
		out := t.TempDir()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
				_, errs[i] = writer.Build(p, writer.BuildOptions{OutputDir: out, LockWait: wait, Compress: compress.Options{Encodings: []string{compress.Gzip}}})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case wait == 0 && isLockError(err):
			default:
				t.Errorf("wait %s: unexpected error %v", wait, err)
			}
		}
		if ok == 0 || (wait > 0 && ok != 2) {
			t.Errorf("wait %s: %d of 2 builds succeeded", wait, ok)
		}
		assertValidOutput(t, out)
	}
}

func TestLockWaitIsBounded(t *testing.T) {
	root := manySources(t, 2)
	out := t.TempDir()
	os.MkdirAll(filepath.Join(out, ".assetc"), 0o755)
	// This process is alive, so its lock is a live build's.
	os.WriteFile(filepath.Join(out, ".assetc", "lock"), fmt.Appendf(nil, "%d\n", os.Getpid()), 0o644)
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	start := time.Now()
	_, err := writer.Build(p, writer.BuildOptions{OutputDir: out, LockWait: 300 * time.Millisecond})
	if !isLockError(err) || !strings.Contains(err.Error(), "waited 300ms") {
		t.Fatalf("want a lock error after waiting, got %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("waited %s for a 300ms bound", d)
	}
	// A lock whose process is gone is taken over.
	os.WriteFile(filepath.Join(out, ".assetc", "lock"), []byte("2147483646\n"), 0o644)
	if _, err := writer.Build(p, writer.BuildOptions{OutputDir: out}); err != nil {
		t.Fatalf("a stale lock stopped the build: %v", err)
	}
	assertValidOutput(t, out)
}

func TestConcurrentBuildsInTwoProcesses(t *testing.T) {
	bin := testtree.BuildCLI(t)
	root := manySources(t, 200)
	for _, wait := range []string{"0s", "1m"} {
		out := t.TempDir()
		type run struct {
			stderr strings.Builder
			err    error
		}
		runs := make([]*run, 2)
		var wg sync.WaitGroup
		for i := range runs {
			runs[i] = &run{}
			cmd := exec.Command(bin, "build", "-q", "-s", root, "-o", out, "--compress", "gzip", "--wait", wait)
			cmd.Stderr = &runs[i].stderr
			wg.Add(1)
			go func() {
				defer wg.Done()
				runs[i].err = cmd.Run()
			}()
		}
		wg.Wait()
		ok := 0
		for _, r := range runs {
			switch {
			case r.err == nil:
				ok++
			case wait == "0s" && strings.Contains(r.stderr.String(), lockMessage):
				t.Logf("the second build said: %s", strings.TrimSpace(r.stderr.String()))
			default:
				t.Errorf("--wait %s: %v: %s", wait, r.err, r.stderr.String())
			}
		}
		if ok == 0 || (wait != "0s" && ok != 2) {
			t.Errorf("--wait %s: %d of 2 builds succeeded", wait, ok)
		}
		assertValidOutput(t, out)
	}
}
