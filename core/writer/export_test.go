package writer

import (
	"bytes"
	"os"
	"path/filepath"
	"sync/atomic"
)

// KillAt returns options whose Write stops, as a kill would (no clean-up),
// the n-th time it reaches a step: "write", "compress", "integrity",
// "record", "manifest", "state", "snapshot" or "pending".
func KillAt(o Options, step string, n int) Options {
	var count atomic.Int64
	o.step = func(s string) error {
		if s == step && count.Add(1) == int64(n) {
			return errKilled
		}
		return nil
	}
	return o
}

// KillBuildAt is KillAt for the Write of a Build.
func KillBuildAt(o BuildOptions, step string, n int) BuildOptions {
	o.step = KillAt(Options{}, step, n).step
	return o
}

// IsKilled reports whether a Write was stopped by KillAt.
func IsKilled(err error) bool { return killed(err) }

// SnapshotEntries is the number of paths the snapshot in dir checks.
func SnapshotEntries(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateDir, snapshotFile))
	if err != nil {
		return 0, err
	}
	s, err := decodeSnapshot(data)
	if err != nil {
		return 0, err
	}
	return len(s.entries), nil
}

// PriorPlans is the number of builds so far that planned from the last
// build's core.PlanRecord (only sources changed).
func PriorPlans() int64 { return priorPlans.Load() }

// RecordFiles is the number of files in the PlanRecord the snapshot in dir
// names.
func RecordFiles(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateDir, recordFile))
	if err != nil {
		return 0, err
	}
	r, err := decodeRecord(data)
	if err != nil || r == nil {
		return 0, err
	}
	return len(r.record.Files), nil
}

// BeforeStep returns build options whose Write calls fn just before it
// reaches a step (see KillAt for the steps).
func BeforeStep(o BuildOptions, step string, fn func()) BuildOptions {
	o.step = func(s string) error {
		if s == step {
			fn()
		}
		return nil
	}
	return o
}

// SnapshotEntry is one entry of a snapshot as the check reads it.
type SnapshotEntry struct {
	Own, Source, Distrust, OutputDir bool
	ID                               fileID
}

// decodedEntries encodes s and decodes it again: its entries by path.
func decodedEntries(s *snapshot) map[string]SnapshotEntry {
	var buf bytes.Buffer
	encodeSnapshot(s, &buf)
	d, err := decodeSnapshot(buf.Bytes())
	if err != nil {
		panic(err)
	}
	m := make(map[string]SnapshotEntry, len(d.entries))
	for _, e := range d.entries {
		m[e.path] = SnapshotEntry{e.own, e.source, e.distrust, e.outputDir, e.id}
	}
	return m
}

// OnPatchedSnapshot calls f with every snapshot patchSnapshot makes and
// the one makeSnapshot gathers after the same build, until restore.
func OnPatchedSnapshot(f func(patched, gathered map[string]SnapshotEntry, gatheredOK bool)) (restore func()) {
	comparePatched = func(patched, gathered *snapshot, ok bool) {
		var g map[string]SnapshotEntry
		if ok {
			g = decodedEntries(gathered)
		}
		f(decodedEntries(patched), g, ok)
	}
	return func() { comparePatched = nil }
}

// IdentityNow is an output path's identity as the check would see it.
func IdentityNow(path string) SnapshotEntry {
	id, _ := statOne(snapshotEntry{path: path, own: true})
	return SnapshotEntry{ID: id}
}
