package writer_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestScanCacheRoundTrip: a build records the scan cache in the output's
// state; the next build names the stylesheet from it without reading it,
// and when the rewritten copy is missing from the output, makes its bytes
// again (the same bytes).
func TestScanCacheRoundTrip(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"css/a.css": `a{background:url("../img/a.svg")}`,
		"img/a.svg": "<svg>a</svg>",
	})
	// Older than the racy window, or nothing is recorded.
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	first, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, ".assetc", "scans.gob")); err != nil {
		t.Fatalf("no scan cache recorded: %v", err)
	}
	hashed := filepath.Join(out, first.Manifest["css/a.css"])
	want, err := os.ReadFile(hashed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(hashed); err != nil {
		t.Fatal(err)
	}
	second, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(hashed)
	if err != nil || string(got) != string(want) || second.Written != 1 || second.Manifest["css/a.css"] != first.Manifest["css/a.css"] {
		t.Fatalf("rebuilt %q (%v), written %d; want %q, 1", got, err, second.Written, want)
	}
	if string(want) == `a{background:url("../img/a.svg")}` {
		t.Fatal("the copy was not rewritten: the test proves nothing")
	}
}
