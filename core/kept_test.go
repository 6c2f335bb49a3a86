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
			!reflect.DeepEqual(got.Sources(), want.Sources()) || !reflect.DeepEqual(got.ScanCache(), want.ScanCache()) {
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
// since planning fails rather than give bytes the Plan did not name, also
// where the source's identity would vouch for it (the Plans start a minute
// ahead, so readAgain trusts an unchanged identity): the edit's ctime
// tells it apart.
func TestKeptBytesInvalidation(t *testing.T) {
	root := testtree.Write(t, keptTree)
	_, kept := keptPlan(t, root, 1, 0)
	_, made := keptPlan(t, root, 1, 1)
	editSameSize(t, root+"/css/a.css", strings.Replace(keptTree["css/a.css"], ".a ", ".z ", 1))
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

// editSameSize writes content (of the file's size) over a file that a test
// planned as if a minute from now, in a later timestamp tick than its
// creation: the kernel's file clock ticks every few milliseconds, and a
// Plan that really started now would count the file as racy (see Racy)
// and check its bytes instead.
func editSameSize(t *testing.T, path, content string) {
	t.Helper()
	before, err := OSFileSystem{}.Stat(path)
	if err != nil || before.Size != int64(len(content)) {
		t.Fatalf("%s: %v, size %d, want the edit's %d", path, err, before.Size, len(content))
	}
	for i := 0; i < 100; i++ {
		time.Sleep(5 * time.Millisecond)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if after, err := (OSFileSystem{}).Stat(path); err != nil || after.ChangeTime != before.ChangeTime || before.ChangeTime == 0 {
			return
		}
	}
	t.Fatalf("%s: the edit kept the ctime", path)
}

// otherFileSystem is the host's file system under another type: readAgain
// trusts identities only on OSFileSystem itself.
type otherFileSystem struct{ OSFileSystem }

// TestReadAgain: a source read again is proven the bytes planning saw by
// its identity only when that identity can vouch for them (host, ctime and
// inode, not racy when planning started) and the file still has it after
// the read; an edit of the same size, a file renamed over it with the same
// bytes, a racy or unknown start, or another FileSystem leave the bytes to
// be checked (same is false).
func TestReadAgain(t *testing.T) {
	if _, same, _ := readRegularFileAgain(os.Args[0], FileInfo{}, nil); same {
		t.Fatal("an identity of zeros vouched for a file")
	}
	root := testtree.Write(t, map[string]string{"a.css": "a { color: red }\n"})
	path := root + "/a.css"
	planned, err := OSFileSystem{}.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if planned.ChangeTime == 0 || planned.Inode == 0 {
		t.Skip("this host gives no ctime or inode: identities never vouch for bytes here")
	}
	ahead := time.Now().Add(time.Minute) // the file is not racy for a Plan started then
	check := func(what string, fsys FileSystem, started time.Time, wantSame bool, wantData string) {
		t.Helper()
		data, same, release, err := readAgain(fsys, path, planned, started)
		defer release()
		if err != nil || same != wantSame || string(data) != wantData {
			t.Errorf("%s: same=%v %q %v, want same=%v %q", what, same, data, err, wantSame, wantData)
		}
	}
	check("unchanged", OSFileSystem{}, ahead, true, "a { color: red }\n")
	check("no start given", OSFileSystem{}, time.Time{}, false, "a { color: red }\n")
	check("changed within RacyWindow of the start", OSFileSystem{}, time.Now(), false, "a { color: red }\n")
	check("another FileSystem", otherFileSystem{}, ahead, false, "a { color: red }\n")

	editSameSize(t, path, "a { color: tan }\n")
	check("edited, same size", OSFileSystem{}, ahead, false, "a { color: tan }\n")

	if err := os.WriteFile(path, []byte("a { color: red }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if planned, err = (OSFileSystem{}).Stat(path); err != nil {
		t.Fatal(err)
	}
	check("rewritten, then unchanged", OSFileSystem{}, ahead, true, "a { color: red }\n")
	if err := os.WriteFile(root+"/b.css", []byte("a { color: red }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(root+"/b.css", path); err != nil {
		t.Fatal(err)
	}
	check("another file renamed over it, same bytes", OSFileSystem{}, ahead, false, "a { color: red }\n")

	if planned, err = (OSFileSystem{}).Stat(path); err != nil {
		t.Fatal(err)
	}
	check("unchanged again", OSFileSystem{}, ahead, true, "a { color: red }\n")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("b { color: red }\n")
	if cerr := f.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	check("appended to (read whole, not the planned size)", OSFileSystem{}, ahead, false, "a { color: red }\nb { color: red }\n")
}

// TestKeptCopiesOutliveThePool: the rewritten copies a Plan names are
// written into pooled buffers (rewriteWith, settle); those its budget keeps
// are copied out, so later reads into the same buffers (here: another
// Plan's) leave them as planned.
func TestKeptCopiesOutliveThePool(t *testing.T) {
	root := testtree.Write(t, keptTree)
	_, plan := keptPlan(t, root, 1, 1<<30)
	if len(plan.kept.rewritten) == 0 {
		t.Fatal("nothing kept: the test would prove nothing")
	}
	other := map[string]string{"img/a.png": "\x89PNG z", "img/b.png": "\x89PNG y"}
	for i := range 20 {
		other[fmt.Sprintf("css/o%d.css", i)] = strings.Repeat(fmt.Sprintf(".o%d { background: url(../img/a.png) }\n", i), 8)
	}
	keptPlan(t, testtree.Write(t, other), 1, 1<<30)
	for _, f := range plan.Files {
		if !f.Rewritten {
			continue
		}
		data, err := plan.Content(f)
		if err != nil || fmt.Sprintf("%x", md5.Sum(data)) != f.MD5 {
			t.Errorf("%s: %q (%v) is not the planned copy", f.Path, data, err)
		}
	}
}

// TestWithContentGivesBackOnlyItsCopies: WithContent gives back to the
// pooled buffers only the copies it made for the call (a rewritten copy
// made again, a source read): a rewritten copy the budget keeps is passed
// as it is and outlives the call, as do the bytes Content returned, though
// later calls write their copies into the buffers given back.
func TestWithContentGivesBackOnlyItsCopies(t *testing.T) {
	root := testtree.Write(t, keptTree)
	planned := func(plan *Plan, f PlanFile, data []byte) bool {
		return fmt.Sprintf("%x", md5.Sum(data)) == f.MD5
	}
	for _, kept := range []int64{1 << 30, 1} {
		_, plan := keptPlan(t, root, 1, kept)
		if kept > 1 && len(plan.kept.rewritten) == 0 {
			t.Fatal("nothing kept: the test would prove nothing")
		}
		held := map[string][]byte{} // what each file's bytes were during its call
		owned := map[string][]byte{}
		for _, f := range plan.Files {
			data, err := plan.Content(f)
			if err != nil {
				t.Fatal(err)
			}
			owned[f.Path] = data
		}
		rounds := 0
		for range 3 { // the buffers given back are reused by the next calls
			for _, f := range plan.Files {
				err := plan.WithContent(f, func(data []byte) error {
					if !planned(plan, f, data) {
						t.Errorf("kept=%d: %s: %q during the call is not the planned content", kept, f.Path, data)
					}
					held[f.Path] = data
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				scribbleOverSourceBuffers()
				rounds++
			}
		}
		for _, f := range plan.Files {
			if !planned(plan, f, owned[f.Path]) {
				t.Errorf("kept=%d: %s: the bytes Content returned were overwritten: %q", kept, f.Path, owned[f.Path])
			}
			if keptCopy := plan.kept.rewrittenOf(f.LogicalPath); f.Hashed && keptCopy != nil {
				if &held[f.Path][0] != &keptCopy[0] {
					t.Errorf("kept=%d: %s: WithContent passed another copy than the kept one", kept, f.Path)
				}
				if !planned(plan, f, keptCopy) {
					t.Errorf("kept=%d: %s: the kept copy was given back and overwritten: %q", kept, f.Path, keptCopy)
				}
			}
		}
		if rounds == 0 {
			t.Fatal("no file: the test would prove nothing")
		}
	}
}

// scribbleOverSourceBuffers overwrites every buffer in sourceBuffers, as a
// later read into it would, so that bytes wrongly given back change.
func scribbleOverSourceBuffers() {
	var taken []*[]byte
	for range 1000 {
		buf, _ := sourceBuffers.Get().(*[]byte)
		if buf == nil {
			break
		}
		full := (*buf)[:cap(*buf)]
		for i := range full {
			full[i] = 'X'
		}
		taken = append(taken, buf)
	}
	for _, buf := range taken {
		sourceBuffers.Put(buf)
	}
}
