package core

import (
	"testing"

	"github.com/assetc/assetc/internal/testtree"
)

// TestDroppedEvidenceCountsAsChanged: an entry whose lookup a Plan dropped
// (dropEvidence, for a Project forgotten afterwards) is looked up and read
// again in a later generation, where an entry that kept its lookup is
// reused after a stat; in its own generation it answers without a read.
func TestDroppedEvidenceCountsAsChanged(t *testing.T) {
	root := testtree.Write(t, map[string]string{"img/a.png": "\x89PNG a"})
	for _, drop := range []bool{false, true} {
		p, err := NewProject(OSFileSystem{}, Config{Roots: []Root{{Dir: root}}})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := p.node("img/a.png"); n == nil || err != nil {
			t.Fatal(err)
		}
		if drop {
			p.dropEvidence()
		}
		if n, err := p.node("img/a.png"); n == nil || err != nil || p.ReadCount("img/a.png") != 1 {
			t.Fatalf("drop=%t, same generation: %v, %d reads, want 1", drop, err, p.ReadCount("img/a.png"))
		}
		p.Invalidate()
		want := 1 // reused: the stat shows the file unchanged
		if drop {
			want = 2
		}
		if n, err := p.node("img/a.png"); n == nil || err != nil || p.ReadCount("img/a.png") != want {
			t.Errorf("drop=%t, next generation: %v, %d reads, want %d", drop, err, p.ReadCount("img/a.png"), want)
		}
	}
}
