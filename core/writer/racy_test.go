package writer_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestRacySameSizeEditIsSeen edits a file to the same size within one
// mtime tick of the build that read it (simulated by restoring its mtime):
// size and mtime say "unchanged", and the next build must still see the
// new bytes. A file older than core.RacyWindow is recorded and trusted, so
// a no-change rebuild does not read it.
func TestRacySameSizeEditIsSeen(t *testing.T) {
	root := testtree.Write(t, map[string]string{"img/old.svg": "<svg>old</svg>"})
	hourAgo := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(root, "img/old.svg"), hourAgo, hourAgo)
	// Its ctime (which Chtimes sets to now) must leave the window too.
	time.Sleep(core.RacyWindow + 100*time.Millisecond)
	if err := os.WriteFile(filepath.Join(root, "img/a.svg"), []byte("<svg>one</svg>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	first, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	var sources map[string]core.SourceRecord
	data, _ := os.ReadFile(filepath.Join(out, ".assetc", "sources.json"))
	json.Unmarshal(data, &sources)
	if _, ok := sources[root+"/img/old.svg"]; !ok {
		t.Errorf("a file older than the racy window was not recorded: %v", sources)
	}
	if _, ok := sources[root+"/img/a.svg"]; ok {
		t.Errorf("a file modified just before the build was recorded: it would be trusted next time")
	}

	path := filepath.Join(root, "img/a.svg")
	info, _ := os.Stat(path)
	if err := os.WriteFile(path, []byte("<svg>two</svg>"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, info.ModTime(), info.ModTime()) // the same tick
	second, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if second.Manifest["img/a.svg"] == first.Manifest["img/a.svg"] {
		t.Fatalf("the same-size edit within one mtime tick was missed: still %s", second.Manifest["img/a.svg"])
	}
	got, _ := os.ReadFile(filepath.Join(out, second.Manifest["img/a.svg"]))
	if string(got) != "<svg>two</svg>" {
		t.Errorf("the hashed copy holds %q", got)
	}
}
