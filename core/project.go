package core

import (
	"bytes"
	"container/list"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/assetc/assetc/core/scan"
)

// Project is a configured set of sources and everything learned about them.
// It is lazy: asking for one name reads only that file and what it refers
// to. It caches what it read; Invalidate makes it re-check (cheaply, by stat)
// before trusting the cache again. A Project is safe for concurrent use.
type Project struct {
	fsys FileSystem
	cfg  Config

	mu         sync.Mutex
	generation uint64
	// entries caches what was found at each logical path asked about. It is
	// re-checked by stat after Invalidate, and bounded: entries for existing
	// files sit in found (at most maxFileEntries, more than any real tree),
	// entries for paths no root provides (misses: every unique 404 makes
	// one) sit in misses (at most maxMissEntries); each list drops its least
	// recently used entry when full.
	entries map[string]*entry
	found   *list.List // of *entry, most recently used first
	misses  *list.List // of *entry, most recently used first
	// names holds the name of each CSS/JS file asked about or referenced,
	// with the generation it was last checked in: Invalidate makes every one
	// re-checked before use (reused while nothing it depends on changed). At
	// most one per CSS/JS file in the roots; dropped when its file changes.
	names    map[string]*namedFile
	namings  int // files named (rewritten and hashed) so far, for tests
	bundlers *bundlerManifests

	// known holds content sums from an earlier build, so a rebuild need not
	// read a binary file whose identity is unchanged (see load).
	known map[string]KnownSource
	// knownRecords are the records a Plan was given (PlanOptions.Known),
	// consulted as they are (knownSource): a second map of 100,000
	// converted records was ~10 MB held through planning.
	knownRecords map[string]SourceRecord

	// direct is the walk of generation directIn while a Plan reads its
	// files: the files it reached without a symbolic link
	// (Inventory.direct) are looked up without resolving their real paths.
	// Invalidated by the next generation (a directory may have become a
	// link since); the Plan drops it once every file is read (a copy of
	// its paths, by logical path, was ~6 MB held through naming).
	direct   *Inventory
	directIn uint64

	// integrity is the SRI algorithm of the Plan being made, "" outside
	// one: a file read while it is set gets its SRI value from the same
	// read (fileNode.sri), so a cold Plan reads each source once.
	integrity string
	// scans is the scan cache of the Plan being made (see scancache.go),
	// nil outside one.
	scans map[string]ScanRecord
	// trusted is the PlanOptions.Prior of the Plan being made in
	// generation trustedIn, whose files but trustedAffected it takes as
	// recorded (see prior.go); nil outside one.
	trusted         *PlanRecord
	trustedAffected map[string]bool
	trustedIn       uint64
	// kept is the byte budget of the Plan being made (see keptBytes), nil
	// outside one: a lookup keeps the bytes it read.
	kept *keptBytes
	// planStarted is PlanOptions.Now of the Plan being made (see
	// readAgain), zero outside one.
	planStarted time.Time

	// naming is serialised: it is cheap next to reading and scanning, which
	// run in parallel, and it keeps the graph walk simple.
	naming sync.Mutex
}

// The bounds of Project.entries. A miss costs ~1.5 KB (its lookup's probes),
// and clients choose how many distinct misses they ask for: 2,000 of them
// keep a scanner's 404s under ~3 MB. A file entry costs about as much plus,
// for CSS and JS, the file's bytes; only the tree decides how many there
// are, so their bound (ten times the 100,000-file tree bench/ builds) only
// stops paths that reach one file many ways (symlinked directories).
const (
	maxFileEntries = 1_000_000
	maxMissEntries = 2_000
)

// entry caches the lookup of one logical path and the file loaded from it.
type entry struct {
	logical string
	// place is the entry's element in Project.misses when missing, else in
	// Project.found; nil before its first load. Both guarded by Project.mu.
	place     *list.Element
	missing   bool
	mu        sync.Mutex
	loaded    bool
	checked   uint64 // the generation the entry was last verified in
	lookup    lookup
	node      *fileNode // nil when no root provides the path
	err       error
	readCount int // how many times the file was read, for tests of laziness
	// trusted says node came from a PlanRecord (trustedNode): it is found
	// and read again in any later generation, not re-checked by stat.
	trusted bool
	// unproven says lookup was dropped (dropEvidence): nothing shows the
	// entry unchanged in a later generation.
	unproven bool
}

// fileNode is one source file as read: its content hash and, for CSS and JS,
// its content and references.
type fileNode struct {
	source    Source
	info      FileInfo
	hash      string   // ContentHash of the bytes as read
	sum       [16]byte // the whole MD5, the content's identity in build state
	css, js   bool     // adjustable: references inside are rewritten
	prehashed bool     // a bundler already named it by content
	content   []byte   // adjustable files only; guarded by contentMu
	// refs are the references found (or recorded, see ScanRecord), shared
	// with the scan cache's record of the file; urls[i] is what refs[i]
	// means (see references).
	refs  []scan.Reference
	urls  []*parsedURL
	diags []Diagnostic // problems with the file itself (encoding, scanning)
	// plain is the name of a file that needs no naming of its own (see
	// plainName), set once it is loaded.
	plain string
	// sri is the SRI value of the bytes as read ("sha384-…"), when a Plan
	// asked for one while reading; "" otherwise.
	sri string
	// lazy says content is read only when needed (sourceBytes): the node
	// came from the scan cache (record), or a Plan's budget did not keep
	// its bytes or has dropped them (keptBy).
	lazy   bool
	record *ScanRecord
	// keptBy is the budget of the Plan that holds content until the file
	// is named (see keptBytes); nil when content is not counted in one.
	keptBy    *keptBytes
	contentMu sync.Mutex
	// trusted says the node came from a PlanRecord (trustedNode): its
	// references are unknown until it is loaded again.
	trusted bool
}

// references yields a file's references with their meanings.
func (n *fileNode) references() iter.Seq[fileReference] {
	return func(yield func(fileReference) bool) {
		for i, ref := range n.refs {
			if !yield(fileReference{Reference: ref, url: n.urls[i]}) {
				return
			}
		}
	}
}

// fileReference is a reference found in a file and what its text means.
// The meaning is shared by every reference of the file with the same text
// (see load): a stylesheet naming one sprite 100,000 times keeps it once.
type fileReference struct {
	scan.Reference
	url *parsedURL
}

// NewProject checks the configuration and returns a Project that reads
// through fsys. Nothing is read until a question is asked.
func NewProject(fsys FileSystem, cfg Config) (*Project, error) {
	normalized, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	return &Project{
		fsys:     fsys,
		cfg:      normalized,
		entries:  map[string]*entry{},
		found:    list.New(),
		misses:   list.New(),
		names:    map[string]*namedFile{},
		bundlers: newBundlerManifests(),
	}, nil
}

// Config returns the configuration with defaults filled in.
func (p *Project) Config() Config { return p.cfg }

// Invalidate tells the project that source files may have changed. Nothing is
// re-read now; the next question re-checks each cached file it needs with a
// stat and re-reads only what changed. (Django's runserver calls this
// before each request in DEBUG.)
func (p *Project) Invalidate() {
	p.mu.Lock()
	p.generation++
	p.mu.Unlock()
	p.bundlers.invalidate()
}

// forget drops everything the Project has cached about files (lookups,
// loaded files, names, the sums of an earlier build); its configuration
// stays. The next question reads what it needs anew.
func (p *Project) forget() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.generation++
	p.entries, p.found, p.misses = map[string]*entry{}, list.New(), list.New()
	p.names, p.known, p.knownRecords, p.direct = map[string]*namedFile{}, nil, nil, nil
	p.bundlers = newBundlerManifests()
}

// dropEvidence empties the lookup of every entry loaded (what a later
// generation checks before it reuses the entry: the probes and their
// identities), for a Plan of a Project forgotten once the Plan has its
// files (PlanOptions.ForgetCaches): 100,000 lookups were ~13 MB held
// through naming. Such an entry counts as changed in any later generation.
func (p *Project) dropEvidence() {
	p.eachEntry(func(e *entry) {
		if e.loaded {
			e.lookup, e.unproven = lookup{}, true
		}
	})
}

// eachEntry calls fn with each entry's lock held; the entries are those
// of the moment it starts (p.mu is not held while fn runs).
func (p *Project) eachEntry(fn func(e *entry)) {
	p.mu.Lock()
	entries := make([]*entry, 0, len(p.entries))
	for _, e := range p.entries {
		entries = append(entries, e)
	}
	p.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		fn(e)
		e.mu.Unlock()
	}
}

// dropMeanings drops the parsed URLs of every node once the Plan has named
// its files, for a Plan of a Project forgotten once the Plan has its files
// (PlanOptions.ForgetCaches): the Plan's loop, its record and its scan
// records take the references, not their meanings, and a rewritten copy
// is made again from the references (rewriteRecipe.make). 100,000 files'
// meanings were ~10 MB held beside the Plan's Files as they are allocated.
// Nothing may ask for a node's references (fileNode.references) after it.
func (p *Project) dropMeanings() {
	p.eachEntry(func(e *entry) {
		if e.node != nil {
			e.node.urls = nil
		}
	})
}

// dropPath drops a path's entry and name, for a Plan of a Project forgotten
// once the Plan has its files (PlanOptions.ForgetCaches): the Plan's loop
// drops each path once it has taken the file's PlanFiles, its record
// entry and its known source, so the nodes (~85 MB at 100,000 files) are
// not held beside the Plan's Files until forget. A later lookup of the
// path loads it anew.
func (p *Project) dropPath(logical string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.entries[logical]; e != nil {
		if e.place != nil {
			p.listOf(e).Remove(e.place)
			e.place = nil
		}
		delete(p.entries, logical)
	}
	delete(p.names, logical)
}

// Find returns the file that provides a logical path, or a *NotFoundError.
func (p *Project) Find(logical string) (Source, error) {
	node, err := p.node(logical)
	if err != nil {
		return Source{}, err
	}
	if node == nil {
		return Source{}, p.notFound(logical)
	}
	return node.source, nil
}

// node returns the loaded file for a logical path, nil if none exists.
func (p *Project) node(logical string) (*fileNode, error) {
	p.mu.Lock()
	e := p.entries[logical]
	if e == nil {
		e = &entry{logical: logical}
		p.entries[logical] = e
	} else if e.place != nil {
		p.listOf(e).MoveToFront(e.place)
	}
	generation := p.generation
	p.mu.Unlock()

	node, err, changed := p.check(e, generation)
	if changed {
		p.file(e, node != nil)
	}
	return node, err
}

// check answers from the entry, re-checking or loading it when it was not
// verified in this generation; changed says it was (re)loaded.
func (p *Project) check(e *entry, generation uint64) (*fileNode, error, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded && e.checked == generation {
		return e.node, e.err, false
	}
	if e.loaded && !e.trusted && e.err == nil && p.unchanged(e) {
		e.checked = generation
		return e.node, nil, false
	}
	if !e.loaded || e.trusted {
		if p.trustedNode(e, generation) {
			return e.node, nil, true
		}
	}
	e.loaded, e.checked, e.trusted, e.unproven = true, generation, false, false
	p.mu.Lock()
	direct := ""
	if p.directIn == generation && p.direct != nil && p.direct.direct[e.logical] {
		direct = p.direct.Files[e.logical].Path
	}
	p.mu.Unlock()
	e.lookup, e.err = find(p.fsys, &p.cfg, e.logical, direct)
	e.node = nil
	if e.err == nil && e.lookup.source != nil {
		e.readCount++
		e.node, e.err = p.load(*e.lookup.source, e.lookup.probes[len(e.lookup.probes)-1].info)
		if e.node != nil && !needsNaming(e.node) {
			// Named once: every reference to the file and the manifest
			// share the string.
			e.node.plain = plainName(e.node)
		}
	}
	return e.node, e.err, true
}

// listOf is the list an entry sits in; called with p.mu held.
func (p *Project) listOf(e *entry) *list.List {
	if e.missing {
		return p.misses
	}
	return p.found
}

// file puts a (re)loaded entry in the list its outcome belongs to, found or
// misses, and drops that list's least recently used entries beyond its bound.
func (p *Project) file(e *entry, exists bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.entries[e.logical] != e {
		return // dropped meanwhile
	}
	if e.place != nil {
		if e.missing == !exists {
			return
		}
		p.listOf(e).Remove(e.place)
	}
	e.missing = !exists
	to, bound := p.listOf(e), maxFileEntries
	if e.missing {
		bound = maxMissEntries
	}
	e.place = to.PushFront(e)
	for to.Len() > bound {
		oldest := to.Remove(to.Back()).(*entry)
		oldest.place = nil
		delete(p.entries, oldest.logical)
	}
}

// stale reports whether a loaded entry no longer matches the files on disk.
func (p *Project) stale(e *entry) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.loaded && e.err == nil && !p.unchanged(e)
}

// unchanged re-stats every place the cached lookup looked.
func (p *Project) unchanged(e *entry) bool {
	if e.unproven {
		return false
	}
	for _, pr := range e.lookup.probes {
		info, err := p.fsys.Stat(pr.path)
		exists := err == nil && !info.IsDir()
		if exists != pr.exists {
			return false
		}
		// The identity catches a symlink retargeted (out of its root, say)
		// to a file of the same size and time, and the ctime an edit whose
		// mtime was set back.
		if exists && (info.Size != pr.info.Size || info.ModTime != pr.info.ModTime || info.ChangeTime != pr.info.ChangeTime ||
			info.Device != pr.info.Device || info.Inode != pr.info.Inode) {
			return false
		}
	}
	return true
}

// KnownSource is what an earlier build learned about a source file: while its
// identity (size, mtime, ctime, device, inode) is the same, its bytes are
// taken to be too.
type KnownSource struct {
	Size       int64    `json:"size"`
	ModTime    int64    `json:"mtime"`
	ChangeTime int64    `json:"ctime"`
	Device     uint64   `json:"dev"`
	Inode      uint64   `json:"ino"`
	Sum        [16]byte `json:"md5"`
}

// sourceIdentity is what must be unchanged for a file's recorded sum to hold.
type sourceIdentity struct {
	size, modTime, changeTime int64
	device, inode             uint64
}

// identity is what must be unchanged for k's sum to hold.
func (k KnownSource) identity() sourceIdentity {
	return sourceIdentity{k.Size, k.ModTime, k.ChangeTime, k.Device, k.Inode}
}

// record is what a build records of k for the next build (Plan.Sources).
func (k KnownSource) record(md5, sri string) SourceRecord {
	return SourceRecord{Size: k.Size, ModTime: k.ModTime, ChangeTime: k.ChangeTime, Device: k.Device, Inode: k.Inode, MD5: md5, SRI: sri}
}

// known is r's identity in KnownSource's terms (its sum left out).
func (r SourceRecord) known() KnownSource {
	return KnownSource{Size: r.Size, ModTime: r.ModTime, ChangeTime: r.ChangeTime, Device: r.Device, Inode: r.Inode}
}

// knownFrom is what a stat says, in KnownSource's terms.
func knownFrom(info FileInfo, sum [16]byte) KnownSource {
	return KnownSource{Size: info.Size, ModTime: info.ModTime, ChangeTime: info.ChangeTime, Device: info.Device, Inode: info.Inode, Sum: sum}
}

// SetKnownSources gives the project the sums an earlier build recorded, keyed
// by host path. Only files that are not CSS/JS use them: those are never
// scanned, so their sum is all the engine needs.
func (p *Project) SetKnownSources(known map[string]KnownSource) {
	p.mu.Lock()
	p.known, p.knownRecords = known, nil
	p.mu.Unlock()
}

// setKnownRecords is SetKnownSources for records as a build wrote them
// (Plan.Sources): one whose MD5 is not 32 hex digits is not known.
func (p *Project) setKnownRecords(records map[string]SourceRecord) {
	p.mu.Lock()
	p.known, p.knownRecords = nil, records
	p.mu.Unlock()
}

// knownSource is what an earlier build recorded about the file at path.
func (p *Project) knownSource(path string) (KnownSource, bool) {
	p.mu.Lock()
	k, ok := p.known[path]
	r, recorded := p.knownRecords[path]
	p.mu.Unlock()
	if ok || !recorded {
		return k, ok
	}
	k = r.known()
	if len(r.MD5) != hex.EncodedLen(len(k.Sum)) {
		return KnownSource{}, false
	}
	if _, err := hex.Decode(k.Sum[:], []byte(r.MD5)); err != nil {
		return KnownSource{}, false
	}
	return k, true
}

// KnownSources returns the sums of every file read or trusted so far, for the
// next build.
func (p *Project) KnownSources() map[string]KnownSource {
	return p.knownSources(nil)
}

// knownSources is KnownSources without the host paths in skip.
func (p *Project) knownSources(skip map[string]struct{}) map[string]KnownSource {
	p.mu.Lock()
	entries := make([]*entry, 0, len(p.entries))
	for _, e := range p.entries {
		entries = append(entries, e)
	}
	p.mu.Unlock()
	out := map[string]KnownSource{}
	for _, e := range entries {
		e.mu.Lock()
		if n := e.node; n != nil {
			if _, skipped := skip[n.source.Path]; !skipped {
				out[n.source.Path] = knownFrom(n.info, n.sum)
			}
		}
		e.mu.Unlock()
	}
	return out
}

// load reads a source file and, for CSS and JS, finds its references.
func (p *Project) load(source Source, info FileInfo) (node *fileNode, err error) {
	css, js := isAdjustable(source.LogicalPath, p.cfg.JSModules)
	if node := p.cachedNode(source, info); node != nil && (css || js) {
		prehashed, err := p.isPrehashed(source)
		if err != nil {
			return nil, err
		}
		if !prehashed {
			return node, nil
		}
	}
	if !css && !js {
		k, ok := p.knownSource(source.Path)
		if ok && k.identity() == knownFrom(info, k.Sum).identity() {
			prehashed, err := p.isPrehashed(source)
			if err != nil {
				return nil, err
			}
			return &fileNode{source: source, info: info, sum: k.Sum, hash: hex.EncodeToString(k.Sum[:6]), prehashed: prehashed}, nil
		}
	}
	if _, host := p.fsys.(OSFileSystem); host && !css && !js {
		return p.digest(source, info)
	}
	var content []byte
	if _, host := p.fsys.(OSFileSystem); host {
		// A pooled buffer (see sourceBuffers): bytes the node keeps are
		// copied out of it before it goes back.
		var release func()
		if content, release, err = readSource(source.Path); err == nil {
			defer func() {
				if node != nil && node.content != nil {
					node.content = bytes.Clone(node.content)
				}
				release()
			}()
		}
	} else {
		content, err = p.fsys.ReadFile(source.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s (%s): %w", source.Path, source.LogicalPath, err)
	}
	sum := md5.Sum(content)
	node = &fileNode{source: source, info: info, sum: sum, hash: hex.EncodeToString(sum[:6])}
	p.mu.Lock()
	algorithm := p.integrity
	p.mu.Unlock()
	if algorithm != "" {
		node.sri, _ = SRI(algorithm, content) // the Plan checked the algorithm
	}
	node.prehashed, err = p.isPrehashed(source)
	if err != nil {
		return nil, err
	}
	node.css, node.js = isAdjustable(source.LogicalPath, p.cfg.JSModules)
	if node.prehashed || (!node.css && !node.js) {
		return node, nil
	}
	if d, ok := checkText(source, content); !ok {
		node.diags = append(node.diags, d)
		return node, nil
	}
	var refs []scan.Reference
	if node.css {
		refs, err = scan.CSS(content)
	} else {
		refs, err = scan.JS(content, p.cfg.JSModules)
	}
	if err != nil {
		d := Diagnostic{Severity: SeverityError, Code: CodeUnscannable, LogicalPath: source.LogicalPath, Path: source.Path,
			Message: "cannot find the references in this file: " + err.Error(),
			Hint:    "check that the file is valid CSS/JavaScript"}
		var se *scan.Error
		if errors.As(err, &se) {
			d.Line, d.Col, d.Message = se.Line, se.Col, "cannot find the references in this file: "+se.Message
			d.excerpt = excerptAtLineCol(content, se.Line, se.Col)
		}
		node.diags = append(node.diags, d)
		return node, nil
	}
	// Memory for a file is its bytes, its rewritten bytes and about 100
	// bytes per reference (scan.Reference plus a pointer; the meaning of
	// each distinct reference text is parsed and kept once), so a 200 MB
	// stylesheet with a url() on every line peaks near 6x its size, a file
	// with few references near 2x (bench/large_file.sh).
	p.attachReferences(node, refs, content)
	if node.content != nil {
		p.mu.Lock()
		budget := p.kept
		p.mu.Unlock()
		if budget != nil {
			if budget.take(len(node.content)) {
				node.keptBy = budget
			} else {
				node.content, node.lazy = nil, true // read again when named
			}
		}
	}
	return node, nil
}

// digest loads a host file that is not CSS/JS without holding its bytes:
// its sums are all a build needs of them, and reading each file into a
// buffer of its own was most of what a cold build allocated. (Only for
// OSFileSystem itself: a FileSystem that wraps it decides what ReadFile
// returns.)
func (p *Project) digest(source Source, info FileInfo) (*fileNode, error) {
	p.mu.Lock()
	algorithm := p.integrity
	p.mu.Unlock()
	sum := md5.New()
	var w io.Writer = sum
	var integrity hash.Hash
	if algorithm != "" {
		integrity, _, _ = newIntegrityHash(algorithm) // the Plan checked the algorithm
		w = io.MultiWriter(sum, integrity)
	}
	if err := digestRegularFile(source.Path, w); err != nil {
		return nil, fmt.Errorf("cannot read %s (%s): %w", source.Path, source.LogicalPath, err)
	}
	node := &fileNode{source: source, info: info}
	sum.Sum(node.sum[:0])
	node.hash = hex.EncodeToString(node.sum[:6])
	if integrity != nil {
		node.sri = sriValue(algorithm, integrity)
	}
	var err error
	node.prehashed, err = p.isPrehashed(source)
	if err != nil {
		return nil, err
	}
	return node, nil
}

// sourceBytes returns the bytes of an adjustable file as it was read: those
// the node holds, or, when it holds none (fileNode.lazy), the file read
// again and checked against the sum it was read with, unless its identity
// proves it unchanged since a Plan started at started saw it (readAgain;
// a zero started always checks). Bytes read again are not kept: a Plan
// holds only what its budget allows (see keptBytes); release gives back
// the buffer they were read into, and nothing may refer to them after it.
func sourceBytes(fsys FileSystem, n *fileNode, started time.Time) (content []byte, release func(), err error) {
	n.contentMu.Lock()
	content, lazy := n.content, n.lazy
	n.contentMu.Unlock()
	if content != nil || !lazy {
		return content, func() {}, nil
	}
	content, same, release, err := readAgain(fsys, n.source.Path, n.info, started)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %s (%s): %w", n.source.Path, n.source.LogicalPath, err)
	}
	if !same && md5.Sum(content) != n.sum {
		release()
		return nil, nil, fmt.Errorf("%s changed during the build; run the build again", n.source.Path)
	}
	return content, release, nil
}

// release drops the bytes a node holds in a Plan's budget once its file is
// named: its name is all its dependents need, and its rewritten copy is
// made from a new read if it was not kept.
func (p *Project) release(n *fileNode) {
	n.contentMu.Lock()
	defer n.contentMu.Unlock()
	if n.keptBy != nil {
		n.keptBy.give(len(n.content))
		n.content, n.keptBy, n.lazy = nil, nil, true
	}
}

// attachReferences gives a node its references with their meanings, and
// keeps content when a reference may be rewritten (nil: not read yet).
func (p *Project) attachReferences(node *fileNode, refs []scan.Reference, content []byte) {
	source := node.source
	if cap(refs) > len(refs)+len(refs)/4 {
		refs = slices.Clip(slices.Clone(refs)) // a scanner's slice grown by appending
	}
	node.refs, node.urls = refs, meaningsOf(refs, source.LogicalPath, p.cfg.StaticURL)
	for _, u := range node.urls {
		if u.action == resolveFile || u.action == keepDirectory {
			// The bytes are kept only to be rewritten. A file with nothing to
			// rewrite is served and named as it is (its hash is node.hash),
			// and the CSS/JS bytes are most of what a Project holds: the
			// corpus's 64 MB would be kept by every wasm instance.
			node.content = content
			break
		}
	}
}

// meaningsOf returns what each reference of the file with logical path from
// means, parsed once per distinct text.
func meaningsOf(refs []scan.Reference, from, staticURL string) []*parsedURL {
	urls := make([]*parsedURL, len(refs))
	meanings := map[string]*parsedURL{}
	bare := &parsedURL{action: leaveAlone}
	for i, ref := range refs {
		u := meanings[ref.Value]
		if u == nil {
			parsed := parseReferenceURL(ref.Value, from, staticURL)
			u = &parsed
			meanings[ref.Value] = u
		}
		if isBareSpecifier(ref) {
			// "react" names a package the browser resolves through an import
			// map, not a file next to this one (ECMAScript module specifiers
			// are relative only with "./", "../" or "/").
			u = bare
		}
		urls[i] = u
	}
	return urls
}

// isBareSpecifier reports whether an import names a package rather than a
// path.
func isBareSpecifier(ref scan.Reference) bool {
	switch ref.Kind {
	case scan.JSImport, scan.JSExport, scan.JSSideEffectImport, scan.JSDynamicImport:
		v := ref.Value
		return !strings.HasPrefix(v, "./") && !strings.HasPrefix(v, "../") && !strings.HasPrefix(v, "/")
	}
	return false
}

// checkText rejects CSS/JS that Django could not decode either, with the
// place of the first bad byte.
func checkText(source Source, content []byte) (Diagnostic, bool) {
	d := Diagnostic{Severity: SeverityError, LogicalPath: source.LogicalPath, Path: source.Path}
	if encoding := wideEncoding(content); encoding != "" {
		d.Code = CodeNotUTF8
		d.Message = "this file is " + encoding + " encoded, not UTF-8"
		d.Hint = "save it as UTF-8 (Django cannot read it either)"
		return d, false
	}
	if i := bytes.IndexByte(content, 0); i >= 0 {
		d.Code = CodeBinary
		d.Line, d.Col = lineCol(content, i) // no excerpt: the line is binary
		d.Message = "this file has NUL bytes: it is binary data, not text"
		d.Hint = "rename it if it is not a stylesheet or script, or replace it with the real file"
		return d, false
	}
	if utf8.Valid(content) {
		return d, true
	}
	bad := 0
	for bad < len(content) {
		r, size := utf8.DecodeRune(content[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	d.Code = CodeNotUTF8
	d.Line, d.Col = lineCol(content, bad)
	d.excerpt = excerptAt(content, bad, 0)
	d.Message = fmt.Sprintf("byte 0x%02X is not valid UTF-8", content[bad])
	d.Hint = "re-save the file as UTF-8 (Django cannot read it either)"
	return d, false
}

// lineCol turns a byte offset into a 1-based line and byte column.
func lineCol(content []byte, offset int) (int, int) {
	line := 1 + bytes.Count(content[:offset], []byte{'\n'})
	col := offset - bytes.LastIndexByte(content[:offset], '\n')
	return line, col
}

// notFound builds the error for a logical path no root provides.
func (p *Project) notFound(logical string) error {
	e := &NotFoundError{LogicalPath: logical}
	for _, r := range p.cfg.Roots {
		if _, ok := relativeTo(r.Prefix, logical); ok {
			e.Searched = append(e.Searched, r)
		}
	}
	if l, err := find(p.fsys, &p.cfg, logical, ""); err == nil {
		e.Ignored = l.ignored
	}
	e.Suggestions = p.suggest(logical)
	return e
}

// ReadCount reports how many times the file behind a logical path was read.
// Tests use it to check that lookups are lazy and caches work.
func (p *Project) ReadCount(logical string) int {
	p.mu.Lock()
	e := p.entries[logical]
	p.mu.Unlock()
	if e == nil {
		return 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.readCount
}

// NamingCount reports how many times a CSS/JS file was named: rewritten and
// hashed. Tests use it to check that unchanged files keep their names
// across Invalidate without being named again.
func (p *Project) NamingCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.namings
}

// CachedPaths reports how many logical paths the project holds an answer for,
// found or missing. Tests use it to check that the cache is bounded.
func (p *Project) CachedPaths() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}
