package writer

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assetc/assetc"
	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// The snapshot lets a rebuild that would change nothing skip planning
// altogether: a build records the identity (device, inode, size, mtime and
// ctime in ns) of every path its Plan depends on and of every file it
// wrote; the next build with the same options stats those paths (one stat
// each, in parallel) and, when every one is as recorded, reports what the
// previous build found with nothing written. When only source files have
// another identity (no directory listed, bundler manifest or output
// changed), the build plans from the previous build's core.PlanRecord,
// which the snapshot holds too: core reads and names again only those
// files and the CSS/JS files that reference them (core/prior.go), and its
// snapshot is the last one patched rather than gathered again
// (patchSnapshot). Anything else takes the normal path, which decides from
// content as before.
//
// The identities recorded are never newer than what the build used: a
// source's is the one planning saw before reading it (one changed within
// core.RacyWindow before planning is recorded as distrusted: the next
// build counts it as changed and reads it again); directories and
// bundler manifests are looked at after the commit, and one changed since
// the walk then has a ctime within core.RacyWindow of planning (no
// snapshot); outputs are looked at after the commit too (those this build
// wrote have the identity the writer took with fstat after their last
// link: any change since gives another), and must still have the size and
// mtime the state records (staticfiles.json and the sidecar: the planned
// bytes). A root that is itself a symbolic link is stat'ed through it:
// pointed elsewhere, it has another identity.
//
// What invalidates it: another configuration, build option, assetc
// version or snapshot format (the key); any change of identity of a
// source file (an edit with its mtime set back still moves the ctime,
// which no program can set), of a directory the walk listed (a file
// added, removed or renamed in it moves its mtime and ctime), of a bundler
// manifest or a missing root (appearing), or of an output file, variant,
// staticfiles.json or the sidecar (deleted, edited, replaced); a pending
// build (.assetc/pending.json); any Write, which deletes it before writing
// (and so does the bridge's Python writer). It is not recorded at all
// when the Plan had a diagnostic (its rendering needs the sources), when
// the walk followed a symbolic link below a root (a link's target is
// judged by its real path, which these identities do not cover), for
// sources not read from the host, or when a directory or manifest changed
// within core.RacyWindow before planning started (an edit in the same
// timestamp tick keeps the identity: git's "racily clean" entries; such a
// source is recorded as distrusted instead).
// What bounds it: one entry per source file, per listed directory, per
// bundler manifest found (an absent one is covered by its directory's
// identity) or missing root, per output inode (the hard-linked copies of a
// content share one; each path's directory is recorded, up to the output
// directory) and per output directory, plus the manifest map; replaced by
// each build that records it. Its record.bin holds one core.PriorFile per
// collected file and is replaced with it; a snapshot trusts only the
// record whose MD5 it names.
const snapshotFile = "snapshot.bin"

// snapshotFormat changes whenever what the snapshot holds or what it
// proves changes: a snapshot of another format is not trusted.
const snapshotFormat = 2

// snapshotMagic starts the file.
var snapshotMagic = []byte("assetc-snapshot\n")

// fileID is what a path looked like: absent, or its identity.
type fileID struct {
	Present                bool
	Device, Inode          uint64
	Size, ModTime, ChgTime int64
}

// snapshotEntry is one path the snapshot checks.
type snapshotEntry struct {
	path string
	// own says the path itself is checked (an output, where a symbolic
	// link would be a change); otherwise what it leads to, as the walk
	// saw it.
	own bool
	// source says the path is a source file: a change of its identity
	// alone is planned from the PlanRecord.
	source bool
	// distrust says the source changed within core.RacyWindow before the
	// build that recorded it: it counts as changed whatever its identity.
	distrust bool
	// outputDir says the path is a directory of the output.
	outputDir bool
	// inOutput says path is relative to the output directory (with "/"),
	// while a build records the snapshot: see fullPath. Decoded paths are
	// absolute.
	inOutput bool
	// skip leaves the entry out of the encoded snapshot.
	skip bool
	id   fileID
}

// snapshot is the decoded snapshotFile.
type snapshot struct {
	key     string
	result  Result // the counts, Duplicates, Ignored and Manifest of a no-change build
	entries []snapshotEntry
	// A build records sourceCount entries from sources, then parts, in
	// order, as makeSnapshot gathered them (those marked skip left out);
	// base is the output directory their inOutput paths are joined to.
	// Decoding gives entries.
	sources     iter.Seq[snapshotEntry]
	sourceCount int
	parts       [][]snapshotEntry
	base        string
	// recordID vouches for the PlanRecord of the build, encoded in
	// recordFile (none when it had none): the file's identity as the build
	// left it (see recordIdentity). The record is read only when a source
	// changed, and trusted only while its file has this identity (the
	// record of another build, or one edited since, is not).
	recordID []byte
	// logical, when set, are the keys of result.Manifest, sorted (taken
	// from the record as it was written instead of sorted again).
	logical []string
}

// recordFile holds the PlanRecord of the build whose snapshot names its
// MD5 (see snapshot.record): a no-change build never reads it.
const recordFile = "record.bin"

// verdict is what the snapshot says about a build about to start.
type verdict struct {
	// result is set when nothing changed: the Result of a build that
	// writes nothing.
	result *Result
	// prior is set when only sources changed: the last build's record,
	// and changed the host paths of those sources.
	prior   *encodedRecord
	changed []string
	// Also set then: the output directory, locked until the build writes
	// (a build that proved what it holds lets no other change it before
	// it writes), and what the check proved (see proven).
	locked *output
	proven *proven
	// replaced, when the check proved nothing, are the outputs of the
	// last build whose identity changed since it recorded them: the
	// state's size and mtime must not vouch for them or the other paths of
	// their inode (a file renamed over a hard link changes the other
	// link's ctime; the same size within one tick of the kernel's clock
	// leaves size and mtime as they were).
	replaced []string
}

// proven is what the snapshot check of a build proved about the output
// directory and the inputs, for the build that plans from the record
// while holding the lock: every output path of the last build (the
// Manifest's keys, unless hashed-only, and values) still holds what the
// state says, and every path checked had the identity in ids at the check.
type proven struct {
	manifest   map[string]string
	hashedOnly bool
	// entries are the checked snapshot's entries, with their identity at
	// the check but for sources (as recorded), and changed the sources
	// the check found changed: what patchSnapshot starts from.
	entries []snapshotEntry
	changed []string
	// byPath is entries' identities by path but for sources (an output's
	// own or an input's), made when makeSnapshot first asks (idsByPath):
	// a patched snapshot needs no map of 200,000 paths.
	byPath map[string]fileID
}

// idsByPath is the identity the check saw of every path it checked but
// the sources, by path; not safe for concurrent first calls (makeSnapshot
// asks from one goroutine).
func (p *proven) idsByPath() map[string]fileID {
	if p.byPath == nil {
		p.byPath = make(map[string]fileID, len(p.entries))
		for _, e := range p.entries {
			if !e.source {
				p.byPath[e.path] = e.id
			}
		}
	}
	return p.byPath
}

// outputs are the output files the check stat'ed, one per inode, with
// their identity then.
func (p *proven) outputs() []snapshotEntry {
	var outputs []snapshotEntry
	for _, e := range p.entries {
		if e.own && !e.outputDir {
			outputs = append(outputs, e)
		}
	}
	return outputs
}

// outputOfLast reports whether the last build planned f at its path.
func (p *proven) outputOfLast(f core.PlanFile) bool {
	if p == nil {
		return false
	}
	if p.manifest[f.LogicalPath] == f.Path {
		return true
	}
	_, planned := p.manifest[f.Path]
	return planned && f.Path == f.LogicalPath && !p.hashedOnly
}

// snapshotKey identifies everything besides the files that decides what a
// build writes.
func snapshotKey(cfg core.Config, opts BuildOptions, comp compress.Options) string {
	config, _ := json.Marshal(cfg) // plain values cannot fail
	compression, _ := json.Marshal(comp)
	integrity := opts.Integrity
	if integrity == "" {
		integrity = core.DefaultIntegrityAlgorithm
	}
	return fmt.Sprintf("format=%d assetc=%s os=%s hashed-only=%t integrity=%s config=%s compress=%s",
		snapshotFormat, assetc.Version, runtime.GOOS, opts.HashedOnly, integrity, config, compression)
}

// check is the fast path of Build: the Result of a build that would write
// nothing, when the snapshot proves that nothing changed, or the record to
// plan from and the sources to read again, when it proves that nothing but
// those changed; the zero verdict whenever it cannot prove either (the
// normal path then decides).
func check(dir, key string, hashedOnly bool, workers int) verdict {
	data, err := os.ReadFile(filepath.Join(dir, stateDir, snapshotFile))
	if err != nil {
		return verdict{}
	}
	snap, err := decodeSnapshot(data)
	if err != nil || snap.key != key {
		return verdict{}
	}
	// Under the lock, as any build: none is writing meanwhile. A held lock
	// sends this build the normal way, which waits for it.
	o := &output{dir: dir, lock: filepath.Join(dir, stateDir, "lock")}
	if o.acquire(0) != nil {
		return verdict{}
	}
	result, prior, changed, differ, ok := checkSnapshot(o, snap, workers)
	if !ok || prior == nil {
		o.close()
		return verdict{result: result, replaced: replacedOutputs(dir, snap, differ)}
	}
	// Every entry but the changed sources had its recorded identity at
	// the check: the entries are what it proved (a source's identity is
	// the one planning saw, Plan.SourceStat).
	proof := &proven{manifest: snap.result.Manifest, hashedOnly: hashedOnly, entries: snap.entries, changed: changed}
	return verdict{prior: prior, changed: changed, locked: o, proven: proof}
}

// replacedOutputs are the output files among snap's entries whose identity
// at the check (differ, see checkSnapshot) is not the recorded one,
// relative to dir with "/".
func replacedOutputs(dir string, snap *snapshot, differ []identityAt) []string {
	var replaced []string
	for _, d := range differ {
		e := snap.entries[d.entry]
		if e.source || !e.own || e.outputDir || d.id == e.id {
			continue
		}
		if rel, err := filepath.Rel(dir, e.path); err == nil && filepath.IsLocal(rel) {
			replaced = append(replaced, filepath.ToSlash(rel))
		}
	}
	return replaced
}

// checkSnapshot is check under the lock; ok is false when the snapshot
// proves nothing. differ are snap's entries whose identity now is not the
// recorded one, or that are distrusted sources, in order, with their
// identity now (nil when it stat'ed nothing): at 300,000 entries an
// identity of each, most of them the recorded one, was 14 MB.
func checkSnapshot(o *output, snap *snapshot, workers int) (result *Result, prior *encodedRecord, changed []string, differ []identityAt, ok bool) {
	if _, err := os.Lstat(o.statePath(pendingFile)); !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, nil, false // a build to recover from
	}
	var mu sync.Mutex
	err := statEach(len(snap.entries), workers, func(i int) error {
		e := &snap.entries[i]
		id, err := statOne(snapshotEntry{path: e.fullPath(""), own: e.own})
		if err == nil && (id != e.id || (e.source && e.distrust)) {
			mu.Lock()
			differ = append(differ, identityAt{entry: i, id: id})
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return nil, nil, nil, nil, false
	}
	slices.SortFunc(differ, func(a, b identityAt) int { return a.entry - b.entry })
	for _, d := range differ {
		switch e := snap.entries[d.entry]; {
		case e.source && d.id.Present && (e.distrust || d.id != e.id):
			// Edited in place: a file added, removed or renamed would
			// have changed its directory too.
			changed = append(changed, e.path)
		case d.id != e.id:
			return nil, nil, nil, differ, false // differ: for replacedOutputs
		}
	}
	if len(changed) == 0 {
		r := snap.result
		return &r, nil, nil, nil, true
	}
	data, ok := readVouched(o.statePath(recordFile), snap.recordID)
	if !ok {
		return nil, nil, nil, nil, false
	}
	if prior, err = decodeRecord(data); err != nil || prior == nil {
		return nil, nil, nil, nil, false
	}
	return nil, prior, changed, differ, true
}

// identityAt is the identity of a snapshot entry, by its index.
type identityAt struct {
	entry int
	id    fileID
}

// recordSnapshot writes the snapshot of a build that just committed plan,
// under its lock, when the build may be trusted to be repeated (see
// snapshotFile); it leaves none otherwise. A failure only costs the next
// build its fast path.
func (o *output) recordSnapshot(plan *core.Plan, req *snapshotRequest, comp compress.Options, result *Result, variants compression, workers int) {
	var checked []snapshotEntry // for comparePatched: patchSnapshot changes the proof's entries
	if comparePatched != nil && o.proven != nil {
		checked = slices.Clone(o.proven.entries)
	}
	snap, ok := o.patchSnapshot(plan, req, comp, result, variants, workers)
	if ok && comparePatched != nil {
		o.proven.entries = checked
		gathered, gatheredOK := o.makeSnapshot(plan, req, comp, result, variants, workers)
		comparePatched(snap, gathered, gatheredOK)
	}
	if !ok {
		snap, ok = o.makeSnapshot(plan, req, comp, result, variants, workers)
	}
	if !ok {
		return
	}
	// The record is in place since before the files were written
	// (writeRecord); a patched snapshot names it too, not its last one.
	snap.recordID = req.recordID
	// Written as the state files are, without an MD5 nothing reads (a
	// write error sticks in writeFileStream's buffer).
	if err := writeFileStream(o.statePath(snapshotFile), func(w io.Writer) error { encodeSnapshot(snap, w); return nil }); err != nil {
		os.Remove(o.statePath(snapshotFile))
	}
}

// patchSnapshots turns patchSnapshot on; comparePatched, when set (by a
// test), gets every patched snapshot with the one makeSnapshot gathers
// after the same build.
var (
	patchSnapshots = true
	comparePatched func(patched, gathered *snapshot, gatheredOK bool)
)

// snapshotRequest is what Build passes Write to record a snapshot.
type snapshotRequest struct {
	key     string
	started time.Time      // when planning started (core.PlanOptions.Now)
	prior   *encodedRecord // the record the Plan started from, until writeRecord
	// fromRecord says the Plan started from a record (prior, before it
	// was dropped); recordID vouches for the record writeRecord wrote
	// (see recordIdentity), nil for none.
	fromRecord bool
	recordID   []byte
	// logical are the manifest's keys, sorted, when writeRecord listed
	// them (see snapshot.logical).
	logical []string
	// manifest and sidecar are what Write committed as staticfiles.json
	// and the integrity sidecar: a Build's Plan drops their bytes once
	// written (see commit), and the snapshot checks the files against
	// these.
	manifest, sidecar committedFile
}

// committedFile is the size and MD5 of a file's bytes: what the snapshot
// checks staticfiles.json and the sidecar against once the Plan no longer
// holds them (at 100,000 files, 17.5 MB held through the records and the
// snapshot, the peak of a cold build).
type committedFile struct {
	size int64
	md5  [md5.Size]byte
}

func committedOf(data []byte) committedFile {
	return committedFile{size: int64(len(data)), md5: md5.Sum(data)}
}

// heldBy reports whether the file name holds the committed bytes, read
// through a buffer.
func (c committedFile) heldBy(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	h := md5.New()
	if n, err := io.CopyBuffer(h, f, make([]byte, 64<<10)); err != nil || n != c.size {
		return false
	}
	return [md5.Size]byte(h.Sum(nil)) == c.md5
}

// makeSnapshot gathers the identities of a build that just committed plan
// (see snapshotFile): its sources as planning saw them before reading them,
// the rest as they are now. ok is false when the build may not be trusted to
// be repeated.
func (o *output) makeSnapshot(plan *core.Plan, req *snapshotRequest, comp compress.Options, result *Result, variants compression, workers int) (snap *snapshot, ok bool) {
	inputs := plan.Inputs()
	if len(plan.Diagnostics) > 0 || !inputs.Host || inputs.Linked || req.started.IsZero() {
		return nil, false
	}
	isRacy := func(id fileID) bool { return core.Racy(req.started, id.ModTime, id.ChgTime) }

	// Sources: the identity planning saw before it read each one; any
	// later change gives another. Their entries are made from the Plan as
	// they are encoded (100,000 held at once were 7 MB): firstOf marks
	// the first file of each source.
	firstOf := make([]bool, len(plan.Files))
	sourceCount := 0
	seen := make(map[string]struct{}, len(plan.Files)/2)
	for i, f := range plan.Files {
		if _, dup := seen[f.SourcePath]; dup {
			continue
		}
		seen[f.SourcePath] = struct{}{}
		if info := plan.SourceStat(f); info.Inode == 0 || info.ChangeTime == 0 {
			return nil, false
		}
		firstOf[i] = true
		sourceCount++
	}
	sources := func(yield func(snapshotEntry) bool) {
		for i, f := range plan.Files {
			if !firstOf[i] {
				continue
			}
			info := plan.SourceStat(f)
			id := fileID{Present: true, Device: info.Device, Inode: info.Inode, Size: info.Size, ModTime: info.ModTime, ChgTime: info.ChangeTime}
			if !yield(snapshotEntry{path: f.SourcePath, source: true, distrust: isRacy(id), id: id}) {
				return
			}
		}
	}

	// Directories and probes, as they are now: one changed since the walk
	// has a ctime after planning started, so it is racy.
	var inputEntries []snapshotEntry
	for _, d := range inputs.Dirs {
		inputEntries = append(inputEntries, snapshotEntry{path: d})
	}
	dirCount := len(inputEntries)
	for _, p := range inputs.Probes {
		inputEntries = append(inputEntries, snapshotEntry{path: p})
	}

	// Outputs: every file and variant, the two files of the commit, and the
	// directories holding them up to the output directory itself: a path
	// unlinked, renamed or replaced in one changes its mtime and ctime, so
	// of the paths sharing one inode (the hard-linked copies) only the
	// first needs a stat of its own; an edit through any of them changes
	// the inode they share. Their paths are output-relative (inOutput),
	// the Plan's own strings: joined to the output directory only while
	// one is looked at or encoded (200,000 absolute paths were 16 MB).
	outputEntries := make([]snapshotEntry, 0, len(plan.Files)+2)
	planned := make([]int32, 0, len(plan.Files)) // the index in plan.Files of each output, -1 for a variant
	o.mu.Lock()
	for n, f := range plan.Files {
		outputEntries = append(outputEntries, snapshotEntry{path: f.Path, own: true, inOutput: true})
		planned = append(planned, int32(n))
		if comp.Skips(f.Path) {
			continue
		}
		for _, e := range comp.Encodings {
			if v := f.Path + compress.Suffix(e); o.state.at(v) != (writtenFile{}) {
				outputEntries = append(outputEntries, snapshotEntry{path: v, own: true, inOutput: true})
				planned = append(planned, -1)
			}
		}
	}
	o.mu.Unlock()
	outputCount := len(outputEntries)
	manifest, sidecar := outputCount, outputCount+1
	outputEntries = append(outputEntries,
		snapshotEntry{path: core.ManifestName, own: true, inOutput: true},
		snapshotEntry{path: core.IntegrityName, own: true, inOutput: true})
	dirSet := map[string]bool{".": true}
	for _, e := range outputEntries[:outputCount] {
		for d := path.Dir(e.path); !dirSet[d]; d = path.Dir(d) {
			dirSet[d] = true
		}
	}
	var outputDirs []snapshotEntry
	for d := range dirSet {
		outputDirs = append(outputDirs, snapshotEntry{path: d, own: true, outputDir: true, inOutput: true})
	}
	sort.Slice(outputDirs, func(i, j int) bool { return outputDirs[i].path < outputDirs[j].path })
	base := o.base()

	dirsBefore, err := statAll(outputDirs, base, workers)
	if err != nil {
		return nil, false
	}
	// After a check that proved the inputs and the last build's outputs
	// (see proven), a path this build did not write keeps the identity the
	// check saw, unless it shares its inode with a path that was written
	// (a link added or removed moves the inode's ctime): older than this
	// build, so any change since still shows. The check saw one path per
	// inode; the others need no look while their inode is still recorded:
	// every output the check saw is recorded again (reused, or looked at
	// when its content is dirty), whether or not this build planned it
	// (an older hashed name may hold the inode of an unchanged content).
	fresh := make([]bool, len(outputEntries)) // looked at now, not taken from the check
	fresh[manifest], fresh[sidecar] = true, true
	dirty := map[string]bool{}                  // MD5s of contents this build wrote or replaced a path of
	byCheck := make([]bool, len(outputEntries)) // covered by an output the check saw
	// Without a check, no identity is taken from one: these decide nothing.
	if o.proven != nil {
		o.mu.Lock()
		for rel, old := range o.written {
			dirty[o.state.at(rel).MD5], dirty[old] = true, true
		}
		for i, n := range planned {
			_, fresh[i] = o.written[outputEntries[i].path]
			switch {
			case n >= 0 && dirty[plan.Files[n].MD5]:
				fresh[i] = true
			case !fresh[i]:
				_, seen := o.proven.idsByPath()[joinPath(base, outputEntries[i].path)]
				byCheck[i] = !seen && n >= 0
			}
		}
		o.mu.Unlock()
	}
	var seenOutputs []snapshotEntry // the outputs the check saw that may cover a path
	var seenFresh []bool
	if o.proven != nil {
		coveredContents := map[string]bool{} // MD5s of the paths left to another's identity
		for i, n := range planned {
			if byCheck[i] {
				coveredContents[plan.Files[n].MD5] = true
			}
		}
		o.mu.Lock()
		for _, e := range o.proven.outputs() {
			rel, ok := strings.CutPrefix(e.path, o.dir+string(filepath.Separator))
			rel = filepath.ToSlash(rel)
			w, known := o.state.get(rel)
			if ok && known && !coveredContents[w.MD5] {
				continue // of another content: it covers none of them (a planned path is recorded anyway)
			}
			_, wrote := o.written[rel]
			seenOutputs = append(seenOutputs, e)
			// Not known to be untouched: looked at now.
			seenFresh = append(seenFresh, !ok || !known || dirty[w.MD5] || wrote)
		}
		o.mu.Unlock()
	}
	// A probe the check did not stat was absent then, in a directory it
	// proved (see the covered probes below): it needs no stat now either.
	var absentProbes []bool
	if o.proven != nil {
		absentProbes = make([]bool, len(inputEntries))
		for i := dirCount; i < len(inputEntries); i++ {
			_, seen := o.proven.idsByPath()[inputEntries[i].path]
			absentProbes[i] = !seen
		}
	}
	if err := o.identify(inputEntries, absentProbes, nil, base, workers); err != nil {
		return nil, false
	}
	for i, e := range inputEntries {
		if (i < dirCount && !e.id.Present) || (e.id.Present && isRacy(e.id)) {
			return nil, false // a listed directory gone, or changed since planning started
		}
	}
	// The outputs this build wrote have the identity the writer took
	// after their last link (writtenFile.identity): no stat of their own.
	skip := slices.Clone(byCheck)
	o.mu.Lock()
	for i, e := range outputEntries[:outputCount] {
		if id, ok := o.state.at(e.path).identity(); ok && !skip[i] {
			outputEntries[i].id, skip[i] = id, true
		}
	}
	o.mu.Unlock()
	if err := o.identify(outputEntries, skip, fresh, base, workers); err != nil {
		return nil, false
	}
	if err := o.identify(seenOutputs, nil, seenFresh, base, workers); err != nil {
		return nil, false
	}
	// An output must still be what this build wrote or found: the size and
	// mtime the state records (as the next normal build would check), and
	// for the two files of the commit, their bytes.
	o.mu.Lock()
	for i, e := range outputEntries[:outputCount] {
		w, ok := o.state.get(e.path)
		if byCheck[i] {
			continue
		}
		if !ok || !e.id.Present || w.Size != e.id.Size || w.ModTime != e.id.ModTime {
			o.mu.Unlock()
			return nil, false
		}
	}
	o.mu.Unlock()
	for i, want := range map[int]committedFile{manifest: req.manifest, sidecar: req.sidecar} {
		if !outputEntries[i].id.Present || !want.heldBy(joinPath(base, outputEntries[i].path)) {
			return nil, false
		}
	}
	if !stillAsBefore(outputDirs, dirsBefore, base, workers) {
		return nil, false
	}

	// What is recorded: every part in turn, without the entries marked
	// skip (not copied into one list: at 200,000 outputs that copy was
	// 14 MB).
	// A path absent from a directory whose identity is recorded needs no
	// stat of its own: creating it would change the directory (most
	// bundler-manifest probes); nor does one whose parent is such a path
	// (Vite's .vite/manifest.json where there is no .vite): probes come
	// parents first. A missing root's parent is not recorded.
	covered := map[string]bool{}
	for _, e := range inputEntries {
		if e.id.Present {
			covered[e.path] = true
		}
	}
	for i, e := range inputEntries {
		if !e.id.Present && covered[filepath.Dir(e.path)] {
			covered[e.path] = true
			inputEntries[i].skip = true
		}
	}
	// One path per output inode.
	for i := range outputEntries {
		outputEntries[i].skip = byCheck[i]
	}
	inodes := map[[2]uint64]bool{}
	for _, part := range [][]snapshotEntry{outputEntries, seenOutputs} {
		for i := range part {
			if e := &part[i]; !e.skip {
				inode := [2]uint64{e.id.Device, e.id.Inode}
				e.skip, inodes[inode] = inodes[inode], true
			}
		}
	}
	// What a build that finds everything in place reports.
	r := Result{
		Files: result.Files, Hashed: result.Hashed, Rewritten: result.Rewritten, Cycles: result.Cycles,
		Unchanged: len(plan.Files), Duplicates: result.Duplicates, Ignored: result.Ignored, Manifest: result.Manifest,
		CompressionReused: variants.compressed + variants.reused, Variants: variants.variants,
	}
	return &snapshot{key: req.key, result: r, base: base, sources: sources, sourceCount: sourceCount, logical: req.logical,
		parts: [][]snapshotEntry{inputEntries, outputEntries, seenOutputs, outputDirs}}, true
}

// stillAsBefore reports whether every output directory still has the
// identity it had before the outputs in it were looked at (nothing was
// replaced meanwhile), and records that identity in dirs.
func stillAsBefore(dirs []snapshotEntry, before []fileID, base string, workers int) bool {
	after, err := statAll(dirs, base, workers)
	if err != nil {
		return false
	}
	for i := range dirs {
		if !after[i].Present || after[i] != before[i] {
			return false
		}
		dirs[i].id = after[i]
	}
	return true
}

// base is the output directory as o.path joins it: the prefix of every
// output path (see joinPath).
func (o *output) base() string { return filepath.Clean(o.dir) }

// joinPath is o.path(rel) for base = o.base() and rel a clean slash path,
// without the clean-up a join does (rel is already clean: a Plan's path,
// a variant's, or one of their directories).
func joinPath(base, rel string) string {
	switch {
	case rel == ".":
		return base
	case strings.HasSuffix(base, string(filepath.Separator)): // the root
		return base + filepath.FromSlash(rel)
	}
	return base + string(filepath.Separator) + filepath.FromSlash(rel)
}

// fullPath is the host path of an entry.
func (e *snapshotEntry) fullPath(base string) string {
	if e.inOutput {
		return joinPath(base, e.path)
	}
	return e.path
}

// identify sets the identity of every entry not covered: the one the
// build's check proved (see proven) for a path not fresh, else as it
// is now.
func (o *output) identify(entries []snapshotEntry, covered, fresh []bool, base string, workers int) error {
	var todo []int32
	for i := range entries {
		e := &entries[i]
		if covered != nil && covered[i] {
			continue
		}
		if o.proven != nil && (fresh == nil || !fresh[i]) {
			if id, ok := o.proven.idsByPath()[e.fullPath(base)]; ok {
				e.id = id
				continue
			}
		}
		todo = append(todo, int32(i))
	}
	return statEach(len(todo), workers, func(n int) error {
		e := &entries[todo[n]]
		id, err := statOne(snapshotEntry{path: e.fullPath(base), own: e.own})
		e.id = id
		return err
	})
}

// statAll stats every entry, in parallel (base joins the paths inOutput).
func statAll(entries []snapshotEntry, base string, workers int) ([]fileID, error) {
	ids := make([]fileID, len(entries))
	err := statEach(len(entries), workers, func(i int) error {
		var err error
		ids[i], err = statOne(snapshotEntry{path: entries[i].fullPath(base), own: entries[i].own})
		return err
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// statEach calls stat(0..n-1) in chunks on up to workers goroutines; the
// error is one of those it returned.
func statEach(n, workers int, stat func(i int) error) error {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	const chunk = 256
	var failed atomic.Value
	forEach((n+chunk-1)/chunk, workers, func(c int) {
		for i := c * chunk; i < n && i < (c+1)*chunk; i++ {
			if err := stat(i); err != nil {
				failed.Store(err)
				return
			}
		}
	})
	err, _ := failed.Load().(error)
	return err
}

// writeStreamAtomic is writeFileAtomic for bytes that encode writes
// through a buffer, so that they are never whole in memory (a snapshot or
// record of 100,000 files is tens of MB).
func writeStreamAtomic(name string, encode func(w *bufio.Writer)) error {
	tmp := name + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	fileErr := &stickyWriter{w: f}
	w := bufio.NewWriterSize(fileErr, 64<<10)
	encode(w)
	err = w.Flush()
	if err == nil {
		err = fileErr.err
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	return nil
}

// recordIdentity is how a snapshot vouches for the record file its build
// wrote: the file's identity (device, inode, size, modification and change
// times) taken after its rename into place, encoded with a tag that no
// MD5 of an older snapshot's format starts with. Any write to the file, or
// another file renamed over it, gives another identity (the change time is
// set by the kernel and cannot be set back), as for every output the
// snapshot proves; an MD5 of the record's ~20 MB at 100,000 files cost
// ~50 ms to check and as much to take. nil when the file cannot be stat'ed
// (then no snapshot trusts a record).
func recordIdentity(path string) []byte {
	id, err := statOne(snapshotEntry{path: path, own: true})
	if err != nil || !id.Present {
		return nil
	}
	return encodeIdentity(id)
}

// encodeIdentity is recordIdentity's encoding of id.
func encodeIdentity(id fileID) []byte {
	b := append(make([]byte, 0, 48), "id1:"...)
	b = binary.AppendUvarint(b, id.Device)
	b = binary.AppendUvarint(b, id.Inode)
	b = binary.AppendVarint(b, id.Size)
	b = binary.AppendVarint(b, id.ModTime)
	return binary.AppendVarint(b, id.ChgTime)
}

// readVouched reads the file at path when it still has the identity
// recordIdentity gave (vouch), and reports whether it had. The identity
// is of the open file (fstat), so the bytes read are that file's.
func readVouched(path string, vouch []byte) ([]byte, bool) {
	if len(vouch) == 0 {
		return nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	id, err := openedIdentity(f)
	if err != nil || !bytes.Equal(encodeIdentity(id), vouch) {
		return nil, false
	}
	data := make([]byte, id.Size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, false
	}
	return data, true
}

// stickyWriter keeps the first error of its writer and writes nothing
// after it.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err == nil {
		_, s.err = s.w.Write(p)
	}
	return len(p), s.err
}
