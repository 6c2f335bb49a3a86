package core

import (
	"bytes"
	"testing"

	"github.com/assetc/assetc/internal/testtree"
)

// TestForgetKeptBytes: a Plan that drops the rewritten copies its budget
// kept holds none afterwards and still gives every content byte for byte.
func TestForgetKeptBytes(t *testing.T) {
	root := testtree.Write(t, keptTree)
	_, want := keptPlan(t, root, 1, 0)
	_, plan := keptPlan(t, root, 1, 0)
	if used, _ := plan.kept.inUse(); used == 0 || len(plan.kept.rewritten) == 0 {
		t.Fatal("the default budget kept nothing: forgetting would prove nothing")
	}
	plan.ForgetKeptBytes()
	if used, _ := plan.kept.inUse(); used != 0 || len(plan.kept.rewritten) != 0 {
		t.Fatalf("after ForgetKeptBytes: %d bytes, %d copies kept", used, len(plan.kept.rewritten))
	}
	for i, f := range plan.Files {
		got, err := plan.Content(f)
		w, _ := want.Content(want.Files[i])
		if err != nil || !bytes.Equal(got, w) {
			t.Errorf("%s: %v", f.Path, err)
		}
	}
}
