package writer

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"io"
	"sort"

	"github.com/assetc/assetc/core"
)

// The encoding: snapshotMagic, then uvarint lengths and values. A
// hand-written encoding, not gob: decoding ~30,000 entries with gob cost
// more than the stats it saves.

// summary is the part of a Result that is rarely more than a few entries;
// gob keeps it simple.
type summary struct {
	Files, Hashed, Rewritten, Cycles, Unchanged int
	CompressionReused, Variants                 int
	Duplicates                                  []core.Duplicate
	Ignored                                     []core.IgnoredFile
}

// encodeSnapshot writes s to w: its parts (or, when it has none, its
// entries). The bytes go to w every 64 KB, so an encoded snapshot is never
// whole in memory.
func encodeSnapshot(s *snapshot, w io.Writer) {
	buf := append(make([]byte, 0, 80<<10), snapshotMagic...)
	flush := func() {
		if len(buf) >= 64<<10 {
			w.Write(buf) // a write error sticks in w (writeStreamAtomic)
			buf = buf[:0]
		}
	}
	str := func(v string) {
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		buf = append(buf, v...)
	}
	str(s.key)
	var sum bytes.Buffer
	r := s.result
	_ = gob.NewEncoder(&sum).Encode(summary{r.Files, r.Hashed, r.Rewritten, r.Cycles, r.Unchanged, r.CompressionReused, r.Variants, r.Duplicates, r.Ignored})
	str(sum.String())
	logical := s.logical
	if len(logical) != len(r.Manifest) {
		logical = make([]string, 0, len(r.Manifest))
		for l := range r.Manifest {
			logical = append(logical, l)
		}
		sort.Strings(logical) // the same snapshot for the same build
	}
	buf = binary.AppendUvarint(buf, uint64(len(logical)))
	for _, l := range logical {
		str(l)
		str(r.Manifest[l])
		flush()
	}
	parts := s.parts
	if parts == nil {
		parts = [][]snapshotEntry{s.entries}
	}
	count := s.sourceCount
	for _, part := range parts {
		for _, e := range part {
			if !e.skip {
				count++
			}
		}
	}
	buf = binary.AppendUvarint(buf, uint64(count))
	entry := func(e snapshotEntry) {
		str(e.fullPath(s.base))
		flags := uint64(0)
		for _, b := range []struct {
			set bool
			bit uint64
		}{{e.own, 1}, {e.id.Present, 2}, {e.source, 4}, {e.distrust, 8}, {e.outputDir, 16}} {
			if b.set {
				flags |= b.bit
			}
		}
		buf = binary.AppendUvarint(buf, flags)
		if e.id.Present {
			buf = binary.AppendUvarint(buf, e.id.Device)
			buf = binary.AppendUvarint(buf, e.id.Inode)
			buf = binary.AppendVarint(buf, e.id.Size)
			buf = binary.AppendVarint(buf, e.id.ModTime)
			buf = binary.AppendVarint(buf, e.id.ChgTime)
		}
		flush()
	}
	if s.sources != nil {
		for e := range s.sources {
			entry(e)
		}
	}
	for _, part := range parts {
		for _, e := range part {
			if !e.skip {
				entry(e)
			}
		}
	}
	str(string(s.recordID))
	w.Write(buf)
}

var errDamaged = errors.New("damaged snapshot")

// snapshotReader decodes what encodeSnapshot wrote (and the record's
// encoding, which is built the same way); the first error sticks. text,
// when set, is the whole of what data was when reading started, as a
// string (ownedString): substr returns its strings as substrings of it.
type snapshotReader struct {
	data []byte
	text string
	err  error
}

func (r *snapshotReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.err, r.data = errDamaged, nil
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *snapshotReader) varint() int64 {
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.err, r.data = errDamaged, nil
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *snapshotReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.data)) {
		r.err, r.data = errDamaged, nil
		return ""
	}
	s := string(r.data[:n])
	r.data = r.data[n:]
	return s
}

// substr is str without a copy: a substring of r.text at r's offset. At
// 100,000 files a snapshot holds ~300,000 paths and a record ~200,000
// strings, one allocation each when copied.
func (r *snapshotReader) substr() string {
	n := r.uvarint()
	if n > uint64(len(r.data)) {
		r.err, r.data = errDamaged, nil
		return ""
	}
	at := len(r.text) - len(r.data)
	r.data = r.data[n:]
	return r.text[at : at+int(n)]
}

// count reads a number of items, each at least min bytes long: a damaged
// count cannot make the decoder allocate more than the file holds.
func (r *snapshotReader) count(min int) int {
	n := r.uvarint()
	if n > uint64(len(r.data)/min) {
		r.err, r.data = errDamaged, nil
		return 0
	}
	return int(n)
}

// decodeSnapshot reads what encodeSnapshot wrote. Its entries' paths
// share data's bytes (see ownedString): the caller must not change data
// afterwards.
func decodeSnapshot(data []byte) (*snapshot, error) {
	if !bytes.HasPrefix(data, snapshotMagic) {
		return nil, errDamaged
	}
	// Paths are substrings of data (substr): the entries keep them alive
	// through the build anyway.
	r := &snapshotReader{data: data[len(snapshotMagic):], text: ownedString(data)}
	s := &snapshot{key: r.str()}
	var sum summary
	if encoded := r.str(); r.err == nil {
		if err := gob.NewDecoder(bytes.NewReader([]byte(encoded))).Decode(&sum); err != nil {
			return nil, errDamaged
		}
	}
	s.result = Result{Files: sum.Files, Hashed: sum.Hashed, Rewritten: sum.Rewritten, Cycles: sum.Cycles, Unchanged: sum.Unchanged,
		CompressionReused: sum.CompressionReused, Variants: sum.Variants, Duplicates: sum.Duplicates, Ignored: sum.Ignored}
	n := r.count(2)
	s.result.Manifest = make(map[string]string, n)
	for i := 0; i < n && r.err == nil; i++ {
		l := r.str()
		s.result.Manifest[l] = r.str()
	}
	n = r.count(2)
	s.entries = make([]snapshotEntry, n)
	for i := 0; i < n && r.err == nil; i++ {
		e := &s.entries[i]
		e.path = r.substr()
		flags := r.uvarint()
		e.own, e.id.Present, e.source, e.distrust, e.outputDir = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0, flags&16 != 0
		if e.id.Present {
			e.id.Device, e.id.Inode = r.uvarint(), r.uvarint()
			e.id.Size, e.id.ModTime, e.id.ChgTime = r.varint(), r.varint(), r.varint()
		}
	}
	s.recordID = []byte(r.str())
	if r.err != nil || len(r.data) != 0 {
		return nil, errDamaged
	}
	return s, nil
}
