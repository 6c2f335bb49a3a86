package core

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/assetc/assetc/core/scan"
)

// CodeOutputCollision is the diagnostic for two files that a build would
// write to the same output path with different bytes.
const CodeOutputCollision = "output-collision"

// PlanOptions says what a Plan is for.
type PlanOptions struct {
	// Workers is the number of files read and scanned at once; 0 means one
	// per CPU. The Plan does not depend on it.
	Workers int
	// HashedOnly plans only the hashed copies, not the unhashed ones.
	HashedOnly bool
	// Integrity is the hash of the SRI values: sha256, sha384 or sha512;
	// "" means DefaultIntegrityAlgorithm.
	Integrity string
	// Known is what an earlier build recorded about each source file, keyed
	// by host path (Plan.Sources of that build): a file that is not CSS/JS
	// and whose identity (size, mtime, ctime, device, inode) is unchanged is
	// not read again, neither for its MD5 nor for its SRI value.
	Known map[string]SourceRecord
	// ScanCache is what an earlier build recorded about its CSS/JS files
	// (Plan.ScanCache): a file with the recorded identity is neither
	// read nor scanned, and keeps its name while its targets keep theirs
	// (see scancache.go). nil reads every CSS/JS file.
	ScanCache *ScanCache
	// KeptBytes bounds the CSS/JS bytes the Plan holds in memory: sources
	// until they are named, rewritten copies until the Plan is dropped
	// (see keptBytes). Bytes beyond it are read again, and rewritten
	// again when Content asks for them (checked by the source's identity,
	// or else by MD5: readAgain); the Plan and every content are the same
	// for any budget. 0 means DefaultKeptBytes.
	KeptBytes int64
	// ForgetCaches empties the Project's caches (forget) once the Plan has
	// taken from them what it needs, each file's node as the Plan takes
	// its files (dropPath), the rest before it computes the sidecar: for
	// a Project asked nothing more (a one-shot build), whose caches are
	// about half of what a 100,000-file build holds while it writes. A
	// Project asked again reads and names its files anew.
	ForgetCaches bool
	// Progress, when set, is called as files are read; it must be fast and
	// safe to call from several goroutines.
	Progress func(stage string, done, total int)
	// Prior is the record of an earlier Plan of this Project's
	// configuration with the same HashedOnly and Integrity (Plan.Record),
	// and Changed the host paths of its sources that may have changed
	// since: the Plan is made from the record for every other file (see
	// prior.go). The caller vouches that nothing else changed: no source
	// and no directory the record's Plan listed, and no bundler manifest
	// it probed. Known and ScanCache are not needed then.
	Prior   *PlanRecord
	Changed []string
	// PriorManifest and PriorIntegrity, with Prior, are staticfiles.json
	// and the sidecar of the Plan that made Prior, as written: the new
	// ones are patched from them (the entries of files not named again
	// copied) instead of encoded whole. Either may be nil.
	PriorManifest, PriorIntegrity []byte
	// Record asks for Plan.Record, for a later Plan's Prior.
	Record bool
	// Now is when planning started. A source modified (mtime or ctime)
	// within RacyWindow of it is left out of Plan.Sources, so the next build
	// reads it again instead of trusting its identity (see RacyWindow). The zero
	// value records every source.
	Now time.Time
}

// RacyWindow is how close to the time a build read a file its mtime may be
// for the build to distrust "same identity means same bytes" next time. A
// file edited again within one timestamp tick of that read, to the same
// size, keeps its mtime and ctime: the build cannot tell it changed. Git calls
// such index entries "racily clean" and re-checks their content; assetc
// does not record them, so the next build reads them. Two seconds covers
// the coarsest common timestamps (FAT) and every kernel tick.
const RacyWindow = 2 * time.Second

// Racy reports whether a file with this mtime and ctime (ns) changed
// within RacyWindow before now, so that its identity cannot vouch for its
// bytes. A zero now is "no time given": nothing is racy.
func Racy(now time.Time, modTime, changeTime int64) bool {
	if now.IsZero() {
		return false
	}
	limit := now.Add(-RacyWindow).UnixNano()
	return modTime > limit || changeTime > limit
}

// SourceRecord is what a build learned about one source file: while its
// identity (size, mtime, ctime, device, inode) is unchanged, its MD5 and the
// SRI value of its bytes are taken to be unchanged too. The ctime is what
// catches an edit whose mtime was set back: no program can set it.
type SourceRecord struct {
	Size    int64 `json:"size"`
	ModTime int64 `json:"mtime"`
	// ChangeTime, Device and Inode are 0 where the host cannot tell (and in
	// records of builds before they were recorded, which are then not
	// trusted on a host that can).
	ChangeTime int64  `json:"ctime,omitempty"`
	Device     uint64 `json:"dev,omitempty"`
	Inode      uint64 `json:"ino,omitempty"`
	MD5        string `json:"md5"`
	// SRI is the file's SRI value ("sha384-…"), when a build computed it.
	SRI string `json:"sri,omitempty"`
}

// Plan is everything a static root must hold, computed from the sources and
// nothing else: each output path with its bytes (or the source file that
// has them), staticfiles.json and the integrity sidecar, and every
// diagnostic. Writers (a directory, the bridge's fallback) apply it; they
// decide nothing about content.
//
// A Plan is consumed as a stream: Files holds only names, sums and
// references, and Content returns one file's bytes at a time, reading a
// source through the FileSystem when the bytes are the source's, and
// rewriting it again when its rewritten copy did not fit in the Plan's
// budget (PlanOptions.KeptBytes). A writer that handles each file and
// drops its bytes holds at most one content per worker besides that
// budget, and gives the buffers back for the next file with WithContent.
type Plan struct {
	// Files are the output files, sorted by Path, one per path.
	Files []PlanFile
	// Manifest maps each logical path to its hashed path.
	Manifest map[string]string
	// ManifestJSON is staticfiles.json, byte-compatible with Django.
	ManifestJSON []byte
	// IntegrityJSON is staticfiles.integrity.json; it names the MD5 of
	// ManifestJSON, so a reader can tell a pair of one build from a split.
	IntegrityJSON []byte
	// Diagnostics are every warning and error, sorted by file and position.
	// A Plan with an error diagnostic must not be written.
	Diagnostics []Diagnostic
	Duplicates  []Duplicate
	Ignored     []IgnoredFile
	// Counts, as BuildResult reports them.
	Collected, Hashed, Rewritten, Cycles int

	// fsys is all a Plan keeps of its Project: a writer that holds the
	// Plan does not keep the Project's caches alive.
	fsys      FileSystem
	staticURL string     // Config.StaticURL, for rewriteRecipe.make
	kept      *keptBytes // the rewritten copies kept (see keptBytes)
	started   time.Time  // PlanOptions.Now
	inputs    Inputs
	// scans are the scan-cache records for the next build, scanFormat
	// their format (see scancache.go).
	scans      map[string]ScanRecord
	scanFormat string
	// otherSources are the source records of the files read or trusted
	// that no PlanFile holds as read (see SourceRecords).
	otherSources map[string]SourceRecord
	// sourcesSame and scansSame say Sources and the scan cache are those
	// the plan was given (PlanOptions.Known, PlanOptions.ScanCache).
	sourcesSame, scansSame bool
	// record is what Record and RecordFiles are made from; recorded says
	// one was made, even once a writer made the Plan forget it
	// (ForgetRecord).
	record   *planRecord
	recorded bool
	// priorPlan says the Plan was made from PlanOptions.Prior, and
	// sourcesTouched are then the keys of Sources it may have changed
	// (SourcesPatch).
	priorPlan      bool
	sourcesTouched []string
	difference     []int // Difference's answer
}

// SourcesChanged reports whether Sources differ from PlanOptions.Known: a
// writer need not record them again otherwise.
func (p *Plan) SourcesChanged() bool { return !p.sourcesSame }

// Difference returns, for a Plan made from a record (PlanOptions.Prior),
// the indexes in Files, ascending, of the files that may differ from the
// Plan the record came from: those of the files named again, and any
// output path one of them shares. Every other file is that Plan's, path,
// bytes and all, so a writer that proved its output as that Plan's build
// left it need not look at them. ok is false for any other Plan.
func (p *Plan) Difference() (changed []int, ok bool) {
	return p.difference, p.priorPlan
}

// SourcesPatch returns, for a Plan made from a record (PlanOptions.Prior),
// the keys of Sources, sorted, whose entries may differ from (or be added
// to, or removed from) the Sources of the Plan that made the record; every
// other entry is that Plan's, so a writer may copy it from what it wrote
// then. ok is false for any other Plan.
func (p *Plan) SourcesPatch() (touched []string, ok bool) {
	return p.sourcesTouched, p.recorded && p.priorPlan
}

// ScanCacheChanged reports whether ScanCache differs from the
// PlanOptions.ScanCache the plan was made with.
func (p *Plan) ScanCacheChanged() bool { return !p.scansSame }

// PlanFile is one output file.
type PlanFile struct {
	// Path is where the file goes, relative to the static root, with "/".
	Path        string `json:"output_path"`
	LogicalPath string `json:"logical_path"`
	// SourcePath is the host file the bytes come from (or were rewritten
	// from).
	SourcePath string `json:"source_path"`
	// Hashed says this is the hashed copy (the manifest's value).
	Hashed bool `json:"hashed"`
	// Rewritten says the bytes are not the source's: Plan.Content has them.
	Rewritten bool   `json:"rewritten"`
	Size      int64  `json:"size"`
	MD5       string `json:"md5"`
	// SRI is the Subresource Integrity value of the bytes (the sidecar
	// lists those of the hashed copies).
	SRI string `json:"sri,omitempty"`

	source *FileInfo // the source file as planned (see SourceInfo)
	// recipe makes the bytes of a rewritten file again when the Plan did
	// not keep them (Plan.Content); nil for the source's.
	recipe *rewriteRecipe
}

// rewriteRecipe is what a Plan keeps of a rewritten file to make its copy
// again (Plan.Content) without the Project's nodes and names: a fileNode,
// its parsed URLs and its namedFile were ~1 KB per CSS/JS file held for the
// whole write (~25 MB at 100,000 files). The references and the names their
// targets had when the file was named are those the scan cache records
// (shared, not copied); their meanings are parsed again from the reference
// text (parseReferenceURL is a function of the text, the file's logical
// path and STATIC_URL).
type rewriteRecipe struct {
	source      Source
	size        int64 // of the source as named
	refs        []scan.Reference
	targetNames map[string]string
	// content is the copy of a file named before the Plan, by a lookup
	// (namedFile.content); remake is namedFile.remake.
	content []byte
	remake  func() ([]byte, error)
}

// recipeOf is what a Plan keeps of named, a rewritten file.
func recipeOf(named *namedFile) *rewriteRecipe {
	n := named.node
	return &rewriteRecipe{source: n.source, size: n.info.Size, refs: n.refs, targetNames: named.targetNames, content: named.content, remake: named.remake}
}

// make reads the source again and rewrites it as it was named (see
// rewriteAgain), appending the copy to dst (a pooled buffer, or nil). same
// says the source read is proven to be the bytes planning named, by its
// identity (readAgain; planned is the source as the walk saw it, nil when
// unknown); otherwise the caller checks the copy against its planned MD5,
// and only the size is checked here, which keeps every edit inside the
// bytes.
func (r *rewriteRecipe) make(dst []byte, fsys FileSystem, staticURL string, planned *FileInfo, started time.Time) (data []byte, same bool, err error) {
	if r.remake != nil {
		data, err = r.remake()
		return data, false, err
	}
	var identity FileInfo // zero when unknown: vouches for nothing
	if planned != nil {
		identity = *planned
	}
	content, same, release, err := readAgain(fsys, r.source.Path, identity, started)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s (%s): %w", r.source.Path, r.source.LogicalPath, err)
	}
	defer release() // rewriteAgain copies what it keeps
	if int64(len(content)) != r.size {
		return nil, false, fmt.Errorf("%s changed during the build; run the build again", r.source.Path)
	}
	n := &fileNode{source: r.source, info: FileInfo{Size: r.size}, refs: r.refs, urls: meaningsOf(r.refs, r.source.LogicalPath, staticURL)}
	return rewriteAgain(dst, &namedFile{node: n, targetNames: r.targetNames}, content), same, nil
}

// SourceInfo returns what the source file looked like when it was planned,
// for a file whose bytes are the source's (ok is false for rewritten
// bytes, and for a source changed within RacyWindow before planning
// started: an edit in the same timestamp tick would keep its identity). A
// writer that finds the source with this identity (size, mtime, ctime,
// device, inode) may copy it without reading it (copy_file_range) instead
// of checking its bytes with Content: any later edit changes the ctime.
func (p *Plan) SourceInfo(f PlanFile) (FileInfo, bool) {
	if f.Rewritten || f.source == nil || !identityVouches(*f.source, p.started) {
		return FileInfo{}, false
	}
	return *f.source, true
}

// Inputs are the host paths a Plan was computed from besides its source
// files (the SourcePath of its Files), for a writer that wants to prove
// later that a new Plan would be the same without making it (core/writer's
// snapshot): while every directory keeps its identity (device, inode,
// mtime, ctime), no file was added to, removed from or renamed in it.
type Inputs struct {
	// Dirs are the directories the walk listed, roots included.
	Dirs []string
	// Probes are paths the Plan looked at that may be absent: the roots it
	// did not find and the bundler manifests of every directory.
	Probes []string
	// Linked says the walk followed a symbolic link below a root: where a
	// link leads is decided by its target's real path, which the
	// identities of these paths do not cover.
	Linked bool
	// Host says the files were read from the host (OSFileSystem), so the
	// paths mean what they say to a writer on the same host.
	Host bool
}

// Inputs returns what the Plan read besides its source files.
func (p *Plan) Inputs() Inputs { return p.inputs }

// SourceStat returns what planning saw of a file's source before it read
// (or trusted) it: any change since gives another identity (ctime, inode),
// so a writer may record it to notice one later. Its ChangeTime and Inode
// are 0 where the host cannot tell.
func (p *Plan) SourceStat(f PlanFile) FileInfo {
	if f.source == nil {
		return FileInfo{}
	}
	return *f.source
}

// SourcesJSON is what a writer records for the next build's
// PlanOptions.Known: Sources as JSON, keys sorted.
func (p *Plan) SourcesJSON() []byte {
	data, _ := json.Marshal(p.Sources()) // a map of plain values cannot fail
	return data
}

// Sources returns a record of every source file read or trusted, keyed by
// host path, for the next build's PlanOptions.Known. It is made anew on
// each call (see SourceRecords).
func (p *Plan) Sources() map[string]SourceRecord {
	return maps.Collect(p.SourceRecords())
}

// SourceRecords yields Sources' records sorted by host path, made from
// Files as they are asked for: a map of every source, held from planning
// to the end of the write, was ~17 MB at 100,000 files. The records share
// the files' strings (the MD5 and SRI value of the source's bytes).
func (p *Plan) SourceRecords() iter.Seq2[string, SourceRecord] {
	return func(yield func(string, SourceRecord) bool) {
		// The files whose bytes are their source's, by source path: an
		// unhashed and a hashed copy of one source give one record.
		order := make([]int32, 0, len(p.Files)/2)
		for i := range p.Files {
			if _, ok := p.recordOf(&p.Files[i]); ok {
				order = append(order, int32(i))
			}
		}
		slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(p.Files[a].SourcePath, p.Files[b].SourcePath) })
		others := slices.Sorted(maps.Keys(p.otherSources)) // disjoint from the files' (see Plan)
		for len(order) > 0 || len(others) > 0 {
			if len(order) == 0 || (len(others) > 0 && others[0] < p.Files[order[0]].SourcePath) {
				if !yield(others[0], p.otherSources[others[0]]) {
					return
				}
				others = others[1:]
				continue
			}
			for len(order) > 1 && p.Files[order[1]].SourcePath == p.Files[order[0]].SourcePath {
				order = order[1:] // the same source: the same record
			}
			f := &p.Files[order[0]]
			order = order[1:]
			r, _ := p.recordOf(f)
			if !yield(f.SourcePath, r) {
				return
			}
		}
	}
}

// recordOf is the source record a file gives, if any: one whose bytes are
// its source's as planned, unless the source changed within RacyWindow
// before planning started (its identity vouches for nothing then).
func (p *Plan) recordOf(f *PlanFile) (SourceRecord, bool) {
	if f.source == nil || f.Rewritten || Racy(p.started, f.source.ModTime, f.source.ChangeTime) {
		return SourceRecord{}, false
	}
	return knownFrom(*f.source, [16]byte{}).record(f.MD5, f.SRI), true
}

// SourcesOf returns the records of Sources under the given keys (those it
// holds) and how many records Sources holds in all, without sorting them:
// a writer that patches sources.json (SourcesPatch) needs only these, and
// SourceRecords' sort of every source was ~30 ms at 100,000 files.
func (p *Plan) SourcesOf(keys []string) (records map[string]SourceRecord, count int) {
	files := p.sourceFiles()
	records = make(map[string]SourceRecord, len(keys))
	for _, k := range keys {
		if i, ok := files[k]; ok {
			records[k], _ = p.recordOf(&p.Files[i])
		} else if r, ok := p.otherSources[k]; ok {
			records[k] = r
		}
	}
	return records, len(files) + len(p.otherSources) // disjoint (see Plan)
}

// sourceFiles returns, by source path, the index in Files of the file
// whose record Sources holds: of the files with one source path (an
// unhashed and a hashed copy) the last in Files, as SourceRecords takes
// it. One pass in Files' order; the map is ~3 MB at 100,000 files, made
// for each call and dropped by the caller.
func (p *Plan) sourceFiles() map[string]int32 {
	files := make(map[string]int32, len(p.Files)/2)
	for i := range p.Files {
		if _, ok := p.recordOf(&p.Files[i]); ok {
			files[p.Files[i].SourcePath] = int32(i)
		}
	}
	return files
}

// sourcesEqual reports whether Sources would equal known. With none known
// (a build from the record, or the first) that is whether there are none,
// which the first file giving a record answers.
func (p *Plan) sourcesEqual(known map[string]SourceRecord) bool {
	if len(known) == 0 {
		for i := range p.Files {
			if _, ok := p.recordOf(&p.Files[i]); ok {
				return false
			}
		}
		return len(p.otherSources) == 0
	}
	files := p.sourceFiles()
	if len(files)+len(p.otherSources) != len(known) {
		return false
	}
	for i := range p.Files {
		f := &p.Files[i]
		if j, ok := files[f.SourcePath]; ok && j == int32(i) {
			if r, _ := p.recordOf(f); known[f.SourcePath] != r {
				return false
			}
		}
	}
	for path, r := range p.otherSources {
		if k, ok := known[path]; !ok || k != r {
			return false
		}
	}
	return true
}

// HasErrors reports whether the plan has an error diagnostic.
func (p *Plan) HasErrors() bool { return hasErrors(p.Diagnostics) }

// Content returns the bytes of one output file: its rewritten bytes, or its
// source's read through the FileSystem and checked against the planned MD5
// (a source edited since planning fails rather than be written under a
// name that no longer matches). A rewritten copy made again from a source
// whose identity proves it unchanged (readAgain) is the planned copy
// without a second MD5: rewriting is a function of the source's bytes and
// the names planned for its targets. The caller may keep the bytes; one
// that drops them once used calls WithContent instead.
func (p *Plan) Content(f PlanFile) ([]byte, error) {
	data, _, err := p.content(f, false)
	return data, err
}

// WithContent calls use with the bytes of one output file (see Content),
// valid only during the call: a copy made for it (a rewritten copy made
// again, a source read) goes back to the pooled source buffers afterwards
// (see sourceBuffers), since a writer that writes each file and drops its
// bytes made ~80 MB of garbage at 100,000 files. A rewritten copy the
// Plan keeps is passed as it is and never given back
// (TestWithContentGivesBackOnlyItsCopies).
func (p *Plan) WithContent(f PlanFile, use func(data []byte) error) error {
	data, buf, err := p.content(f, true)
	if err != nil {
		return err
	}
	err = use(data)
	if buf != nil {
		putSourceBuffer(buf, data)
	}
	return err
}

// ForgetKeptBytes drops the rewritten copies the Plan's budget kept
// (PlanOptions.KeptBytes), for a writer done with the files' bytes: Content
// makes such a copy again from its source if asked later, as for one the
// budget never kept. At 100,000 files they were ~9 MB held through the
// commit, the records and the snapshot.
func (p *Plan) ForgetKeptBytes() { p.kept.dropRewritten() }

// content is Content; with pooled set, a copy it makes is made in a
// buffer of sourceBuffers, returned as buf for the caller to give back
// once it no longer refers to data (buf is nil for bytes the Plan holds).
func (p *Plan) content(f PlanFile, pooled bool) (data []byte, buf *[]byte, err error) {
	fail := func(err error) ([]byte, *[]byte, error) {
		if buf != nil {
			sourceBuffers.Put(buf)
		}
		return nil, nil, err
	}
	var same bool
	if f.recipe != nil {
		if data = p.kept.rewrittenOf(f.LogicalPath); data != nil {
			return data, nil, nil
		}
		if data = f.recipe.content; data != nil { // named before the Plan, by a lookup
			return data, nil, nil
		}
		var dst []byte
		if pooled && f.recipe.remake == nil {
			buf = getSourceBuffer()
			dst = (*buf)[:0]
		}
		data, same, err = f.recipe.make(dst, p.fsys, p.staticURL, f.source, p.started) // checked below unless same
	} else if _, host := p.fsys.(OSFileSystem); host && pooled {
		buf = getSourceBuffer()
		data, err = readRegularFileInto(f.SourcePath, *buf)
	} else {
		data, err = p.fsys.ReadFile(f.SourcePath)
	}
	if err != nil {
		if f.recipe == nil {
			err = fmt.Errorf("cannot read %s: %w", f.SourcePath, err)
		}
		return fail(err)
	}
	if same {
		return data, buf, nil
	}
	if sum := md5.Sum(data); hex.EncodeToString(sum[:]) != f.MD5 {
		return fail(fmt.Errorf("%s changed during the build; run the build again", f.SourcePath))
	}
	return data, buf, nil
}

// Plan computes what a static root of every file must hold. It reads only
// through the FileSystem, writes nothing, and gives the same Plan for any
// number of workers. Errors in the sources are diagnostics in the Plan, not
// an error; the error is for a plan that could not be computed at all (an
// unreadable directory, a bad option).
func (p *Project) Plan(opts PlanOptions) (*Plan, error) {
	if _, _, err := newIntegrityHash(opts.Integrity); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	var inv *Inventory
	var err error
	var paths []string
	// work are the paths read, scanned and named: every path, or after a
	// change the affected ones only (see prior.go); the others' PlanFiles
	// come from the record as they are (fromPrior).
	var work []string
	var affected map[string]bool
	if opts.Prior != nil {
		inv = opts.Prior.inventory()
		affected = opts.Prior.affected(opts.Changed)
		p.trust(opts.Prior, affected)
		defer p.trust(nil, nil)
		paths, work = opts.Prior.paths(affected)
	} else if inv, err = p.Walk(); err != nil {
		return nil, err
	} else {
		paths = inv.Paths()
		work = paths
	}
	_, host := p.fsys.(OSFileSystem)
	inputs := Inputs{Dirs: inv.dirs, Probes: append([]string(nil), inv.missingRoots...), Linked: inv.linked, Host: host}
	for _, dir := range inv.dirs {
		inputs.Probes = append(inputs.Probes, bundlerProbes(dir)...)
	}
	if opts.Prior != nil {
		inputs = opts.Prior.Inputs
	}
	plan := &Plan{inputs: inputs, Collected: len(paths), Duplicates: inv.Duplicates, Ignored: inv.Ignored, Diagnostics: inv.Diagnostics, Manifest: make(map[string]string, len(paths)),
		fsys: p.fsys, staticURL: p.cfg.StaticURL, kept: newKeptBytes(opts.KeptBytes), started: opts.Now, scans: map[string]ScanRecord{}}

	p.setKnownRecords(opts.Known)
	_, algorithm, _ := newIntegrityHash(opts.Integrity)
	scanFormat := scanCacheFormatOf(&p.cfg)
	var scans map[string]ScanRecord
	if opts.ScanCache != nil && opts.ScanCache.Format == scanFormat {
		scans = opts.ScanCache.Records
	}
	p.mu.Lock()
	if len(p.entries) == 0 {
		// A new Project (or one whose caches a Plan forgot) gets an entry
		// per path read: the map is sized once instead of grown through
		// every doubling (after a change, the affected paths and the few
		// their lookups trust).
		p.entries = make(map[string]*entry, len(work))
	}
	p.direct, p.directIn = inv, p.generation
	p.integrity, p.scans, p.kept, p.planStarted = algorithm, scans, plan.kept, opts.Now
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.integrity, p.scans, p.kept, p.planStarted = "", nil, nil, time.Time{}
		p.mu.Unlock()
	}()

	// Read and scan everything in parallel; naming then hits the cache.
	var loaded atomic.Int64
	loadErrs := make([]error, len(work))
	forEach(len(work), workers, func(i int) {
		_, loadErrs[i] = p.node(work[i])
		progress("read", int(loaded.Add(1)), len(work))
	})
	if refused := refusedFiles(loadErrs); len(refused) > 0 {
		// A file that changed into something not collectable since the
		// walk (a FIFO swapped in): reported like the walk's findings.
		plan.Diagnostics = append(plan.Diagnostics, refused...)
		sortDiagnostics(plan.Diagnostics)
		return plan, nil
	}
	if err := errors.Join(loadErrs...); err != nil {
		return nil, err
	}
	// Every file is read: a later lookup resolves its real path as any
	// lookup does, and the walk's maps of every path (~12 MB at 100,000
	// files) are not held through naming.
	p.mu.Lock()
	p.direct = nil
	p.mu.Unlock()
	inv.direct, inv.Files = nil, nil
	if opts.ForgetCaches {
		p.dropEvidence()
	}
	p.naming.Lock()
	err = p.nameAll(work, workers)
	p.naming.Unlock()
	if err != nil {
		return nil, err
	}
	if opts.ForgetCaches {
		p.dropMeanings()
	}

	copies := 2 // at most an unhashed and a hashed copy each
	if opts.HashedOnly {
		copies = 1 // an array of twice the files would be half empty (~11 MB at 100,000 files)
	}
	files := make([]PlanFile, 0, copies*len(paths))
	scanned := newScanRecorder(plan, opts, scanFormat)
	infos := make([]FileInfo, 0, len(paths)) // what each PlanFile.source points to, not a node
	// The record's entries and the scan records are made as the loop
	// takes each file, from its node and name (recordedFileOf,
	// scanRecorder), and so is what knownSources would find of a node
	// whose source no PlanFile holds as read: a Project
	// forgotten after the Plan drops each path's entry and name once the
	// loop has taken them (dropPath), instead of holding every node
	// (~85 MB at 100,000 files) beside the Plan's Files until the end of
	// planning. Naming is done: no later file looks an earlier one up.
	var recorded []recordedFile
	if opts.Record {
		recorded = make([]recordedFile, 0, len(work))
	}
	released := map[string]KnownSource{} // the sources of dropped nodes no PlanFile holds as read
	for i, l := range paths {
		if opts.Prior != nil && !affected[l] {
			files = plan.fromPrior(files, opts.Prior, i, algorithm, opts.HashedOnly, &infos, p.remakeTrusted)
			continue
		}
		node, _ := p.node(l)
		if node == nil {
			return nil, fmt.Errorf("%s disappeared during the build; run the build again", l)
		}
		hashedName, rewritten, named := plainName(node), (*namedFile)(nil), (*namedFile)(nil)
		if needsNaming(node) {
			named = p.named(l)
			scanned.add(l, named)
			hashedName = named.hashedName
			plan.Diagnostics = append(plan.Diagnostics, named.diags...)
			if named.content != nil || named.lazyRewrite != nil {
				rewritten = named
				plan.Rewritten++
			}
			if named.cycle {
				plan.Cycles++
			}
		}
		if !node.prehashed {
			plan.Hashed++
		}
		plan.Manifest[l] = hashedName
		infos = append(infos, node.info)
		source := PlanFile{Path: l, LogicalPath: l, SourcePath: node.source.Path, Size: node.info.Size, MD5: hex.EncodeToString(node.sum[:]), source: &infos[len(infos)-1]}
		if strings.HasPrefix(node.sri, algorithm+"-") {
			source.SRI = node.sri
		}
		if !opts.HashedOnly {
			files = append(files, source)
		}
		if hashedName != l || opts.HashedOnly {
			hashed := source
			hashed.Path, hashed.Hashed = hashedName, true
			switch {
			case rewritten != nil && rewritten.lazyRewrite != nil:
				lazy := rewritten.lazyRewrite
				hashed.recipe, hashed.Rewritten, hashed.Size, hashed.MD5, hashed.SRI = recipeOf(rewritten), true, lazy.size, lazy.md5, lazy.sri
			case rewritten != nil: // named outside a Plan and reused: it holds its bytes
				sum := md5.Sum(rewritten.content)
				hashed.recipe, hashed.Rewritten, hashed.Size, hashed.MD5, hashed.SRI = recipeOf(rewritten), true, int64(len(rewritten.content)), hex.EncodeToString(sum[:]), ""
			}
			files = append(files, hashed)
		} else {
			files[len(files)-1].Hashed = true
		}
		if opts.Record {
			recorded = append(recorded, recordedFileOf(node, named))
		}
		if opts.ForgetCaches {
			if opts.HashedOnly && rewritten != nil { // only the rewritten copy: see knownSources
				released[node.source.Path] = knownFrom(node.info, node.sum)
			}
			p.dropPath(l)
		}
	}
	var namedPaths map[string]bool // with Prior, the output paths of the files named again
	if opts.Prior != nil {
		namedPaths = map[string]bool{}
		for _, f := range files {
			if affected[f.LogicalPath] {
				namedPaths[f.Path] = true
			}
		}
	}
	files, collisions := dedupeOutputs(files, func(f PlanFile) {
		// A copy of the same bytes at a path another file has: its source
		// may no longer be held as read by any PlanFile.
		if opts.ForgetCaches && !f.Rewritten && f.source != nil && (opts.Prior == nil || affected[f.LogicalPath]) {
			var sum [16]byte
			hex.Decode(sum[:], []byte(f.MD5))
			released[f.SourcePath] = knownFrom(*f.source, sum)
		}
	})
	plan.Files = files
	if opts.Prior != nil {
		plan.priorPlan = true
		// Deduplication keeps one file per path, perhaps one not named
		// again for a path one named again shares: by path, not logical
		// path.
		for i := range files {
			if namedPaths[files[i].Path] {
				plan.difference = append(plan.difference, i)
			}
		}
	}
	plan.Diagnostics = append(plan.Diagnostics, collisions...)
	sortDiagnostics(plan.Diagnostics)
	if plan.HasErrors() {
		return plan, nil
	}
	if opts.Record && len(plan.Diagnostics) == 0 {
		recordedInfos := infos
		if opts.Prior != nil {
			// Only the files named again are recorded anew: the others'
			// entries are the Prior's (RecordFiles takes them from it).
			recordedInfos = make([]FileInfo, 0, len(work))
			for i, l := range paths {
				if affected[l] {
					recordedInfos = append(recordedInfos, infos[i])
				}
			}
		}
		plan.record, plan.recorded = &planRecord{files: recorded, infos: recordedInfos, prior: opts.Prior}, true
	}
	// The files read whose bytes no PlanFile holds as read (only a
	// rewritten copy, or read by a lookup before the Plan): integrity
	// records the others from plan.Files (a map of every source was
	// ~10 MB at 100,000 files).
	asRead := make(map[string]struct{}, len(plan.Files)/2)
	for _, f := range plan.Files {
		if !f.Rewritten {
			asRead[f.SourcePath] = struct{}{}
		}
	}
	others := p.knownSources(asRead)
	for path, k := range released {
		if _, ok := asRead[path]; !ok {
			others[path] = k
		}
	}
	if opts.Prior != nil {
		opts.Prior.addRewrittenSources(others, affected, asRead)
		plan.sourcesTouched = opts.Prior.sourcesTouched(affected, others)
	}
	scanSRIs := scanned.done()
	if opts.ForgetCaches {
		p.forget()
	}
	var named []string // with Prior, the files named again
	if opts.Prior != nil {
		named = work
	}
	if err := plan.integrity(opts, others, named, workers); err != nil {
		return nil, err
	}
	plan.recordSRI()
	plan.recordScanSRI(scanSRIs)
	plan.sourcesSame = plan.sourcesEqual(opts.Known)
	return plan, nil
}

// scanSRI is a scan record whose SRI values are those of the Plan's files,
// known once integrity has computed them (see scanRecorder).
type scanSRI struct {
	sourcePath, logicalPath, hashedName string
	rewritten                           bool // RewrittenSRI is hashedName's
	source                              bool // SRI is logicalPath's
}

// scanRecorder fills the scan cache for the next build (see
// scancache.go): every named CSS/JS file without diagnostics, outside a
// cycle, whose identity is known and was not changed within RacyWindow of
// planning. The Plan's loop gives it each named file as it takes it, so
// that a Project forgotten after the Plan can drop the file's node (its
// parsed URLs and name: ~30 MB at 100,000 files) right then; the SRI
// values the records take from the Plan's files are filled in after
// integrity (pending, recordScanSRI).
type scanRecorder struct {
	plan    *Plan
	opts    PlanOptions
	on      bool // a Plan from a record, or one without a start, records none
	reused  int  // records taken as they were
	pending []scanSRI
}

func newScanRecorder(plan *Plan, opts PlanOptions, format string) *scanRecorder {
	plan.scanFormat = format
	return &scanRecorder{plan: plan, opts: opts, on: !opts.Now.IsZero() && opts.Prior == nil}
}

// add records the named file at logical path l.
func (s *scanRecorder) add(l string, named *namedFile) {
	if !s.on {
		return
	}
	n := named.node
	if named.fromRecord {
		s.plan.scans[n.source.Path] = *n.record
		s.reused++
		return
	}
	if named.cycle || len(named.diags) > 0 || len(n.diags) > 0 || n.info.ChangeTime == 0 || n.info.Inode == 0 ||
		Racy(s.opts.Now, n.info.ModTime, n.info.ChangeTime) {
		return
	}
	rec := ScanRecord{LogicalPath: l, Size: n.info.Size, ModTime: n.info.ModTime, ChangeTime: n.info.ChangeTime, Device: n.info.Device, Inode: n.info.Inode,
		MD5: hex.EncodeToString(n.sum[:]), SRI: n.sri, References: n.refs, Targets: named.targetNames, HashedName: named.hashedName}
	switch {
	case named.lazyRewrite != nil:
		rec.Rewritten, rec.RewrittenMD5, rec.RewrittenLen, rec.RewrittenSRI = true, named.lazyRewrite.md5, named.lazyRewrite.size, named.lazyRewrite.sri
	case named.content != nil:
		sum := md5.Sum(named.content)
		rec.Rewritten, rec.RewrittenMD5, rec.RewrittenLen = true, hex.EncodeToString(sum[:]), int64(len(named.content))
	}
	fill := scanSRI{sourcePath: n.source.Path, logicalPath: l, hashedName: named.hashedName,
		rewritten: named.lazyRewrite == nil && named.content != nil, source: rec.SRI == "" && !s.opts.HashedOnly}
	if fill.rewritten || fill.source {
		s.pending = append(s.pending, fill)
	}
	s.plan.scans[n.source.Path] = rec
}

// done settles ScanCacheChanged once every file was added, and returns
// the records whose SRI values integrity will give (recordScanSRI).
func (s *scanRecorder) done() []scanSRI {
	switch {
	case s.opts.Now.IsZero():
	case s.opts.Prior != nil:
		// The files this Plan took from the PlanRecord have no references
		// to record; their records in the last scan cache are still right
		// (their identity is unchanged), and those of the changed files
		// no longer match theirs, nor the targets' names of their
		// dependents' (see fromRecord): the cache a writer holds stays
		// as it is (see prior.go).
		s.plan.scansSame = true
	default:
		cache := s.opts.ScanCache
		s.plan.scansSame = cache != nil && cache.Format == s.plan.scanFormat && s.reused == len(s.plan.scans) && s.reused == len(cache.Records)
	}
	return s.pending
}

// recordScanSRI fills in the SRI values scanRecorder left to integrity.
func (plan *Plan) recordScanSRI(pending []scanSRI) {
	for _, fill := range pending {
		rec := plan.scans[fill.sourcePath]
		if fill.rewritten {
			rec.RewrittenSRI = plan.sriOf(fill.hashedName)
		}
		if fill.source {
			rec.SRI = plan.sriOf(fill.logicalPath)
		}
		plan.scans[fill.sourcePath] = rec
	}
}

// sriOf is the SRI value of the file at an output path ("" when none):
// Files are sorted by Path, so no map of 200,000 paths is needed.
func (plan *Plan) sriOf(path string) string {
	i := sort.Search(len(plan.Files), func(i int) bool { return plan.Files[i].Path >= path })
	if i < len(plan.Files) && plan.Files[i].Path == path {
		return plan.Files[i].SRI
	}
	return ""
}

// dedupeOutputs sorts files by output path and keeps one file per path.
// Two files with one path and the same bytes are one output; with other
// bytes they collide: a source named like another file's hashed copy (a
// built "a.<hash>.css" committed beside "a.css"), or a prehashed file
// whose name a hashed copy takes. Which one would win depends on the order
// of writes, so neither is written: the error names both. dropped, when
// not nil, is given each file left out as the same bytes as the kept one.
func dedupeOutputs(files []PlanFile, dropped func(PlanFile)) ([]PlanFile, []Diagnostic) {
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].Path != files[j].Path {
			return files[i].Path < files[j].Path
		}
		return files[i].LogicalPath < files[j].LogicalPath
	})
	out := files[:0] // in place: a 100,000-file Plan holds one array of Files
	var diags []Diagnostic
	for _, f := range files {
		if n := len(out); n > 0 && out[n-1].Path == f.Path {
			prev := &out[n-1]
			if prev.MD5 == f.MD5 {
				prev.Hashed = prev.Hashed || f.Hashed
				if dropped != nil {
					dropped(f)
				}
				continue
			}
			diags = append(diags, collision(*prev, f))
			continue
		}
		out = append(out, f)
	}
	clear(files[len(out):]) // what the array holds beyond out is garbage
	return out, diags
}

// collision describes two different contents planned for one output path.
func collision(a, b PlanFile) Diagnostic {
	role := func(f PlanFile) string {
		if f.Hashed && f.Path != f.LogicalPath {
			return fmt.Sprintf("the hashed copy of %s (%s)", f.LogicalPath, f.SourcePath)
		}
		return fmt.Sprintf("%s (%s)", f.LogicalPath, f.SourcePath)
	}
	// The file whose own logical path is the output path is the one to
	// rename or delete: the other file's name is computed.
	culprit := a
	if b.LogicalPath == b.Path {
		culprit = b
	}
	return Diagnostic{
		Severity: SeverityError, Code: CodeOutputCollision, LogicalPath: culprit.LogicalPath, Path: culprit.SourcePath,
		Message: fmt.Sprintf("%s and %s would both be written to %s, with different bytes", role(a), role(b), a.Path),
		Hint: fmt.Sprintf("delete or rename %s: a name of the form name.<hash>.ext is what a build gives another file (a built copy committed to the sources?)",
			culprit.SourcePath),
	}
}

// integrity fills in the SRI value of every file, then the manifest, the
// sidecar and the source records (others are the sources no file holds as
// read: see Plan). Each distinct content is hashed once (the
// unhashed and hashed copies of most files share theirs), and an unchanged
// source that is not rewritten keeps the value the last build recorded, so
// a no-change plan reads only what it rewrites.
func (plan *Plan) integrity(opts PlanOptions, others map[string]KnownSource, named []string, workers int) error {
	_, algorithm, _ := newIntegrityHash(opts.Integrity)
	// One file per content computes its value; known values first, so a
	// content that has one is never read.
	known := func(f PlanFile) string {
		old, ok := opts.Known[f.SourcePath]
		if ok && !f.Rewritten && old.MD5 == f.MD5 && strings.HasPrefix(old.SRI, algorithm+"-") &&
			knownFrom(plan.SourceStat(f), [16]byte{}).identity() == old.known().identity() {
			return old.SRI
		}
		return ""
	}
	// Most files have their value by now; the others take it from a file
	// with the same bytes, or it is computed once per content.
	var missing []int
	for i := range plan.Files {
		f := &plan.Files[i]
		if f.SRI == "" {
			f.SRI = known(*f)
		}
		if f.SRI == "" {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		byContent := map[string]string{} // MD5 -> SRI
		for _, f := range plan.Files {
			if f.SRI != "" {
				byContent[f.MD5] = f.SRI
			}
		}
		var pending []int // one file of each content that has no value yet
		for _, i := range missing {
			if sum := plan.Files[i].MD5; !hasKey(byContent, sum) {
				byContent[sum] = "" // pending
				pending = append(pending, i)
			}
		}
		values := make([]string, len(pending))
		errs := make([]error, len(pending))
		forEach(len(pending), workers, func(n int) {
			errs[n] = plan.WithContent(plan.Files[pending[n]], func(content []byte) error {
				var err error
				values[n], err = SRI(algorithm, content)
				return err
			})
		})
		if err := errors.Join(errs...); err != nil {
			return err
		}
		for n, i := range pending {
			byContent[plan.Files[i].MD5] = values[n]
		}
		for _, i := range missing {
			plan.Files[i].SRI = byContent[plan.Files[i].MD5]
		}
	}
	// The files' source records are made from Files when asked for
	// (SourceRecords); sources no file holds as read (read by a lookup
	// before the Plan, or only rewritten) get records of their own.
	plan.otherSources = make(map[string]SourceRecord, len(others))
	for path, k := range others {
		if !Racy(opts.Now, k.ModTime, k.ChangeTime) {
			plan.otherSources[path] = k.record(hex.EncodeToString(k.Sum[:]), "")
		}
	}
	plan.manifestAndSidecar(opts, algorithm, named)
	return nil
}

// manifestAndSidecar sets ManifestJSON and IntegrityJSON: with a Prior
// and its files, patched from them where only the files named again
// (named) may differ (patchManifest, patchIntegrity), else encoded whole.
func (plan *Plan) manifestAndSidecar(opts PlanOptions, algorithm string, named []string) {
	fromPrior := opts.Prior != nil
	if fromPrior && opts.PriorManifest != nil {
		plan.ManifestJSON, _ = patchManifest(opts.PriorManifest, plan.Manifest, named)
	}
	if plan.ManifestJSON == nil {
		plan.ManifestJSON = Manifest(plan.Manifest)
	}
	sum := md5.Sum(plan.ManifestJSON)
	manifestMD5 := hex.EncodeToString(sum[:])
	if fromPrior && opts.PriorIntegrity != nil {
		// A file named again may have a new hashed name (its old one
		// leaves the sidecar) or a new SRI value.
		touched := make([]string, 0, 2*len(named))
		for _, l := range named {
			touched = append(touched, plan.Manifest[l])
			if f := opts.Prior.file(l); f != nil {
				touched = append(touched, f.HashedName)
			}
		}
		slices.Sort(touched)
		plan.IntegrityJSON, _ = patchIntegrity(opts.PriorIntegrity, algorithm, manifestMD5, plan.Files, slices.Compact(touched))
	}
	if plan.IntegrityJSON == nil {
		plan.IntegrityJSON = sidecarOf(algorithm, manifestMD5, plan.Files)
	}
}

func hasKey(m map[string]string, key string) bool {
	_, ok := m[key]
	return ok
}

// sortDiagnostics orders diagnostics by file and position, so that output
// does not depend on the order files were read in.
func sortDiagnostics(diags []Diagnostic) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		if a.LogicalPath != b.LogicalPath {
			return a.LogicalPath < b.LogicalPath
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
