package core

import (
	"crypto/md5"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/assetc/assetc/internal/testtree"
)

// TestForgetCachesRecordsAsKept: a Plan of a Project forgotten after it
// (ForgetCaches) drops each path's node and name as its loop takes the
// file's PlanFiles (dropPath), so its record, its sources (those of the
// files only rewritten among them, with hashed copies only) and its scan
// cache are made in that loop; they must be those of a Plan that keeps
// the caches, with and without the unhashed copies, and with a file whose
// bytes another file's hashed copy has at its path (one output:
// dedupeOutputs drops one).
func TestForgetCachesRecordsAsKept(t *testing.T) {
	plain := "p { color: red }\n"
	sum := md5.Sum([]byte(plain))
	tree := map[string]string{
		"img/a.png":     "\x89PNG a",
		"img/b.png":     "\x89PNG b",
		"css/a.css":     "@import \"b.css\";\n.a { background: url('../img/a.png') }\n",
		"css/b.css":     ".b { background: url(../img/b.png) }\n",
		"css/c1.css":    "@import \"c2.css\";\n.c1 { background: url(../img/a.png) }\n",
		"css/c2.css":    "@import \"c1.css\";\n.c2 { background: url(../img/b.png) }\n",
		"css/plain.css": plain,
		HashedName("css/plain.css", hex.EncodeToString(sum[:6])): plain,
		"js/app.js":     "console.log(1)\n//# sourceMappingURL=app.js.map\n",
		"js/app.js.map": "{}",
	}
	root := testtree.Write(t, tree)
	now := time.Now().Add(time.Minute) // the files just written are not racy
	for _, hashedOnly := range []bool{false, true} {
		plans := make([]*Plan, 2)
		for i, forget := range []bool{false, true} {
			p, err := NewProject(OSFileSystem{}, Config{Roots: []Root{{Dir: root}}})
			if err != nil {
				t.Fatal(err)
			}
			plans[i], err = p.Plan(PlanOptions{HashedOnly: hashedOnly, Record: true, Now: now, ForgetCaches: forget})
			if err != nil || len(plans[i].Diagnostics) > 0 {
				t.Fatalf("hashed only %v, forget %v: %v %v", hashedOnly, forget, err, plans[i].Diagnostics)
			}
			if n := p.CachedPaths(); forget && n != 0 {
				t.Errorf("hashed only %v: %d paths still cached", hashedOnly, n)
			}
		}
		kept, forgot := plans[0], plans[1]
		if kept.Record() == nil || !reflect.DeepEqual(kept.Record(), forgot.Record()) {
			t.Errorf("hashed only %v: the record\n%+v\nwant\n%+v", hashedOnly, forgot.Record(), kept.Record())
		}
		if !reflect.DeepEqual(kept.Sources(), forgot.Sources()) || len(kept.Sources()) != len(tree) {
			t.Errorf("hashed only %v: the sources\n%v\nwant (%d)\n%v", hashedOnly, forgot.Sources(), len(tree), kept.Sources())
		}
		if len(kept.scans) == 0 || !reflect.DeepEqual(kept.scans, forgot.scans) {
			t.Errorf("hashed only %v: the scan cache\n%v\nwant\n%v", hashedOnly, forgot.scans, kept.scans)
		}
		if !reflect.DeepEqual(kept.Manifest, forgot.Manifest) || string(kept.IntegrityJSON) != string(forgot.IntegrityJSON) {
			t.Errorf("hashed only %v: the manifest or sidecar differ", hashedOnly)
		}
	}
}
