package writer_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestSnapshotSeesOutputsChangedAfterTheirWrite: the snapshot records the
// outputs a build wrote with the identity the writer took once their last
// link was made, not with a stat of its own. An output changed after that,
// before the snapshot is recorded, has another identity by then: the next
// build must not take the fast path, and repairs it, even when its size
// and mtime are those the state recorded.
func TestSnapshotSeesOutputsChangedAfterTheirWrite(t *testing.T) {
	cases := []struct {
		name, path string
		change     func(path string) error
	}{
		{"edited", "js/lib/deep/x.js", func(path string) error { return os.WriteFile(path, []byte("hacked"), 0o644) }},
		{"same-size edit, mtime restored", "only/sub/y.txt", func(path string) error {
			info, err := os.Stat(path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte("Y"), 0o644); err != nil {
				return err
			}
			return os.Chtimes(path, info.ModTime(), info.ModTime())
		}},
		{"replaced, same size and mtime", "img/a.svg", func(path string) error {
			// What a rename over it within one tick of the kernel's
			// clock leaves: only the inode and ctime tell.
			info, err := os.Stat(path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(path+".new", []byte("<svg>b</svg>"), 0o644); err != nil {
				return err
			}
			if err := os.Chtimes(path+".new", info.ModTime(), info.ModTime()); err != nil {
				return err
			}
			return os.Rename(path+".new", path)
		}},
	}
	roots := make([]string, len(cases))
	for i := range cases {
		roots[i] = testtree.Write(t, snapshotTree)
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // or no snapshot is recorded
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := core.Config{Roots: []core.Root{{Dir: roots[i]}}}
			out := t.TempDir()
			var changeErr error
			opts := writer.BeforeStep(writer.BuildOptions{OutputDir: out}, "snapshot", func() {
				changeErr = c.change(filepath.Join(out, c.path))
			})
			if _, err := writer.Build(newProject(t, cfg), opts); err != nil || changeErr != nil {
				t.Fatal(err, changeErr)
			}
			if n, err := writer.SnapshotEntries(out); err != nil || n == 0 {
				t.Fatalf("no snapshot recorded (%d entries, %v): the case proves nothing", n, err)
			}
			next, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
			if err != nil {
				t.Fatal(err)
			}
			if !next.Planned {
				t.Fatal("the change was not seen: the build took the fast path")
			}
			want, _ := os.ReadFile(filepath.Join(roots[i], c.path))
			// The state's size and mtime vouch for none of them: the check
			// saw each replaced (verdict.replaced).
			if got, _ := os.ReadFile(filepath.Join(out, c.path)); string(got) != string(want) {
				t.Errorf("%s holds %q, want %q", c.path, got, want)
			}
		})
	}
}
