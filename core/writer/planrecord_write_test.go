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

// TestUnwritableRecordIsNotNamed: a build whose record cannot be written
// (writeRecord, before the files; here a directory takes its temporary
// name) records a snapshot that names no record, neither its own nor the
// last build's: planning from the older record would trust what it says
// of a source this build saw changed. The next build after another edit
// plans without a record and writes what a cold build writes.
func TestUnwritableRecordIsNotNamed(t *testing.T) {
	root := testtree.Write(t, priorTree)
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // else no snapshot: the directories are new
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(out, ".assetc", "record.bin.assetc-tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeSource(t, root, "img/sprite.png", "PNG sprite, edited")
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // the edit is trusted by the next snapshot
	second, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil || !second.FromRecord {
		t.Fatalf("the build after one edit: %v, planned from the record: %v", err, second != nil && second.FromRecord)
	}
	writeSource(t, root, "img/logo.svg", "<svg>logo, edited</svg>")
	third, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if third.FromRecord {
		t.Error("the build planned from a record the last snapshot does not name")
	}
	fresh := t.TempDir()
	cold, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: fresh})
	if err != nil {
		t.Fatal(err)
	}
	sameBuild(t, "after an unwritable record", third, cold, out, fresh)
}

// TestRecordsBeforeTheFiles: a build's record and scan cache are written
// before its files (so that the Plan need not hold them through the
// write): a build killed at its first file leaves both, no snapshot names
// the record, and the next build writes what a cold build writes.
func TestRecordsBeforeTheFiles(t *testing.T) {
	root := testtree.Write(t, priorTree)
	time.Sleep(core.RacyWindow + 100*time.Millisecond) // else nothing is recorded: the files are new
	cfg := core.Config{Roots: []core.Root{{Dir: root}}}
	out := t.TempDir()
	_, err := writer.Build(newProject(t, cfg), writer.KillBuildAt(writer.BuildOptions{OutputDir: out}, "write", 1))
	if !writer.IsKilled(err) {
		t.Fatalf("the build was not killed: %v", err)
	}
	for _, name := range []string{"record.bin", "scans.gob"} {
		if info, err := os.Stat(filepath.Join(out, ".assetc", name)); err != nil || info.Size() == 0 {
			t.Errorf("%s was not written before the files: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ".assetc", "snapshot.bin")); err == nil {
		t.Error("a killed build left a snapshot")
	}
	again, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	cold, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: fresh})
	if err != nil {
		t.Fatal(err)
	}
	sameBuild(t, "after a build killed at its first file", again, cold, out, fresh)
}
