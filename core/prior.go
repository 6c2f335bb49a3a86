package core

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"iter"
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
// cache (trustedNode) with what the last Plan's reads found, and the same
// code as any Plan names, rewrites and lists the files from there. The walk,
// the reads and the scans it saves are most of a Plan; what is left is
// proportional to the tree but costs no I/O (a node and two PlanFiles per
// file, the manifest and the sidecar).
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

// inventory is the Inventory the record's Plan walked.
func (r *PlanRecord) inventory() *Inventory {
	inv := &Inventory{Files: make(map[string]Source, len(r.Files)), Duplicates: r.Duplicates, Ignored: r.Ignored,
		dirs: r.Inputs.Dirs, linked: r.Inputs.Linked}
	for _, f := range r.Files {
		inv.Files[f.Source.LogicalPath] = f.Source
	}
	return inv
}

// trust makes the Project answer for every file of the record that is not
// affected by a change from the record, without looking at it (see
// trustedNode); the previous trust, if any, is dropped (all of it when r
// is nil).
func (p *Project) trust(r *PlanRecord, affected map[string]bool) {
	var trusted map[string]*PriorFile
	if r != nil {
		trusted = make(map[string]*PriorFile, len(r.Files))
	}
	for i := 0; r != nil && i < len(r.Files); i++ {
		if f := &r.Files[i]; !affected[f.Source.LogicalPath] {
			trusted[f.Source.LogicalPath] = f
		}
	}
	p.mu.Lock()
	p.trusted, p.trustedIn = trusted, p.generation
	p.mu.Unlock()
}

// trustedNode fills an entry from the record, when the current Plan trusts
// one for its logical path: the node as the last Plan read it (its content
// left unread, its references unknown) and, for a CSS/JS file, the name it
// was given, current in this generation so that naming stops there. It is
// called with e.mu held, for an entry not loaded in this generation.
func (p *Project) trustedNode(e *entry, generation uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.trusted[e.logical]
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
				if tf := p.trusted[t]; tf != nil {
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
type planRecord struct {
	files []recordedFile
	infos []FileInfo
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
	return head, len(r.files), func(yield func(*PriorFile) bool) {
		var f PriorFile
		for i := range r.files {
			c := &r.files[i]
			f = PriorFile{Source: c.source, Info: r.infos[i], MD5: c.sum, SRI: c.sri, HashedName: c.hashedName, Targets: c.targets,
				CSS: c.flags&recordedCSS != 0, JS: c.flags&recordedJS != 0, Prehashed: c.flags&recordedPrehashed != 0, Cycle: c.flags&recordedCycle != 0}
			if c.rewritten != nil {
				f.Rewritten, f.RewrittenMD5, f.RewrittenSize, f.RewrittenSRI = true, c.rewritten.md5, c.rewritten.size, c.rewritten.sri
			}
			if !yield(&f) {
				return
			}
		}
	}
}

// ForgetRecord drops the Plan's record, for a writer that stored it before
// writing the Plan's files: it need not be held through the write. Record
// returns nil afterwards.
func (p *Plan) ForgetRecord() { p.record = nil }

// makeRecord fills plan.record from the files of a Plan without
// diagnostics: node and named give each logical path's file and name,
// infos[i] is what paths[i] looked like when planned. It runs before the
// Project's caches may be forgotten (PlanOptions.ForgetCaches), so before
// the SRI values exist: recordSRI adds them.
func (plan *Plan) makeRecord(paths []string, infos []FileInfo, node func(string) *fileNode, named func(string) *namedFile) {
	r := &planRecord{files: make([]recordedFile, 0, len(paths)), infos: infos}
	for _, l := range paths {
		n := node(l)
		f := recordedFile{source: n.source, sum: n.sum, sri: n.sri, hashedName: plainName(n)}
		for _, b := range []struct {
			set  bool
			flag uint8
		}{{n.css, recordedCSS}, {n.js, recordedJS}, {n.prehashed, recordedPrehashed}} {
			if b.set {
				f.flags |= b.flag
			}
		}
		if needsNaming(n) {
			m := named(l)
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
		r.files = append(r.files, f)
	}
	plan.record = r
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
