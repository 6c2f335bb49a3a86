package writer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// snapshotTree is the sources every snapshot case starts from: a
// stylesheet that references an image (rewritten), nested directories, a
// directory holding only a subdirectory, and an ignored .vite directory.
var snapshotTree = map[string]string{
	"css/a.css":            `a{background:url("../img/a.svg")}`,
	"img/a.svg":            "<svg>a</svg>",
	"js/lib/deep/x.js":     "export const x = 1;\n",
	"only/sub/y.txt":       "y",
	"app/.vite/keep.txt":   "not collected",
	"app/main-B7PI925R.js": "console.log(1)\n",
}

// snapshotCase changes something after a build recorded its snapshot; the
// next build must plan, and check says what it must then find.
type snapshotCase struct {
	name   string
	change func(t *testing.T, root, out string, cfg *core.Config, opts *writer.BuildOptions)
	check  func(t *testing.T, r *writer.Result, root, out string)
	// fromRecord says the build after the change plans from the last
	// build's record (only sources changed); every other change takes
	// the normal path.
	fromRecord bool
}

// TestSnapshotNoChangeSkipsPlanning: after a build whose sources are older
// than core.RacyWindow, a rebuild with nothing changed takes the snapshot's
// fast path (Planned is false) and reports what a planned no-change build
// reports; and every kind of change the snapshot must see sends the next
// build through planning again, which then finds the change.
func TestSnapshotNoChangeSkipsPlanning(t *testing.T) {
	sameSizeEdit := func(path, content string) {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, info.ModTime(), info.ModTime()) // an mtime that lies
	}
	cases := []snapshotCase{
		{name: "unchanged"}, // the fast-path checks every case starts with
		{name: "same-size edit, mtime restored", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			// A stylesheet: its scan-cache record checks the ctime too (a
			// file that is not CSS/JS is trusted by size and mtime once
			// planning runs, .assetc/sources.json).
			sameSizeEdit(filepath.Join(root, "css/a.css"), `b{background:url("../img/a.svg")}`)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if got, _ := os.ReadFile(filepath.Join(out, r.Manifest["css/a.css"])); string(got[:2]) != "b{" {
				t.Errorf("the edit was missed: %s holds %q", r.Manifest["css/a.css"], got)
			}
		}, fromRecord: true},
		{name: "new file in a nested directory", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.WriteFile(filepath.Join(root, "js/lib/deep/new.js"), []byte("1"), 0o644)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if _, ok := r.Manifest["js/lib/deep/new.js"]; !ok {
				t.Error("the new file was not collected")
			}
		}},
		{name: "new file in a directory holding only a directory", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.WriteFile(filepath.Join(root, "only/z.txt"), []byte("z"), 0o644)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if _, ok := r.Manifest["only/z.txt"]; !ok {
				t.Error("the new file was not collected")
			}
		}},
		{name: "deleted file", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.Remove(filepath.Join(root, "js/lib/deep/x.js"))
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if _, ok := r.Manifest["js/lib/deep/x.js"]; ok {
				t.Error("the deleted file is still in the manifest")
			}
		}},
		{name: "output removed", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.Remove(filepath.Join(out, "img/a.svg")) // the unhashed copy, a hard link of the hashed one
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			// Its hard link, the hashed copy, is written again too: the
			// removal changed its ctime, which is all an edit in place
			// with its mtime restored changes (verdict.replaced).
			if got, _ := os.ReadFile(filepath.Join(out, "img/a.svg")); string(got) != "<svg>a</svg>" || r.Written != 2 {
				t.Errorf("the removed output was not written again: %q, %d written", got, r.Written)
			}
		}},
		{name: "output edited", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.WriteFile(filepath.Join(out, "js/lib/deep/x.js"), []byte("hacked"), 0o644)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if got, _ := os.ReadFile(filepath.Join(out, "js/lib/deep/x.js")); string(got) != "export const x = 1;\n" {
				t.Errorf("the edited output was not repaired: %q", got)
			}
		}},
		{name: "output edited, size and mtime kept", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			// The planned build's state check (size and mtime) cannot see
			// this; the snapshot's ctime can, so the build at least plans.
			sameSizeEdit(filepath.Join(out, "only/sub/y.txt"), "Y")
		}},
		{name: "staticfiles.json replaced", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			path := filepath.Join(out, core.ManifestName)
			data, _ := os.ReadFile(path)
			os.WriteFile(path+".new", data, 0o644)
			os.Rename(path+".new", path)
		}},
		{name: "option changed", change: func(t *testing.T, root, out string, _ *core.Config, opts *writer.BuildOptions) {
			opts.Integrity = "sha256"
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			sidecar, err := writer.ReadIntegrity(out)
			if err != nil || sidecar.Algorithm != "sha256" {
				t.Errorf("the sidecar was not rewritten: %+v, %v", sidecar, err)
			}
		}},
		{name: "compression enabled", change: func(t *testing.T, root, out string, _ *core.Config, opts *writer.BuildOptions) {
			opts.Compress = compress.Options{Encodings: []string{"gzip"}, CacheDir: filepath.Join(out, ".assetc", "compressed")}
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if r.Compressed == 0 {
				t.Error("nothing compressed")
			}
		}},
		{name: "configuration changed", change: func(t *testing.T, root, out string, cfg *core.Config, _ *writer.BuildOptions) {
			cfg.IgnorePatterns = []string{"*.txt"}
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if _, ok := r.Manifest["only/sub/y.txt"]; ok {
				t.Error("the new ignore pattern was not applied")
			}
		}},
		{name: "vite manifest added in an ignored directory", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.WriteFile(filepath.Join(root, "app/.vite/manifest.json"), []byte(`{"main.js":{"file":"main-B7PI925R.js"}}`), 0o644)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if got := r.Manifest["app/main-B7PI925R.js"]; got != "app/main-B7PI925R.js" {
				t.Errorf("the file the Vite manifest lists was named %s, want it kept", got)
			}
		}},
		{name: "missing root appears", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.MkdirAll(root+"-later/extra", 0o755)
			os.WriteFile(root+"-later/extra/e.txt", []byte("e"), 0o644)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if _, ok := r.Manifest["extra/e.txt"]; !ok {
				t.Error("the new root's file was not collected")
			}
		}},
		{name: "pending build", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			os.WriteFile(filepath.Join(out, ".assetc", "pending.json"), []byte(`{"manifest":"x","paths":[]}`), 0o644)
		}, check: func(t *testing.T, r *writer.Result, root, out string) {
			if _, err := os.Stat(filepath.Join(out, ".assetc", "pending.json")); err == nil {
				t.Error("the pending record was not recovered")
			}
		}},
		{name: "damaged snapshot", change: func(t *testing.T, root, out string, _ *core.Config, _ *writer.BuildOptions) {
			path := filepath.Join(out, ".assetc", "snapshot.bin")
			data, _ := os.ReadFile(path)
			os.WriteFile(path, data[:len(data)/2], 0o644)
		}},
	}
	roots := make([]string, len(cases))
	for i := range cases {
		roots[i] = testtree.Write(t, snapshotTree)
	}
	// Older than the racy window, or no snapshot is recorded.
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, out := roots[i], t.TempDir()
			// A second root that does not exist (yet): Django skips it.
			cfg := core.Config{Roots: []core.Root{{Dir: root}, {Dir: root + "-later"}}}
			opts := writer.BuildOptions{OutputDir: out}
			first, err := writer.Build(newProject(t, cfg), opts)
			if err != nil || !first.Planned {
				t.Fatalf("first build: planned %v, %v", first != nil && first.Planned, err)
			}
			fast, err := writer.Build(newProject(t, cfg), opts)
			if err != nil {
				t.Fatal(err)
			}
			if fast.Planned {
				t.Fatal("a rebuild of an unchanged tree planned: no snapshot was used")
			}
			// The fast path reports what a planned no-change build does.
			os.Remove(filepath.Join(out, ".assetc", "snapshot.bin"))
			planned, err := writer.Build(newProject(t, cfg), opts)
			if err != nil || !planned.Planned || planned.Written != 0 {
				t.Fatalf("planned no-change build: %+v, %v", planned, err)
			}
			fast.Duration, planned.Duration, fast.Planned, planned.Planned = 0, 0, true, true
			if len(planned.Diagnostics) == 0 {
				planned.Diagnostics = nil
			}
			if !reflect.DeepEqual(fast, planned) {
				t.Fatalf("the fast path reported\n%+v\na planned no-change build\n%+v", fast, planned)
			}
			if c.change == nil {
				return
			}
			c.change(t, root, out, &cfg, &opts)
			before := writer.PriorPlans()
			after, err := writer.Build(newProject(t, cfg), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !after.Planned {
				t.Fatal("the change was not seen: the build took the fast path")
			}
			if fromRecord := writer.PriorPlans() > before; fromRecord != c.fromRecord {
				t.Errorf("the build planned from the last build's record: %v, want %v", fromRecord, c.fromRecord)
			}
			if c.check != nil {
				c.check(t, after, root, out)
			}
		})
	}
}

// TestSnapshotNotRecordedWhenRacy: a source or directory changed within
// core.RacyWindow of the build could change again in the same timestamp
// tick without a new identity, so the next build plans: a fresh tree (its
// directories just made: no snapshot is recorded), and in an old tree a
// file edited in place just before the build (its directory unchanged:
// the snapshot distrusts the file, and the next build reads it again,
// planning from the record).
func TestSnapshotNotRecordedWhenRacy(t *testing.T) {
	fresh, old := testtree.Write(t, snapshotTree), testtree.Write(t, snapshotTree)
	buildTwice := func(t *testing.T, root, out string, fromRecord bool) {
		t.Helper()
		cfg := core.Config{Roots: []core.Root{{Dir: root}}}
		for i := 0; i < 2; i++ {
			before := writer.PriorPlans()
			r, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Planned {
				t.Fatalf("build %d took the fast path on sources changed within the racy window", i+1)
			}
			if got := writer.PriorPlans() - before; i == 1 && got != map[bool]int64{false: 0, true: 1}[fromRecord] {
				t.Errorf("build %d planned from the record %d times, want that %v", i+1, got, fromRecord)
			}
		}
		if _, err := os.Stat(filepath.Join(out, ".assetc", "snapshot.bin")); err == nil && !fromRecord {
			t.Error("a snapshot was recorded")
		}
	}
	t.Run("fresh tree", func(t *testing.T) { buildTwice(t, fresh, t.TempDir(), false) })

	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	t.Run("file edited just before", func(t *testing.T) {
		path := filepath.Join(old, "img/a.svg")
		info, _ := os.Stat(path)
		os.WriteFile(path, []byte("<svg>b</svg>"), 0o644)
		os.Chtimes(path, info.ModTime(), info.ModTime()) // only the ctime is new
		buildTwice(t, old, t.TempDir(), true)
	})
}

// TestSnapshotNotRecordedThroughSymlinks: a walk that follows a symbolic
// link depends on where the link leads (its real path, judged against the
// roots), which identities do not capture: no snapshot.
func TestSnapshotNotRecordedThroughSymlinks(t *testing.T) {
	root := testtree.Write(t, snapshotTree)
	if err := os.Symlink("img", filepath.Join(root, "pictures")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	for i := 0; i < 2; i++ {
		r, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Planned {
			t.Fatal("a walk through a symbolic link was trusted to a snapshot")
		}
	}
}

// TestSnapshotBounded: the snapshot holds one entry per source, per output
// inode, per directory (sources and outputs) and the bundler-manifest
// probes of each source directory, and its PlanRecord one file per
// collected file; a Write deletes the snapshot before writing.
func TestSnapshotBounded(t *testing.T) {
	root := testtree.Write(t, snapshotTree)
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	r, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := writer.SnapshotEntries(out)
	if err != nil {
		t.Fatal(err)
	}
	sources, sourceDirs := len(r.Manifest), 10 // ".", css, img, js, js/lib, js/lib/deep, only, only/sub, app; +1 slack
	outputs, outputDirs := 2*len(r.Manifest)+2, sourceDirs
	if bound := sources + sourceDirs*5 + outputs + outputDirs; entries == 0 || entries > bound {
		t.Errorf("%d entries, want 1..%d", entries, bound)
	}
	// The PlanRecord beside it: one file per collected file.
	if files, err := writer.RecordFiles(out); err != nil || files != len(r.Manifest) {
		t.Errorf("the record holds %d files (%v), want %d", files, err, len(r.Manifest))
	}

	plan, err := newProject(t, cfg).Plan(core.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Write(out, plan, writer.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, ".assetc", "snapshot.bin")); err == nil {
		t.Error("a Write left the snapshot of an earlier build")
	}
}
