package core

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/internal/testtree"
)

// keptTree has every kind of rewritten file: plain references, an @import
// chain, a reference cycle, a directory reference, an allowed missing
// reference (left as written) and a JS source map.
var keptTree = map[string]string{
	"img/a.png":     "\x89PNG a",
	"img/b.png":     "\x89PNG b",
	"css/a.css":     "@import \"b.css\";\n.a { background: url('../img/a.png') }\n",
	"css/b.css":     ".b { background: url(../img/b.png) } .d { background: url(../img/) }\n",
	"css/c1.css":    "@import \"c2.css\";\n.c1 { background: url(../img/a.png) }\n",
	"css/c2.css":    "@import \"c1.css\";\n.c2 { background: url(../img/b.png) }\n",
	"css/warn.css":  ".w { background: url(gone.png) } .x { background: url(../img/a.png) }\n",
	"css/plain.css": "p { color: red }\n",
	"js/app.js":     "console.log(1)\n//# sourceMappingURL=app.js.map\n",
	"js/app.js.map": "{}",
}

func keptPlan(t *testing.T, root string, workers int, kept int64) (*Project, *Plan) {
	t.Helper()
	p, err := NewProject(OSFileSystem{}, Config{Roots: []Root{{Dir: root}}, AllowMissing: []string{"css/gone.png"}})
	if err != nil {
		t.Fatal(err)
	}
	// Planned as if a minute from now: the files just written are not
	// racy, so the scan cache records them too.
	plan, err := p.Plan(PlanOptions{Workers: workers, KeptBytes: kept, Now: time.Now().Add(time.Minute)})
	if err != nil || plan.HasErrors() {
		t.Fatalf("%v %v", err, plan.Diagnostics)
	}
	return p, plan
}

// TestKeptBytesChangeNothing: a Plan whose budget keeps no byte (every
// rewritten copy made again when asked, every source read again when
// named) is the Plan of the default budget, every content byte for byte,
// for any number of workers; so is what a Project that made it answers.
func TestKeptBytesChangeNothing(t *testing.T) {
	root := testtree.Write(t, keptTree)
	_, want := keptPlan(t, root, 1, 0)
	if used, _ := want.kept.inUse(); used == 0 {
		t.Fatal("the default budget kept nothing: the comparison would prove nothing")
	}
	for _, workers := range []int{1, 4} {
		p, got := keptPlan(t, root, workers, 1)
		if _, peak := got.kept.inUse(); peak != 0 || len(got.kept.rewritten) != 0 {
			t.Fatalf("workers=%d: a 1-byte budget kept %d bytes", workers, peak)
		}
		if !bytes.Equal(got.ManifestJSON, want.ManifestJSON) || !bytes.Equal(got.IntegrityJSON, want.IntegrityJSON) ||
			!reflect.DeepEqual(got.Sources, want.Sources) || !reflect.DeepEqual(got.ScanCache(), want.ScanCache()) {
			t.Fatalf("workers=%d: the plans differ", workers)
		}
		if len(got.Files) != len(want.Files) || got.Rewritten != want.Rewritten || got.Rewritten < 6 {
			t.Fatalf("workers=%d: %d files (%d rewritten), want %d (%d)", workers, len(got.Files), got.Rewritten, len(want.Files), want.Rewritten)
		}
		for i, f := range got.Files {
			w := want.Files[i]
			a, err1 := got.Content(f)
			b, err2 := want.Content(w)
			if f.Path != w.Path || f.MD5 != w.MD5 || f.SRI != w.SRI || f.Size != w.Size || f.Rewritten != w.Rewritten || err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("workers=%d: %s differs: %+v %+v (%v %v)", workers, f.Path, f, w, err1, err2)
			}
			if f.Hashed && f.Path != f.LogicalPath {
				asset, err := p.Asset(f.LogicalPath)
				if want := b; !f.Rewritten {
					want = nil
				} else if err != nil || !bytes.Equal(asset.Content, want) {
					t.Errorf("workers=%d: the Project serves other bytes for %s: %v", workers, f.LogicalPath, err)
				}
			}
		}
	}
}

// TestKeptBytesBound: the budget bounds the bytes a Plan holds at any time
// (sources being named and rewritten copies), and what fits is kept.
func TestKeptBytesBound(t *testing.T) {
	root := testtree.Write(t, keptTree)
	_, all := keptPlan(t, root, 1, 1<<30)
	total, _ := all.kept.inUse()
	limit := total / 2
	for _, workers := range []int{1, 4} {
		_, plan := keptPlan(t, root, workers, limit)
		used, peak := plan.kept.inUse()
		if peak > limit || used > limit {
			t.Errorf("workers=%d: held %d bytes at most, %d at the end, over the budget of %d", workers, peak, used, limit)
		}
		if used == 0 || len(plan.kept.rewritten) == 0 || len(plan.kept.rewritten) == len(all.kept.rewritten) {
			t.Errorf("workers=%d: kept %d of %d copies in %d bytes: the budget should keep some and not all", workers, len(plan.kept.rewritten), len(all.kept.rewritten), used)
		}
	}
}

// TestKeptBytesInvalidation: a kept copy is the planned bytes whatever
// happens to its source afterwards; a copy made again from a source edited
// since planning fails rather than give bytes the Plan did not name.
func TestKeptBytesInvalidation(t *testing.T) {
	root := testtree.Write(t, keptTree)
	_, kept := keptPlan(t, root, 1, 0)
	_, made := keptPlan(t, root, 1, 1)
	edited := strings.Replace(keptTree["css/a.css"], ".a ", ".z ", 1) // same size
	if err := os.WriteFile(root+"/css/a.css", []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	hashedCopy := func(plan *Plan) PlanFile {
		for _, f := range plan.Files {
			if f.LogicalPath == "css/a.css" && f.Rewritten {
				return f
			}
		}
		t.Fatal("no rewritten copy of css/a.css")
		return PlanFile{}
	}
	if data, err := kept.Content(hashedCopy(kept)); err != nil || fmt.Sprintf("%x", md5.Sum(data)) != hashedCopy(kept).MD5 {
		t.Errorf("the kept copy: %v", err)
	}
	if _, err := made.Content(hashedCopy(made)); err == nil || !strings.Contains(err.Error(), "changed during the build") {
		t.Errorf("a copy made from an edited source: %v, want a failure saying it changed", err)
	}
}

// TestForgetCaches: a Plan that empties the Project's caches still gives
// every content, and the Project answers afterwards as before.
func TestForgetCaches(t *testing.T) {
	root := testtree.Write(t, keptTree)
	p, err := NewProject(OSFileSystem{}, Config{Roots: []Root{{Dir: root}}, AllowMissing: []string{"css/gone.png"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := p.Plan(PlanOptions{KeptBytes: 1, ForgetCaches: true})
	if err != nil || plan.HasErrors() {
		t.Fatalf("%v %v", err, plan.Diagnostics)
	}
	if n := p.CachedPaths(); n != 0 {
		t.Errorf("%d paths still cached", n)
	}
	_, want := keptPlan(t, root, 1, 0)
	for i, f := range plan.Files {
		got, err := plan.Content(f)
		w, _ := want.Content(want.Files[i])
		if err != nil || !bytes.Equal(got, w) {
			t.Errorf("%s: %v", f.Path, err)
		}
	}
	if asset, err := p.Asset("css/a.css"); err != nil || asset.HashedName != plan.Manifest["css/a.css"] {
		t.Errorf("the Project after forgetting: %+v %v", asset, err)
	}
}
