package core_test

import (
	"reflect"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

// TestRecordFilesAreRecord: the files RecordFiles makes one at a time are
// Record's, in order, with the SRI values of the sources and of the
// rewritten copies filled in; Record is made anew on each call (changing
// its files leaves the next answer's as they were; their Targets are
// shared), and a forgotten record is gone.
func TestRecordFilesAreRecord(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"css/a.css": `@import "b.css"; .a{background:url(../img/x.png)}`, "css/b.css": `.b{background:url(../img/x.png)}`,
		"img/x.png": "png", "js/m.js": "import './n.js';\n", "js/n.js": "export const n = 1;\n",
	})
	for _, hashedOnly := range []bool{false, true} {
		plan, err := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}).Plan(core.PlanOptions{Record: true, HashedOnly: hashedOnly})
		if err != nil || plan.HasErrors() {
			t.Fatalf("%v %v", err, plan.Diagnostics)
		}
		want := plan.Record()
		head, n, files := plan.RecordFiles()
		var got []core.PriorFile
		for f := range files {
			got = append(got, *f)
		}
		if n != len(got) || !reflect.DeepEqual(got, want.Files) || head.Files != nil || !reflect.DeepEqual(head.Inputs, want.Inputs) {
			t.Fatalf("hashedOnly=%v: RecordFiles gave %d files:\n%+v\nwant\n%+v", hashedOnly, n, got, want.Files)
		}
		rewritten := 0
		for _, f := range got {
			if f.SRI == "" && !hashedOnly || f.Rewritten && f.RewrittenSRI == "" {
				t.Errorf("hashedOnly=%v: %s has no SRI value: %+v", hashedOnly, f.Source.LogicalPath, f)
			}
			if f.Rewritten {
				rewritten++
			}
		}
		if rewritten != 2 { // a.css, b.css (m.js is a script, not a module: not rewritten)
			t.Errorf("hashedOnly=%v: %d rewritten files recorded, want 2", hashedOnly, rewritten)
		}
		want.Files[0].HashedName = "changed"
		if again := plan.Record(); again.Files[0].HashedName == "changed" {
			t.Error("Record shares its files with an earlier answer")
		}
		plan.ForgetRecord()
		if plan.Record() != nil {
			t.Error("a forgotten record is still there")
		}
	}
}
