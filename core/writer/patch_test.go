package writer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestPatchedSnapshotMatchesGathered: after each edit of priorEdits in
// turn, the snapshot patched from the last one proves what one gathered
// from scratch after the same build proves: every entry the gathered one
// checks is in the patched one with the same identity (an output's may be
// recorded through another path of its inode), and every entry only the
// patched one checks is an output as it is now (an older hashed name the
// build left in place). Then an edit made after a patched snapshot (an
// unchanged source, an output, a file added to a source directory) is
// still seen by the next build, which writes what a cold build writes.
func TestPatchedSnapshotMatchesGathered(t *testing.T) {
	root, out := testtree.Write(t, priorTree), t.TempDir()
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // the tree is trusted
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	patched := 0
	defer writer.OnPatchedSnapshot(func(p, g map[string]writer.SnapshotEntry, gatheredOK bool) {
		patched++
		if !gatheredOK {
			t.Error("the patched snapshot proves a build the gathered one does not trust")
			return
		}
		inodes := map[[2]uint64]writer.SnapshotEntry{}
		for _, e := range p {
			if e.Own && !e.OutputDir {
				inodes[[2]uint64{e.ID.Device, e.ID.Inode}] = e
			}
		}
		for path, want := range g {
			got, ok := p[path]
			if !ok && want.Own && !want.OutputDir {
				got, ok = inodes[[2]uint64{want.ID.Device, want.ID.Inode}]
				got.Own, got.Source, got.Distrust, got.OutputDir = want.Own, want.Source, want.Distrust, want.OutputDir
			}
			if !ok || got != want {
				t.Errorf("%s: gathered %+v, patched %+v (found %t)", path, want, got, ok)
			}
		}
		for path, e := range p {
			if _, ok := g[path]; ok {
				continue
			}
			if !e.Own || e.OutputDir || writer.IdentityNow(path).ID != e.ID {
				t.Errorf("%s: only the patched snapshot has %+v, and it is not the output as it is now", path, e)
			}
		}
	})()
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	for n, edit := range priorEdits {
		edit.apply(t, root, n+1)
		before := writer.PriorPlans()
		if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
			t.Fatal(err)
		}
		if writer.PriorPlans() != before+1 {
			t.Fatalf("%s: not planned from the record", edit.name)
		}
	}
	// state.json, written from its bytes after each build (stateTable.write),
	// is what encoding/json writes for it, and names every output as it is.
	data, err := os.ReadFile(filepath.Join(out, ".assetc", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]struct {
		MD5   string `json:"md5"`
		Size  int64  `json:"size"`
		MTime int64  `json:"mtime"`
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	if canonical, _ := json.Marshal(state); !bytes.Equal(canonical, data) {
		t.Errorf("state.json is not json.Marshal's bytes:\n%s\nwant\n%s", data, canonical)
	}
	for rel, w := range state {
		info, err := os.Stat(filepath.Join(out, rel))
		if err != nil || info.Size() != w.Size || info.ModTime().UnixNano() != w.MTime {
			t.Errorf("state.json says %s is %+v: %v", rel, w, err)
		}
	}
	if patched < len(priorEdits)-1 { // "content put back as it was" may change nothing
		t.Fatalf("%d of %d snapshots patched", patched, len(priorEdits))
	}

	changes := []struct {
		name   string
		change func(t *testing.T, out string, m map[string]string)
	}{
		{"an unchanged source edited", func(t *testing.T, out string, m map[string]string) {
			writeSource(t, root, "js/lib.js", "import './util.js';\nexport const x = 42;\n")
		}},
		{"an output the build did not write edited", func(t *testing.T, out string, m map[string]string) {
			os.WriteFile(filepath.Join(out, m["img/twin-b.png"]), []byte("hacked"), 0o644)
		}},
		{"an output the build wrote deleted", func(t *testing.T, out string, m map[string]string) {
			os.Remove(filepath.Join(out, m["css/base.css"]))
		}},
		{"a file added to a source directory", func(t *testing.T, out string, m map[string]string) {
			writeSource(t, root, "img/new.png", "PNG new")
		}},
	}
	for n, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			time.Sleep(core.RacyWindow + 100*time.Millisecond) // the last edits are trusted again
			writeSource(t, root, "img/sprite.png", "PNG sprite "+c.name)
			before := patched
			r, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
			if err != nil || patched != before+1 {
				t.Fatalf("the snapshot under test was not patched (%d): %v", n, err)
			}
			c.change(t, out, r.Manifest)
			rebuildSeesTheChange(t, c.name, cfg, out)
		})
	}
}

// TestSnapshotAfterPriorPlanRemovingAVariant: a build from the record that
// removes an output (the stale gzip variant of a file whose new bytes are
// not worth compressing) records a snapshot that serves nothing stale: the
// next build writes what a cold build writes, and so does the one after
// an output edited since.
func TestSnapshotAfterPriorPlanRemovingAVariant(t *testing.T) {
	tree := maps.Clone(priorTree)
	tree["txt/big.txt"] = strings.Repeat("compress me ", 400)
	root, out := testtree.Write(t, tree), t.TempDir()
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	opts := func(out string) writer.BuildOptions {
		return writer.BuildOptions{OutputDir: out, Compress: compress.Options{Encodings: []string{compress.Gzip}, CacheDir: filepath.Join(out, ".assetc", "compressed")}}
	}
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	if _, err := writer.Build(newProject(t, cfg), opts(out)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "txt/big.txt.gz")); err != nil {
		t.Fatalf("no variant to go stale: %v", err)
	}
	random := make([]byte, 4096)
	rand.NewChaCha8([32]byte{15}).Read(random)
	writeSource(t, root, "txt/big.txt", string(random))
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // trusted: the snapshot under test is the next build's
	r, err := writer.Build(newProject(t, cfg), opts(out))
	if err != nil || !r.FromRecord {
		t.Fatalf("not planned from the record: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "txt/big.txt.gz")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the stale variant is still there: %v", err)
	}
	for _, change := range []func(){
		func() {},
		func() { os.WriteFile(filepath.Join(out, r.Manifest["js/app.js"]), []byte("hacked"), 0o644) },
	} {
		change()
		after, err := writer.Build(newProject(t, cfg), opts(out))
		if err != nil {
			t.Fatal(err)
		}
		fresh := t.TempDir()
		cold, err := writer.Build(newProject(t, cfg), opts(fresh))
		if err != nil {
			t.Fatal(err)
		}
		sameBuild(t, "after a variant removed", after, cold, out, fresh)
	}
}

// TestSourcesPatchedInBuild: a build planned from the record patches
// sources.json from the last one's bytes (core.Plan.SourcesPatch, still
// answered once the writer made the Plan forget its record): an entry of
// a source nothing changed, altered in the last file, is copied as it is
// into the new one, where writing the whole would have encoded it anew.
func TestSourcesPatchedInBuild(t *testing.T) {
	root, out := testtree.Write(t, priorTree), t.TempDir()
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // the tree is trusted
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, ".assetc", "sources.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sources map[string]core.SourceRecord
	if err := json.Unmarshal(data, &sources); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(root, "txt", "readme.txt")
	r, ok := sources[readme]
	if !ok {
		t.Fatalf("no source record of %s in %s", readme, data)
	}
	was := `"size":` + strconv.FormatInt(r.Size, 10) + `,`
	marked := `"size":` + strconv.FormatInt(r.Size+1000, 10) + `,`
	at := bytes.Index(data, []byte(strconv.Quote(readme)+`:{`+was))
	if at < 0 {
		t.Fatalf("the entry of %s is not in its place in %s", readme, data)
	}
	altered := bytes.Replace(data[at:], []byte(was), []byte(marked), 1)
	if err := os.WriteFile(path, append(data[:at:at], altered...), 0o644); err != nil {
		t.Fatal(err)
	}
	writeSource(t, root, "img/sprite.png", "PNG sprite, sources patched")
	result, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil || !result.FromRecord {
		t.Fatalf("the build did not plan from the record (%v)", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(after, []byte(strconv.Quote(readme)+`:{`+marked)) {
		t.Errorf("sources.json was written whole, not patched:\n%s", after)
	}
}
