package writer

import (
	"bufio"
	"crypto/md5"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// pendingFile lists what a running build creates; it exists from before the
// first file is written until the build has committed.
const pendingFile = "pending.json"

// pendingRecord is the content of pendingFile.
type pendingRecord struct {
	// Manifest is the MD5 of the staticfiles.json the build commits: when
	// the live manifest has it, the build got past its commit point.
	Manifest string `json:"manifest"`
	// Record is the name of the build record written just before the commit.
	Record string `json:"record"`
	// Paths are the output paths the build may create that did not exist.
	Paths []string `json:"paths"`
}

// buildRecord lists the hashed files one build wrote, so a later clean can
// keep the files of the last few builds.
type buildRecord struct {
	Time  string   `json:"time"`
	Files []string `json:"files"`
	// Compressed names the compression cache entries the build used, so a
	// clean keeps those of the builds it keeps.
	Compressed []string `json:"compressed,omitempty"`
}

// writeBuildRecord writes json.Marshal(buildRecord{Time, Files: files,
// Compressed}), byte for byte, a file name at a time: at 100,000 files the
// list of hashed names (~4 MB) was collected and marshalled whole after
// every build, however few of them changed (TestBuildRecordEncoding).
func writeBuildRecord(w io.Writer, when string, files iter.Seq[string], compressed []string) error {
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, `{"time":`...)
	buf = appendJSONString(buf, when)
	buf = append(buf, `,"files":`...)
	list := func(names iter.Seq[string]) error {
		opened := false
		for name := range names {
			if opened {
				buf = append(buf, ',')
			} else {
				buf = append(buf, '[')
			}
			opened = true
			buf = appendJSONString(buf, name)
			if len(buf) >= 60<<10 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		if !opened {
			buf = append(buf, "null"...) // a nil slice, as json.Marshal writes it
		} else {
			buf = append(buf, ']')
		}
		return nil
	}
	if err := list(files); err != nil {
		return err
	}
	if len(compressed) > 0 { // omitempty
		buf = append(buf, `,"compressed":`...)
		if err := list(slices.Values(compressed)); err != nil {
			return err
		}
	}
	_, err := w.Write(append(buf, '}'))
	return err
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// startPending records the paths this build will create before it creates
// any, so that whatever stops it (an error, a full disk, a kill), its files
// can be told from the previous build's and removed.
func (o *output) startPending(plan *core.Plan, comp compress.Options, difference []int) (pendingRecord, error) {
	p := pendingRecord{Manifest: md5Hex(plan.ManifestJSON), Record: fmt.Sprintf("%d.json", time.Now().UnixNano())}
	// A path in a directory that does not exist is new without a look of
	// its own: a build into an empty output costs a stat per directory,
	// not per file.
	missingDirs := map[string]bool{}
	var dirMissing func(dir string) bool
	dirMissing = func(dir string) bool {
		if dir == "." {
			return false
		}
		missing, seen := missingDirs[dir]
		if !seen {
			missing = dirMissing(path.Dir(dir))
			if !missing {
				_, err := os.Lstat(o.path(dir))
				missing = errors.Is(err, fs.ErrNotExist)
			}
			missingDirs[dir] = missing
		}
		return missing
	}
	isNew := func(rel string) bool {
		if _, known := o.state.get(rel); known {
			return false
		}
		if dirMissing(path.Dir(rel)) {
			return true
		}
		_, err := os.Lstat(o.path(rel))
		return errors.Is(err, fs.ErrNotExist)
	}
	// difference, when not nil, lists the only files whose paths may be
	// new (Write's): every other file is at a path the last build wrote.
	for _, n := range difference {
		if f := plan.Files[n]; isNew(f.Path) {
			p.Paths = append(p.Paths, f.Path)
		}
	}
	for _, f := range plan.Files {
		if difference == nil && isNew(f.Path) {
			p.Paths = append(p.Paths, f.Path)
		}
		if len(comp.Encodings) == 0 && difference != nil {
			break
		}
		if comp.Skips(f.Path) {
			continue
		}
		for _, e := range comp.Encodings {
			if v := f.Path + compress.Suffix(e); isNew(v) {
				p.Paths = append(p.Paths, v)
			}
		}
	}
	// Sorted, so that o.isFresh is a binary search: at 100,000 files a set
	// of them was 10 MB held through the write.
	sort.Strings(p.Paths)
	o.fresh = p.Paths
	return p, writeFileStream(o.statePath(pendingFile), p.encode)
}

// encode writes the record as json.Marshal does, a path at a time: at
// 100,000 files Marshal's buffer of every path (grown by doubling, then
// copied) was a ~20 MB transient at the start of the write.
func (p pendingRecord) encode(w io.Writer) error {
	buf := []byte(`{"manifest":`)
	buf = appendJSONString(buf, p.Manifest)
	buf = append(buf, `,"record":`...)
	buf = appendJSONString(buf, p.Record)
	buf = append(buf, `,"paths":`...)
	if p.Paths == nil {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, '[')
		for i, path := range p.Paths {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, path)
			if len(buf) >= 32<<10 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, ']')
	}
	buf = append(buf, '}')
	_, err := w.Write(buf)
	return err
}

// commit switches the output to the new build: the integrity sidecar, the
// build record, then staticfiles.json, the one commit point (Django and
// every reader trust the manifest; the sidecar names the manifest's MD5, so
// a sidecar whose manifest never arrived is recognised, see ReadIntegrity).
// The state written after it only saves work for the next build.
//
// snapshot records the snapshot for the next build (see snapshotFile) while
// the pending record still exists: a build killed while writing it is
// recovered like any other (its temporary removed).
//
// release drops the Plan's ManifestJSON and IntegrityJSON once written, and
// its kept rewritten copies, for a Plan nothing reads after the write
// (Build's): at 100,000 files they are 17.5 and ~9 MB the records and the
// snapshot would be written beside.
func (o *output) commit(plan *core.Plan, pending pendingRecord, compressed []string, step func(string) error, snapshot func(), sources *sourceRecords, release bool) error {
	if err := step("integrity"); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(o.dir, core.IntegrityName), plan.IntegrityJSON); err != nil {
		return err
	}
	if err := step("record"); err != nil {
		return err
	}
	hashed := func(yield func(string) bool) {
		for i := range plan.Files {
			if f := &plan.Files[i]; f.Hashed && !yield(f.Path) {
				return
			}
		}
	}
	if err := os.MkdirAll(o.statePath("builds"), 0o755); err != nil {
		return err
	}
	if err := writeFileStream(filepath.Join(o.dir, stateDir, "builds", pending.Record), func(w io.Writer) error {
		return writeBuildRecord(w, time.Now().UTC().Format(time.RFC3339Nano), hashed, compressed)
	}); err != nil {
		return err
	}
	if err := step("manifest"); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(o.dir, core.ManifestName), plan.ManifestJSON); err != nil {
		return err
	}
	if release {
		plan.ManifestJSON, plan.IntegrityJSON = nil, nil
		plan.ForgetKeptBytes() // every file is written and compressed
	}
	if err := step("state"); err != nil {
		return errCommitted{err}
	}
	// The state and the snapshot are independent files that only the
	// next build reads, and only once the pending record is gone: they are
	// written at the same time (the snapshot's stats and encoding took as
	// long as the records, each on one core). The source records were
	// written with the files (writeSourceRecords).
	records := make(chan error, 1)
	go func() { records <- o.saveState() }()
	err := step("snapshot")
	if err == nil {
		snapshot()
	}
	if recordsErr := <-records; err == nil {
		err = recordsErr
	}
	if sourcesErr := sources.wait(); err == nil {
		err = sourcesErr
	}
	if err != nil {
		return errCommitted{err}
	}
	if err := step("pending"); err != nil {
		return errCommitted{err}
	}
	if err := os.Remove(o.statePath(pendingFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errCommitted{err}
	}
	return nil
}

// sourceRecords are the records of what a build found in its sources,
// written while its files are (see writeSourceRecords).
type sourceRecords struct {
	done chan struct{}
	err  error
}

// writeSourceRecords starts writing what the next build learns from this
// one's sources: the source records and the scan cache. They depend on the
// Plan alone, not on what the write does, so they are written while the
// files are (issue 15: they were half of the one-core stretch after the
// commit). Each is true of the sources whether or not the build commits
// (a record or a scan entry is trusted only while its source keeps the
// identity it records), so a killed or failed build leaves nothing that
// misleads the next one. The records of a build that changed nothing are
// left as they are: at 100,000 files, encoding them again was a third of
// a no-change build.
func (o *output) writeSourceRecords(plan *core.Plan) *sourceRecords {
	r := &sourceRecords{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if plan.SourcesChanged() {
			if r.err = o.saveSources(plan); r.err != nil {
				return
			}
		}
		if plan.ScanCacheChanged() {
			r.err = writeFileStream(o.statePath(scansFile), func(w io.Writer) error { return encodeScanCache(w, plan.ScanCache()) })
		}
	}()
	return r
}

// wait waits until the records are written and returns the error that
// stopped them.
func (r *sourceRecords) wait() error {
	<-r.done
	return r.err
}

// errCommitted wraps a failure after the commit point: the new build is
// live, so nothing of it may be rolled back.
type errCommitted struct{ error }

func (e errCommitted) Unwrap() error { return e.error }

// saveState writes what the output now holds, for the next build's
// upToDate.
//
// It runs once every file is written: nothing changes the state any more,
// so it reads it without holding o.mu, which the snapshot, recorded at the
// same time, takes to read it too.
func (o *output) saveState() error {
	o.mu.Lock()
	changed := o.state.changed
	o.mu.Unlock()
	if !changed {
		return nil
	}
	return writeFileStream(o.statePath("state.json"), o.state.write)
}

// recover removes what an unfinished build left: the files it created that
// no committed build names, its build record when it never committed, and
// every temporary file. It runs under the lock, before a build writes and
// in Clean, so a killed build's debris never outlives the next of either.
func (o *output) recover() error {
	data, err := os.ReadFile(o.statePath(pendingFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var p pendingRecord
	if err := json.Unmarshal(data, &p); err != nil {
		return o.finishRecovery() // half-written: nothing was created after it
	}
	live, _ := os.ReadFile(filepath.Join(o.dir, core.ManifestName))
	if md5Hex(live) == p.Manifest {
		// Stopped after its commit point: its files are live; only the
		// state it had not saved yet is missing, which costs rewrites.
		return o.finishRecovery()
	}
	if p.Record != "" {
		if err := os.Remove(filepath.Join(o.dir, stateDir, "builds", filepath.Base(p.Record))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	kept, err := o.keptPaths(live)
	if err != nil {
		return err
	}
	// Every pending path did not exist before that build: removing it
	// restores the previous output, unless a committed build owns it.
	for _, rel := range p.Paths {
		if kept[rel] {
			continue
		}
		if err := os.Remove(o.path(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove %s, left by an unfinished build: %w", rel, err)
		}
		o.mu.Lock()
		o.state.remove(rel)
		o.mu.Unlock()
	}
	return o.finishRecovery()
}

// finishRecovery removes every temporary file and the pending record.
func (o *output) finishRecovery() error {
	if err := o.removeTemporaries(); err != nil {
		return err
	}
	if err := os.Remove(o.statePath(pendingFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// rollback removes what a failed build created; the error that stopped it is
// what the caller reports, so a failure here is left to the next build.
func (o *output) rollback() { _ = o.recover() }

// keptPaths are the paths a committed build owns: those its state lists,
// those every build record lists, and those the live manifest names.
func (o *output) keptPaths(manifest []byte) (map[string]bool, error) {
	kept := map[string]bool{}
	// The saved state, not this process's: a failing build has recorded
	// its own new files in memory.
	var saved map[string]writtenFile
	if data, err := os.ReadFile(o.statePath("state.json")); err == nil {
		_ = json.Unmarshal(data, &saved)
	}
	for rel := range saved {
		kept[rel] = true
	}
	records, err := readBuildRecords(o.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, r := range records {
		for _, f := range r.Files {
			kept[f] = true
		}
	}
	var m struct {
		Paths map[string]string `json:"paths"`
	}
	if json.Unmarshal(manifest, &m) == nil {
		for logical, hashed := range m.Paths {
			kept[logical], kept[hashed] = true, true
		}
	}
	return kept, nil
}

// removeTemporaries deletes every temporary file in the output directory.
// Under the lock no build of this directory is writing one; the lock's own
// temporaries belong to processes waiting for it and stay.
func (o *output) removeTemporaries() error {
	return filepath.WalkDir(o.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // vanished or unreadable: nothing of ours to remove
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), tmpSuffix) || strings.HasPrefix(d.Name(), "lock.") {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove the temporary file %s: %w", path, err)
		}
		return nil
	})
}

// sourcesFile is where a build records what it learned about its sources.
const sourcesFile = "sources.json"

// readSources reads the source records of the last build; a missing or
// damaged file only means every source is read.
func readSources(outputDir string) map[string]core.SourceRecord {
	data, err := os.ReadFile(filepath.Join(outputDir, stateDir, sourcesFile))
	if err != nil {
		return nil
	}
	var stored map[string]core.SourceRecord
	if json.Unmarshal(data, &stored) != nil {
		return nil
	}
	return stored
}

// scansFile is where a build records its CSS/JS files as scanned and
// named, for the next build (core.ScanCache). It is gob, not JSON: it is
// the largest record (every reference of every file) and only assetc's
// native writer reads it; decoding it as JSON was a fifth of a no-change
// build of 100,000 files.
const scansFile = "scans.gob"

// encodeScanCache writes scansFile: the format, the number of records,
// then each record's host path and record, one gob message each (a gob
// message is built whole in memory: one for the whole cache was twice its
// 20 MB at 100,000 files).
func encodeScanCache(w io.Writer, c *core.ScanCache) error {
	paths := make([]string, 0, len(c.Records))
	for path := range c.Records {
		paths = append(paths, path)
	}
	sort.Strings(paths) // equal caches, equal files
	enc := gob.NewEncoder(w)
	if err := enc.Encode(c.Format); err != nil {
		return err
	}
	if err := enc.Encode(len(paths)); err != nil {
		return err
	}
	for _, path := range paths {
		if err := enc.Encode(path); err != nil {
			return err
		}
		if err := enc.Encode(c.Records[path]); err != nil {
			return err
		}
	}
	return nil
}

// readScanCache reads the scan cache of the last build; a missing or
// damaged file (or one of an earlier layout) only means every CSS/JS file
// is read.
func readScanCache(outputDir string) *core.ScanCache {
	f, err := os.Open(filepath.Join(outputDir, stateDir, scansFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	c := core.ScanCache{}
	var count int
	if dec.Decode(&c.Format) != nil || dec.Decode(&count) != nil || count < 0 {
		return nil
	}
	c.Records = make(map[string]core.ScanRecord, min(count, 1<<20))
	for range count {
		var path string
		var record core.ScanRecord
		if dec.Decode(&path) != nil || dec.Decode(&record) != nil {
			return nil
		}
		c.Records[path] = record
	}
	return &c
}

// ReadIntegrity reads the integrity sidecar of a static root and checks that
// it belongs to the live staticfiles.json. A sidecar that names another
// manifest is from a build that never committed (it was stopped between
// the two switches): its values must not be trusted, and the error says to
// build again.
func ReadIntegrity(dir string) (*core.IntegrityFile, error) {
	data, err := os.ReadFile(filepath.Join(dir, core.IntegrityName))
	if err != nil {
		return nil, err
	}
	var sidecar core.IntegrityFile
	if err := json.Unmarshal(data, &sidecar); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): run assetc build again", core.IntegrityName, err)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, core.ManifestName))
	if err != nil {
		return nil, err
	}
	if err := sidecar.Matches(manifest); err != nil {
		return nil, err
	}
	return &sidecar, nil
}

// readBuildRecords returns the build records of dir, oldest first.
func readBuildRecords(dir string) ([]namedRecord, error) {
	entries, err := os.ReadDir(filepath.Join(dir, stateDir, "builds"))
	if err != nil {
		return nil, fmt.Errorf("cannot read the build records of %s: %w", dir, err)
	}
	var records []namedRecord
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, stateDir, "builds", e.Name()))
		if err != nil {
			return nil, err
		}
		var r buildRecord
		if err := json.Unmarshal(data, &r); err != nil {
			// Guessing what a damaged record listed could delete a live file.
			return nil, fmt.Errorf("build record %s is damaged (%v): remove it to clean", e.Name(), err)
		}
		records = append(records, namedRecord{r, e.Name()})
	}
	sort.Slice(records, func(i, j int) bool { return core.OlderRelease(records[i].name, records[j].name) })
	return records, nil
}

// namedRecord is a build record with its file name (its time, which orders
// the records).
type namedRecord struct {
	buildRecord
	name string
}
