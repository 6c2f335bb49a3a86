package core

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"
)

// A Plan may start from an earlier one instead of from nothing: given the
// PlanRecord of the last Plan (PlanOptions.Prior) and the host paths of the
// sources that may have changed since (PlanOptions.Changed), it lists no
// directory, stats and reads no unchanged file, and names again only the
// changed files and the CSS/JS files that reference them, directly or
// through others (their dependents): everything else keeps what the record
// says. The result is the Plan a walk from nothing would give, because
// nothing else can differ: a file's name and bytes depend only on its own
// bytes, on the bundler manifests and configuration, and (for CSS/JS) on
// the final names of the files its references resolve to; which files
// exist depends only on the directories listed. The caller vouches for
// everything but the changed sources (core/writer's snapshot proves it by
// the identity of every source, listed directory and bundler-manifest
// probe).
//
// This is one planner, not two: the record only pre-fills the Project's
// cache (trustedNode) with what the last Plan's reads found, for the files
// the affected ones reference, and the same code as any Plan names,
// rewrites and lists the affected files from there. Every other file's
// PlanFiles and record entry are copied from the record (fromPrior,
// replaced), with no node, entry or name; staticfiles.json and the sidecar
// are patched from the last ones when the caller has them
// (PlanOptions.PriorManifest, patchManifest, patchIntegrity); and the Plan
// says what a writer must look at (Plan.Difference, Plan.SourcesPatch).
// The walk, the reads and the scans it saves are most of a Plan; what is
// left is proportional to the tree but costs no I/O (two PlanFiles per
// file, copied; the source records; the copies of the manifest and the
// sidecar).
//
// What invalidates a record: everything a caller must vouch for above; the
// Project's next generation (Invalidate) re-finds and re-reads every file
// the record filled in. What bounds it: one PriorFile per collected file of
// the Plan that made it, replaced by each Plan.

// PlanRecord is what a Plan found about each collected file, for a later
// Plan of the same Project configuration and options to trust while the
// file is unchanged (PlanOptions.Prior). How it is stored is the writer's
// business.
type PlanRecord struct {
	// Files are the collected files, one per logical path, sorted.
	Files      []PriorFile
	Duplicates []Duplicate
	Ignored    []IgnoredFile
	Inputs     Inputs
}

// PriorFile is one collected file as a Plan found and named it.
type PriorFile struct {
	Source Source
	// Info is the file as planning saw it before reading it.
	Info FileInfo
	MD5  [16]byte
	// SRI is the SRI value of the source's bytes.
	SRI                string
	CSS, JS, Prehashed bool
	HashedName         string
	// Rewritten says the hashed copy holds other bytes than the source,
	// described by the Rewritten* fields.
	Rewritten     bool
	RewrittenMD5  string
	RewrittenSize int64
	RewrittenSRI  string
	// Cycle says the file was named as a member of a reference cycle.
	Cycle bool
	// Targets are the logical paths its references resolve to: a change to
	// one of them may change this file's name and bytes.
	Targets []string
}

// affected returns the logical paths of the changed host paths and of every
// file that references one of them, directly or through others.
//
// It walks the record once per level of references (an @import chain is a
// few levels) looking for files whose targets are affected: after one
// change, a few files, with no map of every reference built. A deep chain
// falls back to the map of who references whom after a few walks, so the
// cost stays proportional to the references.
func (r *PlanRecord) affected(changed []string) map[string]bool {
	byPath := make(map[string]bool, len(changed))
	for _, c := range changed {
		byPath[c] = true
	}
	out := map[string]bool{}
	for _, f := range r.Files {
		if byPath[f.Source.Path] {
			out[f.Source.LogicalPath] = true
		}
	}
	const walks = 8
	for range walks {
		grown := false
		for _, f := range r.Files {
			if out[f.Source.LogicalPath] {
				continue
			}
			for _, t := range f.Targets {
				if out[t] {
					out[f.Source.LogicalPath], grown = true, true
					break
				}
			}
		}
		if !grown {
			return out
		}
	}
	dependents := map[string][]string{} // target -> the files that reference it
	for _, f := range r.Files {
		for _, t := range f.Targets {
			dependents[t] = append(dependents[t], f.Source.LogicalPath)
		}
	}
	work := make([]string, 0, len(out))
	for l := range out {
		work = append(work, l)
	}
	for len(work) > 0 {
		l := work[len(work)-1]
		work = work[:len(work)-1]
		for _, d := range dependents[l] {
			if !out[d] {
				out[d] = true
				work = append(work, d)
			}
		}
	}
	return out
}

// paths returns the logical paths of the record's files, sorted (the
// record's order), and those of them that are affected.
func (r *PlanRecord) paths(affected map[string]bool) (paths, work []string) {
	paths = make([]string, len(r.Files))
	for i := range r.Files {
		paths[i] = r.Files[i].Source.LogicalPath
		if affected[paths[i]] {
			work = append(work, paths[i])
		}
	}
	return paths, work
}

// fromPrior appends the PlanFiles of r.Files[i], a file not affected by
// a change, to files as the record says they are: the same PlanFiles a
// trusted node and its recorded name give (see trustedNode), without the
// node, the Project's entry or the name. infos holds what each PlanFile's
// source points to; remake makes a rewritten copy again (remakeTrusted).
func (plan *Plan) fromPrior(files []PlanFile, r *PlanRecord, i int, algorithm string, hashedOnly bool, infos *[]FileInfo,
	remake func(*fileNode, map[string]string) ([]byte, error)) []PlanFile {
	f := &r.Files[i]
	l := f.Source.LogicalPath
	if f.Rewritten {
		plan.Rewritten++
	}
	if f.Cycle {
		plan.Cycles++
	}
	if !f.Prehashed {
		plan.Hashed++
	}
	plan.Manifest[l] = f.HashedName
	*infos = append(*infos, f.Info)
	source := PlanFile{Path: l, LogicalPath: l, SourcePath: f.Source.Path, Size: f.Info.Size, MD5: hex.EncodeToString(f.MD5[:]), source: &(*infos)[len(*infos)-1]}
	if strings.HasPrefix(f.SRI, algorithm+"-") {
		source.SRI = f.SRI
	}
	if !hashedOnly {
		files = append(files, source)
	}
	if f.HashedName == l && !hashedOnly {
		files[len(files)-1].Hashed = true
		return files
	}
	hashed := source
	hashed.Path, hashed.Hashed = f.HashedName, true
	if f.Rewritten {
		hashed.Rewritten, hashed.Size, hashed.MD5, hashed.SRI = true, f.RewrittenSize, f.RewrittenMD5, f.RewrittenSRI
		hashed.recipe = &rewriteRecipe{source: f.Source, size: f.Info.Size, remake: func() ([]byte, error) {
			// Its targets are not affected either (a changed one would
			// have made this file affected): their recorded names are
			// current.
			targetNames := make(map[string]string, len(f.Targets))
			for _, t := range f.Targets {
				if tf := r.file(t); tf != nil {
					targetNames[t] = tf.HashedName
				}
			}
			return remake(&fileNode{source: f.Source, info: f.Info, sum: f.MD5}, targetNames)
		}}
	}
	return append(files, hashed)
}

// addRewrittenSources adds to others the sources of the record's files
// that are not affected and are rewritten: no PlanFile holds their bytes as
// read (asRead lists those some PlanFile holds), and fromPrior made no
// node for Project.knownSources to find.
func (r *PlanRecord) addRewrittenSources(others map[string]KnownSource, affected map[string]bool, asRead map[string]struct{}) {
	for i := range r.Files {
		f := &r.Files[i]
		if _, read := asRead[f.Source.Path]; f.Rewritten && !read && !affected[f.Source.LogicalPath] {
			others[f.Source.Path] = knownFrom(f.Info, f.MD5)
		}
	}
}

// sourcesTouched returns, sorted, the source paths whose SourceRecords a
// Plan from r may make other than r's Plan did: those of the affected
// files, and those others holds that it did not take from r (read by a
// lookup of an affected file). Every other file's record is made from
// what r holds of it, as r's Plan made it (an unaffected source was not
// racy then, or it would have been changed, hence affected, now).
func (r *PlanRecord) sourcesTouched(affected map[string]bool, others map[string]KnownSource) []string {
	var touched []string
	fromRecord := map[string]bool{}
	for i := range r.Files {
		f := &r.Files[i]
		if affected[f.Source.LogicalPath] {
			touched = append(touched, f.Source.Path)
		} else {
			if _, ok := others[f.Source.Path]; ok {
				fromRecord[f.Source.Path] = true
			}
		}
	}
	for path := range others {
		if !fromRecord[path] {
			touched = append(touched, path)
		}
	}
	slices.Sort(touched)
	return slices.Compact(touched)
}

// file is the record's file of a logical path, nil for none.
func (r *PlanRecord) file(logical string) *PriorFile {
	i, found := sort.Find(len(r.Files), func(i int) int { return strings.Compare(logical, r.Files[i].Source.LogicalPath) })
	if !found {
		return nil
	}
	return &r.Files[i]
}

// inventory is the Inventory the record's Plan walked, without its map of
// Files: a Plan from the record takes its paths from the record (paths),
// and a lookup uses Inventory.Files only for the paths the walk marked
// direct, which a record does not keep, so it resolves each path as any
// lookup does (a map of 100,000 Sources a build, for nothing).
func (r *PlanRecord) inventory() *Inventory {
	return &Inventory{Duplicates: r.Duplicates, Ignored: r.Ignored, dirs: r.Inputs.Dirs, linked: r.Inputs.Linked}
}

// trust makes the Project answer for every file of the record that is not
// affected by a change from the record, without looking at it (see
// trustedNode); the previous trust, if any, is dropped (all of it when r
// is nil). The record's files are found by binary search (they are
// sorted), not through a map of every file.
func (p *Project) trust(r *PlanRecord, affected map[string]bool) {
	p.mu.Lock()
	p.trusted, p.trustedAffected, p.trustedIn = r, affected, p.generation
	p.mu.Unlock()
}

// trustedFile is the record's file of a logical path when it is trusted,
// else nil; called with p.mu held.
func (p *Project) trustedFile(logical string) *PriorFile {
	if p.trusted == nil || p.trustedAffected[logical] {
		return nil
	}
	return p.trusted.file(logical)
}

// trustedNode fills an entry from the record, when the current Plan trusts
// one for its logical path: the node as the last Plan read it (its content
// left unread, its references unknown) and, for a CSS/JS file, the name it
// was given, current in this generation so that naming stops there. It is
// called with e.mu held, for an entry not loaded in this generation.
func (p *Project) trustedNode(e *entry, generation uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.trustedFile(e.logical)
	if f == nil || p.trustedIn != generation {
		return false
	}
	source := f.Source
	node := &fileNode{source: source, info: f.Info, sum: f.MD5, hash: hex.EncodeToString(f.MD5[:6]), sri: f.SRI,
		css: f.CSS, js: f.JS, prehashed: f.Prehashed, lazy: true, trusted: true}
	e.loaded, e.checked, e.trusted, e.err = true, generation, true, nil
	e.lookup = lookup{source: &source, probes: []probe{{path: source.Path, exists: true, info: f.Info}}}
	e.node = node
	if needsNaming(node) {
		named := &namedFile{generation: generation, node: node, hashedName: f.HashedName, deps: f.Targets, cycle: f.Cycle}
		if f.Rewritten {
			named.lazyRewrite = &rewrittenCopy{md5: f.RewrittenMD5, size: f.RewrittenSize, sri: f.RewrittenSRI}
			// Its targets are trusted too (a changed one would have made
			// this file affected), so their recorded names are current.
			targetNames := make(map[string]string, len(f.Targets))
			for _, t := range f.Targets {
				if tf := p.trustedFile(t); tf != nil {
					targetNames[t] = tf.HashedName
				}
			}
			named.targetNames = targetNames
			named.remake = func() ([]byte, error) { return p.remakeTrusted(node, targetNames) }
		}
		p.names[e.logical] = named
	}
	return true
}

// remakeTrusted makes the rewritten copy of a file a PlanRecord named: the
// record holds no references, so the file is read and scanned again, and
// each reference gets the name its target had in the record. A source that
// no longer has the recorded sum fails, as a changed source does anywhere.
func (p *Project) remakeTrusted(n *fileNode, targetNames map[string]string) ([]byte, error) {
	full, err := p.load(n.source, n.info)
	if err != nil {
		return nil, err
	}
	if full.sum != n.sum {
		return nil, fmt.Errorf("%s changed during the build; run the build again", n.source.Path)
	}
	return remakeRewritten(p.fsys, &namedFile{node: full, targetNames: targetNames})
}

// recordedFile is what a Plan keeps of each collected file for its record:
// a PriorFile without its Info (the Plan's FileInfo of the file, which its
// PlanFiles point to) and with the rewritten copy's values behind a
// pointer, ~120 bytes instead of ~220 (a record of 100,000 PriorFiles was
// 21 MB held with the Project's caches at the peak of planning). The
// PriorFiles are made from it as they are asked for (RecordFiles).
type recordedFile struct {
	source     Source
	sri        string // of the source's bytes; "" until recordSRI finds it
	hashedName string
	targets    []string
	rewritten  *rewrittenCopy // the Plan's own copy: recordSRI fills its sri
	sum        [16]byte
	flags      uint8
}

// recordedFile flags.
const (
	recordedCSS = 1 << iota
	recordedJS
	recordedPrehashed
	recordedCycle
)

// planRecord is what a Plan keeps of its record: files[i] and infos[i]
// make the record's i-th PriorFile.
//
// A Plan from a record (PlanOptions.Prior) records anew only the files it
// named again: prior is that record, whose other files are this Plan's as
// they are (see fromPrior), so they are not copied (a second record of
// 100,000 files held through the write).
type planRecord struct {
	files []recordedFile
	infos []FileInfo
	prior *PlanRecord
}

// Record returns the PlanRecord of the Plan for a later Plan's
// PlanOptions.Prior; nil when PlanOptions.Record was not set, the Plan has
// a diagnostic (its rendering needs the sources) or the record was
// forgotten (ForgetRecord). It is made anew on each call: a writer that
// stores it uses RecordFiles, which holds one file at a time.
func (p *Plan) Record() *PlanRecord {
	head, n, files := p.RecordFiles()
	if head == nil {
		return nil
	}
	head.Files = make([]PriorFile, 0, n)
	for f := range files {
		head.Files = append(head.Files, *f)
	}
	return head
}

// RecordFiles returns Record without its Files, their number, and the
// files, made one at a time as they are asked for, sorted by logical path
// (the PriorFile yielded is reused: copy what you keep). head is nil when
// the Plan has no record.
func (p *Plan) RecordFiles() (head *PlanRecord, n int, files iter.Seq[*PriorFile]) {
	r := p.record
	if r == nil {
		return nil, 0, nil
	}
	head = &PlanRecord{Duplicates: p.Duplicates, Ignored: p.Ignored, Inputs: p.inputs}
	n = len(r.files)
	if r.prior != nil {
		n = len(r.prior.Files) // the files named again are some of the prior's
	}
	return head, n, func(yield func(*PriorFile) bool) {
		var f PriorFile
		j := 0 // r.prior.Files[j:] are not yielded yet; both lists are sorted
		for i := range r.files {
			c := &r.files[i]
			for ; r.prior != nil && j < len(r.prior.Files) && r.prior.Files[j].Source.LogicalPath < c.source.LogicalPath; j++ {
				if !yield(&r.prior.Files[j]) {
					return
				}
			}
			if r.prior != nil && j < len(r.prior.Files) && r.prior.Files[j].Source.LogicalPath == c.source.LogicalPath {
				j++ // named again: replaced
			}
			f = PriorFile{Source: c.source, Info: r.infos[i], MD5: c.sum, SRI: c.sri, HashedName: c.hashedName, Targets: c.targets,
				CSS: c.flags&recordedCSS != 0, JS: c.flags&recordedJS != 0, Prehashed: c.flags&recordedPrehashed != 0, Cycle: c.flags&recordedCycle != 0}
			if c.rewritten != nil {
				f.Rewritten, f.RewrittenMD5, f.RewrittenSize, f.RewrittenSRI = true, c.rewritten.md5, c.rewritten.size, c.rewritten.sri
			}
			if !yield(&f) {
				return
			}
		}
		for ; r.prior != nil && j < len(r.prior.Files); j++ {
			if !yield(&r.prior.Files[j]) {
				return
			}
		}
	}
}

// ForgetRecord drops the Plan's record, for a writer that stored it before
// writing the Plan's files: it need not be held through the write. Record
// returns nil afterwards.
func (p *Plan) ForgetRecord() { p.record = nil }

// recordedFileOf is the record entry of a file of a Plan: its node and,
// when it needs naming, its name (nil otherwise). The Plan makes it as
// its loop takes the file's PlanFiles, so that a Project forgotten after
// the Plan (PlanOptions.ForgetCaches) can drop the node right then; the
// Plan keeps the entries only when it has no diagnostics, and the SRI
// values not yet known are added later (recordSRI).
func recordedFileOf(n *fileNode, m *namedFile) recordedFile {
	f := recordedFile{source: n.source, sum: n.sum, sri: n.sri, hashedName: plainName(n)}
	for _, b := range []struct {
		set  bool
		flag uint8
	}{{n.css, recordedCSS}, {n.js, recordedJS}, {n.prehashed, recordedPrehashed}} {
		if b.set {
			f.flags |= b.flag
		}
	}
	if m != nil {
		f.hashedName, f.targets = m.hashedName, m.deps
		if m.cycle {
			f.flags |= recordedCycle
		}
		switch {
		case m.lazyRewrite != nil:
			copied := *m.lazyRewrite // recordSRI may fill in its sri: not the Project's
			f.rewritten = &copied
		case m.content != nil:
			content := md5.Sum(m.content)
			f.rewritten = &rewrittenCopy{md5: hex.EncodeToString(content[:]), size: int64(len(m.content))}
		}
	}
	return f
}

// recordSRI adds the SRI values to plan.record once the Plan has them: the
// ones makeRecord did not find on a node (the file's SRI value when it was
// read or trusted; the rewritten copies' are mostly made later). Only
// those contents are looked for among the Plan's files: after one change,
// a few, not a map of every file's. The source's bytes have no value of
// their own only when no output holds them (a rewritten file, hashed
// copies only).
func (plan *Plan) recordSRI() {
	if plan.record == nil {
		return
	}
	files := plan.record.files
	missing := map[string]string{} // MD5 -> SRI value: one per content
	for i := range files {
		f := &files[i]
		if f.sri == "" {
			missing[hex.EncodeToString(f.sum[:])] = ""
		}
		if f.rewritten != nil && f.rewritten.sri == "" {
			missing[f.rewritten.md5] = ""
		}
	}
	if len(missing) == 0 {
		return
	}
	for _, f := range plan.Files {
		if v, ok := missing[f.MD5]; ok && v == "" {
			missing[f.MD5] = f.SRI
		}
	}
	for i := range files {
		f := &files[i]
		if f.sri == "" {
			f.sri = missing[hex.EncodeToString(f.sum[:])]
		}
		if f.rewritten != nil && f.rewritten.sri == "" {
			f.rewritten.sri = missing[f.rewritten.md5]
		}
	}
}
