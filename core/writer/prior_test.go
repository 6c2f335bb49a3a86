package writer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// priorTree is a tree whose files depend on each other in every way a
// change can travel: an @import chain (main → theme → base → an image), a
// reference cycle (cycle-a ↔ cycle-b), JS modules importing each other, a
// file nothing references, and an image two stylesheets share.
var priorTree = map[string]string{
	"css/main.css":    `@import "theme.css"; .m{background:url(../img/logo.svg)}`,
	"css/theme.css":   `@import url("base.css"); .t{color:red}`,
	"css/base.css":    `.b{background:url("../img/sprite.png")}`,
	"css/cycle-a.css": `@import "cycle-b.css"; .a{background:url(../img/logo.svg)}`,
	"css/cycle-b.css": `@import "cycle-a.css"; .b{color:blue}`,
	"css/other.css":   `.o{background:url(../img/sprite.png)}`,
	"js/app.js":       "import { x } from './lib.js';\nconsole.log(x);\n",
	"js/lib.js":       "import './util.js';\nexport const x = 1;\n",
	"js/util.js":      "export const u = 2;\n",
	"img/logo.svg":    "<svg>logo</svg>",
	"img/sprite.png":  "PNG sprite",
	"img/unused.gif":  "GIF unused",
	"img/twin-a.png":  "PNG twin", // the same bytes: one inode for four output paths
	"img/twin-b.png":  "PNG twin",
	"txt/readme.txt":  "read me",
}

// priorEdit changes files of the tree in place (no directory changes).
type priorEdit struct {
	name  string
	apply func(t *testing.T, root string, n int)
}

var priorEdits = []priorEdit{
	{"image at the end of an @import chain", func(t *testing.T, root string, n int) {
		writeSource(t, root, "img/sprite.png", fmt.Sprintf("PNG sprite %d", n))
	}},
	{"image two stylesheets and a cycle share", func(t *testing.T, root string, n int) {
		writeSource(t, root, "img/logo.svg", fmt.Sprintf("<svg>logo %d</svg>", n))
	}},
	{"member of a cycle", func(t *testing.T, root string, n int) {
		writeSource(t, root, "css/cycle-b.css", fmt.Sprintf(`@import "cycle-a.css"; .b{color:#%06d}`, n))
	}},
	{"stylesheet adds and drops references", func(t *testing.T, root string, n int) {
		if n%2 == 0 {
			writeSource(t, root, "css/other.css", fmt.Sprintf(`.o{background:url(../img/unused.gif)} /* %d */ @import "base.css";`, n))
		} else {
			writeSource(t, root, "css/other.css", fmt.Sprintf(`.o{background:url(../img/sprite.png)} /* %d */`, n))
		}
	}},
	{"same-size edit with the mtime set back", func(t *testing.T, root string, n int) {
		path := filepath.Join(root, "css/theme.css")
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		old, _ := os.ReadFile(path)
		color := []string{"red", "tan", "sky"}[n%3]
		if strings.Contains(string(old), color) {
			color = "fog"
		}
		writeSource(t, root, "css/theme.css", `@import url("base.css"); .t{color:`+color+`}`)
		if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil { // an mtime that lies
			t.Fatal(err)
		}
	}},
	{"module imported by a module", func(t *testing.T, root string, n int) {
		writeSource(t, root, "js/util.js", fmt.Sprintf("export const u = %d;\n", n))
	}},
	{"file nothing references", func(t *testing.T, root string, n int) {
		writeSource(t, root, "txt/readme.txt", fmt.Sprintf("read me %d", n))
	}},
	{"content put back as it was", func(t *testing.T, root string, n int) {
		writeSource(t, root, "img/unused.gif", priorTree["img/unused.gif"])
	}},
}

func writeSource(t *testing.T, root, name, content string) {
	t.Helper()
	// In place, as an editor that overwrites does: the directory keeps
	// its identity.
	if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPriorPlanMatchesColdBuild: after random single- and multi-file edits
// in place, a build that plans from the last build's record (only those
// sources changed) writes what a cold build of the same sources into a
// fresh directory writes, byte for byte: every file, staticfiles.json, the
// sidecar, the build record's hashed files and the source records; and
// once the tree is left alone, a rebuild takes the snapshot's fast path.
func TestPriorPlanMatchesColdBuild(t *testing.T) {
	options := map[string]writer.BuildOptions{
		"defaults": {},
		// No unhashed copies (a rewritten file's own bytes are in no
		// output), another SRI algorithm, variants to keep in step.
		"hashed only, sha512, gzip": {HashedOnly: true, Integrity: "sha512", Compress: gzipOnly},
	}
	roots := map[string]string{}
	for name := range options {
		roots[name] = testtree.Write(t, priorTree)
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // else no snapshot: the directories are new
	for name, opts := range options {
		t.Run(name, func(t *testing.T) { testPriorPlanMatchesColdBuild(t, roots[name], opts) })
	}
}

func testPriorPlanMatchesColdBuild(t *testing.T, root string, opts writer.BuildOptions) {
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	build := func(out string) (*writer.Result, error) {
		o := opts
		o.OutputDir = out
		if o.Compress.Enabled() {
			o.Compress.CacheDir = filepath.Join(out, ".assetc", "compressed")
		}
		return writer.Build(newProject(t, cfg), o)
	}
	if _, err := build(out); err != nil {
		t.Fatal(err)
	}
	random := rand.New(rand.NewSource(15))
	steps := 24
	if testing.Short() {
		steps = 8
	}
	for step := 0; step < steps; step++ {
		var names []string
		for _, i := range random.Perm(len(priorEdits))[:1+random.Intn(3)] {
			priorEdits[i].apply(t, root, step)
			names = append(names, priorEdits[i].name)
		}
		if step%7 == 3 {
			// A reference to no file: both builds fail the same way and
			// write nothing; the fix is planned from the record again.
			writeSource(t, root, "css/base.css", `.b{background:url("../img/missing.png")}`)
			before := writer.PriorPlans()
			_, errIncremental := build(out)
			_, errCold := build(t.TempDir())
			var a, b *core.DiagnosticsError
			if !errors.As(errIncremental, &a) || !errors.As(errCold, &b) || !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) ||
				writer.PriorPlans() != before+1 {
				t.Fatalf("step %d: a missing reference: %v, and from a cold build %v", step, errIncremental, errCold)
			}
			writeSource(t, root, "css/base.css", priorTree["css/base.css"])
			names = append(names, "missing reference fixed")
		}
		before := writer.PriorPlans()
		incremental, err := build(out)
		if err != nil {
			t.Fatalf("step %d (%s): %v", step, strings.Join(names, ", "), err)
		}
		if writer.PriorPlans() != before+1 || !incremental.FromRecord {
			t.Fatalf("step %d (%s): the build did not plan from the last build's record", step, strings.Join(names, ", "))
		}
		fresh := t.TempDir()
		cold, err := build(fresh)
		if err != nil || cold.FromRecord {
			t.Fatalf("cold build: %v, from a record: %v", err, cold != nil && cold.FromRecord)
		}
		sameBuild(t, fmt.Sprintf("step %d (%s)", step, strings.Join(names, ", ")), incremental, cold, out, fresh)
	}

	// Left alone: the files edited last are distrusted (edited within the
	// racy window of the build) and read once more, then nothing is.
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	for i := 0; i < 2; i++ {
		r, err := build(out)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && r.Planned {
			t.Error("a rebuild of an unchanged tree planned: the snapshot was not recorded after a build from the record")
		}
	}
}

// rebuildSeesTheChange builds cfg into out again after a change the
// snapshot must not hide: the build plans, and its output equals a cold
// build's.
func rebuildSeesTheChange(t *testing.T, what string, cfg core.Config, out string) {
	t.Helper()
	after, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if !after.Planned {
		t.Fatal("the change was not seen: the build took the fast path")
	}
	fresh := t.TempDir()
	cold, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: fresh})
	if err != nil {
		t.Fatal(err)
	}
	sameBuild(t, what, after, cold, out, fresh)
}

// sameBuild compares what two builds of the same sources report and wrote.
func sameBuild(t *testing.T, what string, a, b *writer.Result, outA, outB string) {
	t.Helper()
	if a.Files != b.Files || a.Hashed != b.Hashed || a.Rewritten != b.Rewritten || a.Cycles != b.Cycles ||
		!reflect.DeepEqual(a.Manifest, b.Manifest) || len(a.Diagnostics) != len(b.Diagnostics) {
		t.Fatalf("%s: the results differ\n%+v\n%+v", what, a, b)
	}
	// Every file of the fresh output, with the same bytes (the other
	// also keeps the hashed files of its earlier builds until a clean).
	err := filepath.WalkDir(outB, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.Name() == ".assetc" {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(outB, path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(outA, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %s differs from a cold build's (%v):\n%q\n%q", what, rel, err, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lastBuildRecord(t, outA), lastBuildRecord(t, outB); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the build records list other hashed files:\n%v\n%v", what, got, want)
	}
	// The source records agree wherever both have one (a source edited
	// within the racy window of a build is left out by either).
	// sources.json, patched or not, is encoding/json's bytes for what it
	// holds.
	if data, err := os.ReadFile(filepath.Join(outA, ".assetc", "sources.json")); err == nil {
		var sources map[string]core.SourceRecord
		again, _ := json.Marshal(sources)
		if err := json.Unmarshal(data, &sources); err == nil {
			again, _ = json.Marshal(sources)
		}
		if !bytes.Equal(data, again) {
			t.Errorf("%s: sources.json is not encoding/json's bytes:\n%s\n%s", what, data, again)
		}
	}
	gotSources, wantSources := readJSON(t, outA, "sources.json"), readJSON(t, outB, "sources.json")
	for path, want := range wantSources {
		if got, ok := gotSources[path]; ok && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the source record of %s differs:\n%v\n%v", what, path, got, want)
		}
	}
}

func lastBuildRecord(t *testing.T, out string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(out, ".assetc", "builds"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no build record in %s: %v", out, err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	sort.Slice(names, func(i, j int) bool {
		return len(names[i]) < len(names[j]) || len(names[i]) == len(names[j]) && names[i] < names[j]
	})
	data, err := os.ReadFile(filepath.Join(out, ".assetc", "builds", names[len(names)-1]))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Files []string `json:"files"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r.Files
}

func readJSON(t *testing.T, out, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, ".assetc", name))
	if err != nil {
		return nil // none recorded
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKilledPriorPlanBuild: a build that plans from the last build's
// record and is stopped as a kill would, at every step of its write,
// leaves the previous output usable (every file the live manifest names
// exists, the sidecar is that manifest's or recognised as not), and the
// next build writes what a cold build writes.
func TestKilledPriorPlanBuild(t *testing.T) {
	steps := []string{"write", "integrity", "record", "manifest", "state", "snapshot", "pending"}
	roots := make([]string, len(steps))
	for i := range steps {
		roots[i] = testtree.Write(t, priorTree)
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // else no snapshot: the directories are new
	for i, step := range steps {
		t.Run(step, func(t *testing.T) {
			root := roots[i]
			cfg := core.Config{Roots: []core.Root{{Dir: root}}}
			out := t.TempDir()
			if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
				t.Fatal(err)
			}
			writeSource(t, root, "img/sprite.png", "PNG sprite, killed")
			before := writer.PriorPlans()
			_, err := writer.Build(newProject(t, cfg), writer.KillBuildAt(writer.BuildOptions{OutputDir: out}, step, 1))
			if !writer.IsKilled(err) {
				t.Fatalf("want the build killed at %s, got %v", step, err)
			}
			if writer.PriorPlans() != before+1 {
				t.Fatal("the killed build did not plan from the record")
			}
			testtree.UsableOutput(t, out)
			if _, err := writer.ReadIntegrity(out); err != nil && !strings.Contains(err.Error(), "does not belong to") {
				t.Errorf("after a kill at %s: %v", step, err)
			}
			writeSource(t, root, "css/cycle-b.css", `@import "cycle-a.css"; .b{color:green}`)
			next, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
			if err != nil {
				t.Fatal(err)
			}
			fresh := t.TempDir()
			cold, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: fresh})
			if err != nil {
				t.Fatal(err)
			}
			sameBuild(t, "after a kill at "+step, next, cold, out, fresh)
		})
	}
}

// TestSnapshotAfterPriorPlanSeesChanges: the snapshot a build records
// after planning from the record (reusing the identities its check saw)
// still sees every change to an output: an edit in place through either
// hard-linked copy of a content the build did not write, an output
// deleted, one the build wrote edited; the next build repairs it.
func TestSnapshotAfterPriorPlanSeesChanges(t *testing.T) {
	changes := []struct {
		name       string
		edit       string // the source the build from the record finds edited (default img/sprite.png)
		change     func(t *testing.T, out string, m map[string]string)
		hashedOnly bool
	}{
		{"hashed only: content an edited file shared, edited through its other file's copy", "img/twin-a.png", func(t *testing.T, out string, m map[string]string) {
			// The inode's first path was twin-a's old hashed copy, which
			// the build no longer plans but leaves in place.
			os.WriteFile(filepath.Join(out, m["img/twin-b.png"]), []byte("XXX twin"), 0o644)
		}, true},
		{"content an edited file shared, edited through its other file's copy", "img/twin-a.png", func(t *testing.T, out string, m map[string]string) {
			os.WriteFile(filepath.Join(out, "img/twin-b.png"), []byte("XXX twin"), 0o644)
		}, false},
		{"unwritten content edited through its unhashed copy", "", func(t *testing.T, out string, m map[string]string) {
			os.WriteFile(filepath.Join(out, "img/unused.gif"), []byte("XXX unused"), 0o644)
		}, false},
		{"unwritten content edited through its hashed copy", "", func(t *testing.T, out string, m map[string]string) {
			os.WriteFile(filepath.Join(out, m["js/app.js"]), []byte("hacked"), 0o644)
		}, false},
		{"unwritten output deleted", "", func(t *testing.T, out string, m map[string]string) {
			os.Remove(filepath.Join(out, m["txt/readme.txt"]))
		}, false},
		{"written output edited", "", func(t *testing.T, out string, m map[string]string) {
			os.WriteFile(filepath.Join(out, m["css/base.css"]), []byte("hacked"), 0o644)
		}, false},
	}
	roots, outs, manifests := make([]string, len(changes)), make([]string, len(changes)), make([]map[string]string, len(changes))
	for i := range changes {
		roots[i], outs[i] = testtree.Write(t, priorTree), t.TempDir()
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	options := func(i int, out string) writer.BuildOptions {
		return writer.BuildOptions{OutputDir: out, HashedOnly: changes[i].hashedOnly}
	}
	for i := range changes {
		cfg := core.Config{Roots: []core.Root{{Dir: roots[i]}}}
		if _, err := writer.Build(newProject(t, cfg), options(i, outs[i])); err != nil {
			t.Fatal(err)
		}
		edit := changes[i].edit
		if edit == "" {
			edit = "img/sprite.png"
		}
		writeSource(t, roots[i], edit, "edited")
		before := writer.PriorPlans()
		r, err := writer.Build(newProject(t, cfg), options(i, outs[i]))
		if err != nil || writer.PriorPlans() != before+1 {
			t.Fatalf("the edit was not planned from the record: %v", err)
		}
		manifests[i] = r.Manifest
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // the edited images are trusted again
	for i, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			root, out := roots[i], outs[i]
			cfg := core.Config{Roots: []core.Root{{Dir: root}}}
			// Reads the image edited within the racy window of the last
			// build again, from the record, and records the snapshot
			// under test.
			before := writer.PriorPlans()
			if _, err := writer.Build(newProject(t, cfg), options(i, out)); err != nil || writer.PriorPlans() != before+1 {
				t.Fatalf("the distrusted image was not read again from the record: %v", err)
			}
			c.change(t, out, manifests[i])
			after, err := writer.Build(newProject(t, cfg), options(i, out))
			if err != nil {
				t.Fatal(err)
			}
			if !after.Planned {
				t.Fatal("the change was not seen: the build took the fast path")
			}
			fresh := t.TempDir()
			cold, err := writer.Build(newProject(t, cfg), options(i, fresh))
			if err != nil {
				t.Fatal(err)
			}
			sameBuild(t, c.name, after, cold, out, fresh)
		})
	}
}

// TestSnapshotAfterPriorPlanSeesBundlerManifests: the snapshot a build
// records after planning from the record takes the bundler-manifest probes
// its check did not stat as still absent (their directories were proven);
// a manifest created since, or an existing one edited in place, is still
// seen by the next build.
func TestSnapshotAfterPriorPlanSeesBundlerManifests(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, root string)
	}{
		{"a Vite manifest created", func(t *testing.T, root string) {
			if err := os.MkdirAll(filepath.Join(root, "js", ".vite"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "js", ".vite", "manifest.json"), []byte(`{}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"an esbuild metafile created", func(t *testing.T, root string) {
			if err := os.WriteFile(filepath.Join(root, "css", "meta.json"), []byte(`{"outputs":{}}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"an existing esbuild metafile edited in place", func(t *testing.T, root string) {
			writeSource(t, root, "img/metafile.json", `{"outputs":{"sprite.png":{}}}`)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tree := maps.Clone(priorTree)
			tree["img/metafile.json"] = `{"outputs":{}}`
			root, out := testtree.Write(t, tree), t.TempDir()
			cfg := core.Config{Roots: []core.Root{{Dir: root}}}
			time.Sleep(core.RacyWindow + 100*time.Millisecond)
			if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
				t.Fatal(err)
			}
			writeSource(t, root, "img/sprite.png", "edited")
			time.Sleep(core.RacyWindow + 100*time.Millisecond) // the edit is trusted: this build records a snapshot
			before := writer.PriorPlans()
			if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil || writer.PriorPlans() != before+1 {
				t.Fatalf("the edit was not planned from the record: %v", err)
			}
			if n, err := writer.SnapshotEntries(out); err != nil || n == 0 {
				t.Fatalf("the build from the record recorded no snapshot: %v", err)
			}
			c.change(t, root)
			rebuildSeesTheChange(t, c.name, cfg, out)
		})
	}
}

// TestChangedRecordIsNotTrusted: the record a snapshot vouches for is
// trusted only as the build that wrote it left it (its file's identity,
// not an MD5 of its bytes). Edited behind the snapshot's back, in place
// with its size and modification time kept, or replaced by a file renamed
// over it, with every SRI value in it altered (bytes that still decode),
// the next build after a source edit plans without it and writes what a
// cold build writes; the build after that plans from the record again.
func TestChangedRecordIsNotTrusted(t *testing.T) {
	edits := []struct {
		name  string
		apply func(t *testing.T, path string, data []byte)
	}{
		{"in place, size and mtime kept", func(t *testing.T, path string, data []byte) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"renamed over", func(t *testing.T, path string, data []byte) {
			if err := os.WriteFile(path+".new", data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}},
	}
	roots := make([]string, len(edits))
	for i := range edits {
		roots[i] = testtree.Write(t, priorTree)
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // else no snapshot: the directories are new
	for i, edit := range edits {
		t.Run(edit.name, func(t *testing.T) {
			root := roots[i]
			cfg := core.Config{Roots: []core.Root{{Dir: root}}}
			out := t.TempDir()
			if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(out, ".assetc", "record.bin")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			altered := 0
			for at := 0; ; {
				j := bytes.Index(data[at:], []byte("sha384-"))
				if j < 0 {
					break
				}
				at += j + len("sha384-")
				data[at] = map[bool]byte{true: 'B', false: 'A'}[data[at] == 'A']
				altered++
			}
			if altered == 0 {
				t.Fatal("no SRI value in the record to alter")
			}
			edit.apply(t, path, data)
			writeSource(t, root, "img/sprite.png", "PNG sprite, record changed")
			before := writer.PriorPlans()
			got, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
			if err != nil {
				t.Fatal(err)
			}
			if got.FromRecord || writer.PriorPlans() != before {
				t.Fatal("the build trusted a record changed since its snapshot")
			}
			fresh := t.TempDir()
			cold, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: fresh})
			if err != nil {
				t.Fatal(err)
			}
			sameBuild(t, "after the record changed "+edit.name, got, cold, out, fresh)
			writeSource(t, root, "img/sprite.png", "PNG sprite, once more")
			if again, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil || !again.FromRecord {
				t.Fatalf("the next build did not plan from its own record (%v)", err)
			}
		})
	}
}
