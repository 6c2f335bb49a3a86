package writer

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"

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

// encodeRecord gives r's bytes to write, 64 KB at a time: a record of
// 100,000 files is never whole in memory.
func encodeRecord(r *core.PlanRecord, write func([]byte)) {
	var head bytes.Buffer
	_ = gob.NewEncoder(&head).Encode(recordInputs{r.Duplicates, r.Ignored, r.Inputs}) // plain values into memory cannot fail
	buf := binary.AppendUvarint(nil, uint64(head.Len()))
	buf = append(buf, head.Bytes()...)
	str := func(v string) {
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		buf = append(buf, v...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(r.Files)))
	for _, f := range r.Files {
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
		if len(buf) >= 64<<10 {
			write(buf)
			buf = buf[:0]
		}
	}
	write(buf)
}

// decodeRecord decodes what encodeRecord wrote; nil when there is none.
func decodeRecord(data []byte) (*core.PlanRecord, error) {
	if len(data) == 0 {
		return nil, nil
	}
	r := &snapshotReader{data: data}
	var head recordInputs
	if encoded := r.str(); r.err == nil {
		if err := gob.NewDecoder(bytes.NewReader([]byte(encoded))).Decode(&head); err != nil {
			return nil, errDamaged
		}
	}
	rec := &core.PlanRecord{Duplicates: head.Duplicates, Ignored: head.Ignored, Inputs: head.Inputs}
	n := r.count(24)
	rec.Files = make([]core.PriorFile, n)
	for i := 0; i < n && r.err == nil; i++ {
		f := &rec.Files[i]
		f.Source.LogicalPath = r.str()
		f.Source.Root = int(r.uvarint())
		f.Source.Path = r.str()
		f.Info.Size, f.Info.ModTime = r.varint(), r.varint()
		f.Info.Kind = core.FileKind(r.uvarint())
		f.Info.Device, f.Info.Inode = r.uvarint(), r.uvarint()
		f.Info.ChangeTime = r.varint()
		if len(r.data) < len(f.MD5) {
			return nil, errDamaged
		}
		copy(f.MD5[:], r.data)
		r.data = r.data[len(f.MD5):]
		f.SRI = r.str()
		flags := r.uvarint()
		f.CSS, f.JS, f.Prehashed = flags&priorCSS != 0, flags&priorJS != 0, flags&priorPrehashed != 0
		f.Rewritten, f.Cycle = flags&priorRewritten != 0, flags&priorCycle != 0
		f.HashedName = r.str()
		if f.Rewritten {
			f.RewrittenMD5 = r.str()
			f.RewrittenSize = r.varint()
			f.RewrittenSRI = r.str()
		}
		if targets := r.count(1); targets > 0 {
			f.Targets = make([]string, targets)
			for t := range f.Targets {
				f.Targets[t] = r.str()
			}
		}
	}
	if r.err != nil || len(r.data) != 0 {
		return nil, errDamaged
	}
	return rec, nil
}
