package writer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"iter"
	"slices"
	"strings"

	"github.com/assetc/assetc/core"
)

// The core.PlanRecord a snapshot holds after its entries (see snapshotFile),
// encoded like them: uvarint lengths and values, one file after another. It
// is decoded only when a source changed; a no-change build skips its bytes.

// recordInputs is the part of a PlanRecord with a few entries per
// directory; gob keeps it simple.
type recordInputs struct {
	Duplicates []core.Duplicate
	Ignored    []core.IgnoredFile
	Inputs     core.Inputs
}

// PriorFile flags.
const (
	priorCSS = 1 << iota
	priorJS
	priorPrehashed
	priorRewritten
	priorCycle
)

// encodedRecord is a PlanRecord as decodeRecord read it, with the bytes it
// was read from: a build that planned from it encodes its own record by
// copying each file's bytes that did not change (most of them after one
// edit) instead of encoding every file again.
type encodedRecord struct {
	record *core.PlanRecord
	// encoded holds the bytes read; the record's strings are substrings
	// of it (one allocation, not six per file: what the GC tracks of a
	// record at 100,000 files).
	encoded string
	// ends[i] is the offset in encoded where Files[i] ends; it starts
	// where Files[i-1] ends, or at ends[-1] = filesStart.
	filesStart int
	ends       []int
}

// planRecord is the PlanRecord, nil for none.
func (e *encodedRecord) planRecord() *core.PlanRecord {
	if e == nil {
		return nil
	}
	return e.record
}

// writeRecord writes the Plan's record (core.Plan.Record) for the next
// build, and the file's identity for the snapshot to vouch for it with
// (recordIdentity; nil when there is no record or it could not be written). It runs before the Plan's files are
// written, so that neither the record (~21 MB at 100,000 files) nor the one
// the Plan started from (prior: its bytes and files, as much again) is held
// through the write: the Plan forgets it. No snapshot names a record
// before this build's: Write removed the last one first. logical are the
// record's logical paths, sorted: the manifest's keys, which the snapshot
// lists (sorting them again took ~30 ms at 100,000 files).
func (o *output) writeRecord(plan *core.Plan, prior *encodedRecord) (vouch []byte, logical []string) {
	head, n, files := plan.RecordFiles()
	if head == nil {
		return nil, nil
	}
	plan.ForgetRecord()
	logical = make([]string, 0, n)
	listed := func(yield func(*core.PriorFile) bool) {
		for f := range files {
			logical = append(logical, f.Source.LogicalPath)
			if !yield(f) {
				return
			}
		}
	}
	path := o.statePath(recordFile)
	err := writeStreamAtomic(path, func(w *bufio.Writer) {
		encodeRecord(head, n, listed, prior, func(b []byte) { w.Write(b) }) // a write error sticks in w: Flush reports it
	})
	if err != nil {
		return nil, logical
	}
	return recordIdentity(path), logical
}

// encodeRecord gives the bytes of the record r (its Files left out) with
// its n files to write, 64 KB at a time (a record of 100,000 files is
// never whole in memory, see core.Plan.RecordFiles); prior, when set, is
// the record r was planned from: a file equal to prior's file of the same
// logical path is copied from prior's bytes instead of encoded again (the
// same bytes, as TestRecordSplice shows).
func encodeRecord(r *core.PlanRecord, n int, files iter.Seq[*core.PriorFile], prior *encodedRecord, write func([]byte)) {
	var head bytes.Buffer
	_ = gob.NewEncoder(&head).Encode(recordInputs{r.Duplicates, r.Ignored, r.Inputs}) // plain values into memory cannot fail
	buf := make([]byte, 0, 80<<10)
	buf = binary.AppendUvarint(buf, uint64(head.Len()))
	buf = append(buf, head.Bytes()...)
	buf = binary.AppendUvarint(buf, uint64(n))
	j := 0 // both lists are sorted by logical path: one walk pairs them
	for f := range files {
		spliced := false
		if prior != nil {
			old := prior.record.Files
			for j < len(old) && old[j].Source.LogicalPath < f.Source.LogicalPath {
				j++
			}
			// A file the Plan took from prior as it was is prior's own
			// (core.Plan.RecordFiles): no field to compare.
			if j < len(old) && (&old[j] == f || samePriorFile(&old[j], f)) {
				buf = append(buf, prior.encoded[prior.fileStart(j):prior.ends[j]]...)
				spliced = true
			}
		}
		if !spliced {
			buf = appendPriorFile(buf, f)
		}
		if len(buf) >= 64<<10 {
			write(buf)
			buf = buf[:0]
		}
	}
	write(buf)
}

// fileStart is where Files[i]'s bytes start in encoded.
func (e *encodedRecord) fileStart(i int) int {
	if i == 0 {
		return e.filesStart
	}
	return e.ends[i-1]
}

// samePriorFile reports whether a and b encode to the same bytes: every
// field appendPriorFile writes is equal (TestRecordSplice changes each
// field of core.PriorFile in turn).
func samePriorFile(a, b *core.PriorFile) bool {
	return a.Source == b.Source && a.Info == b.Info && a.MD5 == b.MD5 && a.SRI == b.SRI &&
		a.CSS == b.CSS && a.JS == b.JS && a.Prehashed == b.Prehashed && a.Cycle == b.Cycle &&
		a.HashedName == b.HashedName && a.Rewritten == b.Rewritten && a.RewrittenMD5 == b.RewrittenMD5 &&
		a.RewrittenSize == b.RewrittenSize && a.RewrittenSRI == b.RewrittenSRI && slices.Equal(a.Targets, b.Targets)
}

// appendPriorFile appends the encoding of one file.
func appendPriorFile(buf []byte, f *core.PriorFile) []byte {
	str := func(v string) {
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		buf = append(buf, v...)
	}
	str(f.Source.LogicalPath)
	buf = binary.AppendUvarint(buf, uint64(f.Source.Root))
	str(f.Source.Path)
	buf = binary.AppendVarint(buf, f.Info.Size)
	buf = binary.AppendVarint(buf, f.Info.ModTime)
	buf = binary.AppendUvarint(buf, uint64(f.Info.Kind))
	buf = binary.AppendUvarint(buf, f.Info.Device)
	buf = binary.AppendUvarint(buf, f.Info.Inode)
	buf = binary.AppendVarint(buf, f.Info.ChangeTime)
	buf = append(buf, f.MD5[:]...)
	str(f.SRI)
	flags := uint64(0)
	for _, b := range []struct {
		set bool
		bit uint64
	}{{f.CSS, priorCSS}, {f.JS, priorJS}, {f.Prehashed, priorPrehashed}, {f.Rewritten, priorRewritten}, {f.Cycle, priorCycle}} {
		if b.set {
			flags |= b.bit
		}
	}
	buf = binary.AppendUvarint(buf, flags)
	str(f.HashedName)
	if f.Rewritten {
		str(f.RewrittenMD5)
		buf = binary.AppendVarint(buf, f.RewrittenSize)
		str(f.RewrittenSRI)
	}
	buf = binary.AppendUvarint(buf, uint64(len(f.Targets)))
	for _, t := range f.Targets {
		str(t)
	}
	return buf
}

// decodeRecord decodes what encodeRecord wrote; nil when there is none.
// The record's strings share data's bytes (see ownedString): the caller
// must not change data afterwards.
func decodeRecord(data []byte) (*encodedRecord, error) {
	if len(data) == 0 {
		return nil, nil
	}
	r := &snapshotReader{data: data, text: ownedString(data)} // strings are substrings of data (substr)
	var head recordInputs
	if encoded := r.substr(); r.err == nil {
		if err := gob.NewDecoder(strings.NewReader(encoded)).Decode(&head); err != nil {
			return nil, errDamaged
		}
	}
	rec := &core.PlanRecord{Duplicates: head.Duplicates, Ignored: head.Ignored, Inputs: head.Inputs}
	n := r.count(24)
	e := &encodedRecord{record: rec, encoded: r.text, filesStart: len(r.text) - len(r.data), ends: make([]int, n)}
	rec.Files = make([]core.PriorFile, n)
	var targetPool []string // the files' Targets, cut from a few large arrays
	for i := 0; i < n && r.err == nil; i++ {
		f := &rec.Files[i]
		f.Source.LogicalPath = r.substr()
		f.Source.Root = int(r.uvarint())
		f.Source.Path = r.substr()
		f.Info.Size, f.Info.ModTime = r.varint(), r.varint()
		f.Info.Kind = core.FileKind(r.uvarint())
		f.Info.Device, f.Info.Inode = r.uvarint(), r.uvarint()
		f.Info.ChangeTime = r.varint()
		if len(r.data) < len(f.MD5) {
			return nil, errDamaged
		}
		copy(f.MD5[:], r.data)
		r.data = r.data[len(f.MD5):]
		f.SRI = r.substr()
		flags := r.uvarint()
		f.CSS, f.JS, f.Prehashed = flags&priorCSS != 0, flags&priorJS != 0, flags&priorPrehashed != 0
		f.Rewritten, f.Cycle = flags&priorRewritten != 0, flags&priorCycle != 0
		f.HashedName = r.substr()
		if f.Rewritten {
			f.RewrittenMD5 = r.substr()
			f.RewrittenSize = r.varint()
			f.RewrittenSRI = r.substr()
		}
		if targets := r.count(1); targets > 0 {
			if len(targetPool) < targets {
				targetPool = make([]string, max(targets, 4096))
			}
			f.Targets, targetPool = targetPool[:targets:targets], targetPool[targets:]
			for t := range f.Targets {
				f.Targets[t] = r.substr()
			}
		}
		e.ends[i] = len(r.text) - len(r.data)
	}
	if r.err != nil || len(r.data) != 0 {
		return nil, errDamaged
	}
	return e, nil
}
