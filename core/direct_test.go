package core_test

import (
	"errors"
	"os"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

// TestDirectLookupIsPerGeneration: a Plan's lookups trust its walk that a
// file is reached without a symbolic link (and skip resolving its real
// path), but only until Invalidate: a directory swapped for a link out of
// the root afterwards is refused like any escaping link.
func TestDirectLookupIsPerGeneration(t *testing.T) {
	root := testtree.Write(t, map[string]string{"css/a.css": "a{}"})
	outside := testtree.Write(t, map[string]string{"a.css": "b{}"})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	plan, err := p.Plan(core.PlanOptions{})
	if err != nil || plan.HasErrors() {
		t.Fatalf("plan: %v %v", err, plan.Diagnostics)
	}
	if err := os.RemoveAll(root + "/css"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, root+"/css"); err != nil {
		t.Fatal(err)
	}
	p.Invalidate()
	_, err = p.Find("css/a.css")
	var de *core.DiagnosticsError
	if !errors.As(err, &de) || de.Diagnostics[0].Code != core.CodeSymlinkLeavesRoot {
		t.Fatalf("a file reached through a link out of the root after Invalidate was not refused: %v", err)
	}
}
