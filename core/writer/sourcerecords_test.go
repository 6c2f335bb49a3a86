package writer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// TestSourceRecordsOfAKilledBuildAreTrue: the source records and the scan
// cache are written while the files are (writeSourceRecords), so a build
// killed during its write has already replaced them. They describe the
// sources, not the output: after a source changes, the next build writes
// exactly what a build into a new directory does.
func TestSourceRecordsOfAKilledBuildAreTrue(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"css/a.css": `body { background: url(../img/x.png) }`,
		"img/x.png": "one",
		"js/b.js":   `import "./c.js";`,
		"js/c.js":   `export const c = 1;`,
	})
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // or no source is recorded (racy)
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	_, err := writer.Build(newProject(t, cfg), writer.KillBuildAt(writer.BuildOptions{OutputDir: out}, "write", 1))
	if !writer.IsKilled(err) {
		t.Fatalf("the build was not killed: %v", err)
	}
	for _, name := range []string{"sources.json", "scans.gob"} {
		if _, err := os.Stat(filepath.Join(out, ".assetc", name)); err != nil {
			t.Errorf("a build killed during its write left no %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, core.ManifestName)); err == nil {
		t.Fatal("the killed build committed")
	}

	if err := os.WriteFile(filepath.Join(root, "img/x.png"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(root, "img/x.png"), old, old) // an mtime that lies, the size unchanged: the ctime tells
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: fresh}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{core.ManifestName, core.IntegrityName} {
		got, _ := os.ReadFile(filepath.Join(out, name))
		want, _ := os.ReadFile(filepath.Join(fresh, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s after the killed build:\n%s\nwant (a build into a new directory):\n%s", name, got, want)
		}
	}
}
