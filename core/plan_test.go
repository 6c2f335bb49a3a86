package core_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestOutputCollisionIsOneDiagnostic: "a.css" and a committed copy named
// like its hashed copy but with other bytes would both go to one output
// path. The plan says so before anything is written, the same way for any
// number of workers.
func TestOutputCollisionIsOneDiagnostic(t *testing.T) {
	css := "body { color: red }\n"
	hashed := core.HashedName("a.css", core.ContentHash([]byte(css)))
	root := testtree.Write(t, map[string]string{"a.css": css, hashed: "body { color: blue }\n", "b.css": "p{}"})
	for _, workers := range []int{1, 8} {
		out := t.TempDir()
		p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
		result, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Workers: workers})
		if err == nil {
			t.Fatalf("workers=%d: the build succeeded", workers)
		}
		var collisions []core.Diagnostic
		for _, d := range result.Diagnostics {
			if d.Code == core.CodeOutputCollision {
				collisions = append(collisions, d)
			}
		}
		if len(collisions) != 1 {
			t.Fatalf("workers=%d: %d collision diagnostics: %v", workers, len(collisions), result.Diagnostics)
		}
		d := collisions[0]
		if d.LogicalPath != hashed || !strings.Contains(d.Message, "a.css") || !strings.Contains(d.Message, hashed) || !strings.Contains(d.Hint, "delete or rename") {
			t.Errorf("workers=%d: the diagnostic does not name both files and what to do: %+v", workers, d)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("workers=%d: something was written: %v", workers, entries)
		}
	}
}

// TestSameBytesAtOnePathAreOneOutput: a committed copy with the very bytes
// of the hashed copy is no conflict.
func TestSameBytesAtOnePathAreOneOutput(t *testing.T) {
	css := "body { color: red }\n"
	hashed := core.HashedName("a.css", core.ContentHash([]byte(css)))
	root := testtree.Write(t, map[string]string{"a.css": css, hashed: css})
	plan, err := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}).Plan(core.PlanOptions{})
	if err != nil || plan.HasErrors() {
		t.Fatalf("%v %v", err, plan.Diagnostics)
	}
	seen := map[string]bool{}
	for _, f := range plan.Files {
		if seen[f.Path] {
			t.Errorf("%s planned twice", f.Path)
		}
		seen[f.Path] = true
	}
}

// TestPlanIsTheSameForAnyWorkers compares plans of one tree at 1 and 8
// workers, bytes of every file included.
func TestPlanIsTheSameForAnyWorkers(t *testing.T) {
	cfg := exampleConfig(t)
	var plans []*core.Plan
	for _, workers := range []int{1, 8} {
		plan, err := newProject(t, cfg).Plan(core.PlanOptions{Workers: workers})
		if err != nil || plan.HasErrors() {
			t.Fatalf("%v %v", err, plan.Diagnostics)
		}
		plans = append(plans, plan)
	}
	a, b := plans[0], plans[1]
	if !bytes.Equal(a.ManifestJSON, b.ManifestJSON) || !bytes.Equal(a.IntegrityJSON, b.IntegrityJSON) || len(a.Files) != len(b.Files) {
		t.Fatal("the plans differ")
	}
	for i := range a.Files {
		ca, err1 := a.Content(a.Files[i])
		cb, err2 := b.Content(b.Files[i])
		fa, fb := a.Files[i], b.Files[i]
		if fa.Path != fb.Path || fa.MD5 != fb.MD5 || fa.SRI != fb.SRI || fa.Hashed != fb.Hashed || err1 != nil || err2 != nil || !bytes.Equal(ca, cb) {
			t.Errorf("file %d differs: %+v %+v", i, a.Files[i], b.Files[i])
		}
	}
	if err := (&core.IntegrityFile{}).Matches(a.ManifestJSON); err != nil {
		t.Error(err)
	}
}

// TestEngineCallsNoOS: the engine reaches files only through its
// FileSystem; package os appears only in the OS adapter (fs.go and its
// per-platform parts fs_*.go).
func TestEngineCallsNoOS(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	scanFiles, _ := filepath.Glob("scan/*.go")
	for _, name := range append(files, scanFiles...) {
		if strings.HasSuffix(name, "_test.go") || name == "fs.go" || strings.HasPrefix(name, "fs_") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "os" || path == "os/exec" || path == "syscall" || path == "path/filepath" {
				t.Errorf("%s imports %s: the engine reads through its FileSystem and writes nothing (core/writer writes)", name, path)
			}
		}
	}
}

// TestWasmLinksNoWriterNorCodecs: the wasm module computes plans; writing
// and compressing are native only.
func TestWasmLinksNoWriterNorCodecs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	cmd := exec.Command("go", "list", "-deps", "../wasm")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, "github.com/assetc/assetc/core/writer"),
			strings.HasPrefix(dep, "github.com/assetc/assetc/core/compress"),
			strings.HasPrefix(dep, "github.com/andybalholm/brotli"),
			strings.HasPrefix(dep, "github.com/klauspost/compress"):
			t.Errorf("the wasm module links %s", dep)
		}
	}
}

// TestSourceRecordsOnePerSourceSorted: the source records, made from the
// Plan's files when asked for, are one per source read, sorted by host
// path, with the MD5 of the source's bytes (not of a rewritten copy) and
// the SRI value of a file that holds them; a source only rewritten (hashed
// copies only) has its record too, without an SRI value.
func TestSourceRecordsOnePerSourceSorted(t *testing.T) {
	files := map[string]string{"a.css": `p { background: url("img/b.png") }`, "img/b.png": "png", "c.txt": "text", "d/e.js": "let x = 1;\n"}
	root := testtree.Write(t, files)
	for _, hashedOnly := range []bool{false, true} {
		plan, err := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}).Plan(core.PlanOptions{HashedOnly: hashedOnly})
		if err != nil || plan.HasErrors() {
			t.Fatalf("%v %v", err, plan.Diagnostics)
		}
		var paths []string
		for path, r := range plan.SourceRecords() {
			paths = append(paths, path)
			logical, _ := filepath.Rel(root, path)
			sum := md5.Sum([]byte(files[filepath.ToSlash(logical)]))
			if r.MD5 != hex.EncodeToString(sum[:]) || r.Size != int64(len(files[filepath.ToSlash(logical)])) {
				t.Errorf("hashedOnly=%v: %s: %+v is not the source's", hashedOnly, logical, r)
			}
			wantSRI := ""
			for _, f := range plan.Files {
				if f.SourcePath == path && !f.Rewritten {
					wantSRI = f.SRI
				}
			}
			if r.SRI != wantSRI {
				t.Errorf("hashedOnly=%v: %s: SRI %q, want %q", hashedOnly, logical, r.SRI, wantSRI)
			}
		}
		if len(paths) != len(files) || !slices.IsSorted(paths) || len(slices.Compact(slices.Clone(paths))) != len(paths) {
			t.Errorf("hashedOnly=%v: records of %v, want one of each of the %d sources, sorted", hashedOnly, paths, len(files))
		}
		if data, _ := json.Marshal(plan.Sources()); !bytes.Equal(data, plan.SourcesJSON()) || len(plan.Sources()) != len(files) {
			t.Errorf("hashedOnly=%v: Sources and SourcesJSON disagree: %s", hashedOnly, data)
		}
	}
}

// TestSourcesOfCountsWithoutSorting: Plan.SourcesOf, which a writer
// patching sources.json uses instead of sorting every source, gives the
// records SourceRecords gives under the keys asked for and their number in
// all, also where two roots hold one directory (two logical paths, four
// files, one source record) and with hashed copies only; SourcesChanged
// compares with PlanOptions.Known, and with none known says whether there
// are records at all (a tree written within RacyWindow of planning gives
// none).
func TestSourcesOfCountsWithoutSorting(t *testing.T) {
	files := map[string]string{"a.css": `p { background: url("img/b.png") }`, "img/b.png": "png", "c.txt": "text", "d/e.js": "let x = 1;\n"}
	root := testtree.Write(t, files)
	cfg := core.Config{Roots: []core.Root{{Dir: root}, {Prefix: "v", Dir: root}}}
	for _, hashedOnly := range []bool{false, true} {
		plan, err := newProject(t, cfg).Plan(core.PlanOptions{HashedOnly: hashedOnly})
		if err != nil || plan.HasErrors() {
			t.Fatalf("%v %v", err, plan.Diagnostics)
		}
		all := plan.Sources()
		keys := slices.Sorted(maps.Keys(all))
		got, n := plan.SourcesOf(keys)
		if n != len(files) || len(all) != len(files) || !maps.Equal(got, all) {
			t.Errorf("hashedOnly=%v: SourcesOf(all) = %d, %v; want %d, %v", hashedOnly, n, got, len(files), all)
		}
		some := []string{keys[1], filepath.Join(root, "absent.txt")}
		slices.Sort(some)
		got, n = plan.SourcesOf(some)
		if n != len(files) || len(got) != 1 || got[keys[1]] != all[keys[1]] {
			t.Errorf("hashedOnly=%v: SourcesOf(%v) = %d, %v; want %d and the record of %s", hashedOnly, some, n, got, len(files), keys[1])
		}
		if !plan.SourcesChanged() {
			t.Errorf("hashedOnly=%v: records made with none known, and SourcesChanged is false", hashedOnly)
		}
		again, err := newProject(t, cfg).Plan(core.PlanOptions{HashedOnly: hashedOnly, Known: all})
		if err != nil || again.SourcesChanged() {
			t.Errorf("hashedOnly=%v: planned again with its records known: SourcesChanged %v (%v)", hashedOnly, again.SourcesChanged(), err)
		}
		delete(all, keys[0])
		again, err = newProject(t, cfg).Plan(core.PlanOptions{HashedOnly: hashedOnly, Known: all})
		if err != nil || !again.SourcesChanged() {
			t.Errorf("hashedOnly=%v: planned with a record missing from Known: SourcesChanged %v (%v)", hashedOnly, again.SourcesChanged(), err)
		}
	}
	racy, err := newProject(t, cfg).Plan(core.PlanOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, n := racy.SourcesOf(nil); n != 0 || racy.SourcesChanged() {
		t.Errorf("a tree written just now: %d records, SourcesChanged %v; want 0, false", n, racy.SourcesChanged())
	}
}
