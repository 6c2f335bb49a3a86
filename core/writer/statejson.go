package writer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"maps"
	"os"
	"slices"
	"strconv"
	"unsafe"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// state.json holds one entry per output path: 200,000 at 100,000 source
// files, where encoding/json took ~0.2 s to decode it and as long to encode
// it, more than the rest of a build that changed one file. These write
// exactly the bytes json.Marshal writes (the Python writer writes the same,
// and reads them with any JSON parser) and read them back; anything else
// (a key with an escape, other spacing) goes through encoding/json.

// encodeState is json.Marshal(state), byte for byte.
func encodeState(state map[string]writtenFile) []byte {
	var out bytes.Buffer
	_ = writeState(&out, state) // a bytes.Buffer does not fail
	return out.Bytes()
}

// writeState writes encodeState's bytes an entry at a time, so that a
// large state is never held twice (see writeFileStream).
func writeState(w io.Writer, state map[string]writtenFile) error {
	return writeSortedObject(w, state, appendStateEntry)
}

// writeSortedObject writes m as a JSON object with its keys sorted as
// encoding/json sorts them (by their bytes), each entry appended by
// appendEntry ("key":value) and written at once.
func writeSortedObject[V any](w io.Writer, m map[string]V, appendEntry func(buf []byte, key string, v V) []byte) error {
	sorted := func(yield func(string, V) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
	return writeObject(w, sorted, appendEntry)
}

// writeObject is writeSortedObject for entries that come sorted by key.
func writeObject[V any](w io.Writer, entries iter.Seq2[string, V], appendEntry func(buf []byte, key string, v V) []byte) error {
	buf := make([]byte, 0, 512)
	buf = append(buf, '{')
	first := true
	for k, v := range entries {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendEntry(buf, k, v)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	_, err := w.Write(append(buf, '}'))
	return err
}

// appendStateEntry appends one entry of encodeState's object.
func appendStateEntry(buf []byte, k string, f writtenFile) []byte {
	buf = appendJSONString(buf, k)
	buf = append(buf, `:{"md5":`...)
	buf = appendJSONString(buf, f.MD5)
	buf = append(buf, `,"size":`...)
	buf = strconv.AppendInt(buf, f.Size, 10)
	buf = append(buf, `,"mtime":`...)
	buf = strconv.AppendInt(buf, f.ModTime, 10)
	return append(buf, '}')
}

// errStateMoved says patchState found state changed beyond the keys it
// was told of: the caller writes it whole (writeState).
var errStateMoved = errors.New("state changed beyond the touched keys")

// patchState writes writeState's bytes for state without sorting or
// looking up every key: old is state.json as read, and touched holds,
// sorted, every key state may have gained or changed since (the paths
// written). See patchSortedObject. After a build that wrote a few files
// of 200,000 this is a copy of the old bytes; sorting the keys was a
// quarter of writing them.
func patchState(w io.Writer, old []byte, state map[string]writtenFile, touched []string) error {
	return patchSortedObject(w, bytes.NewReader(old), state, len(state), touched, appendStateEntry)
}

// patchSources writes writeSources' bytes for sources from old, the
// sources.json of the Plan a Plan was made from, and touched, the keys
// that may differ from it (core.Plan.SourcesPatch). See patchSortedObject.
func patchSources(w io.Writer, old []byte, sources map[string]core.SourceRecord, touched []string) error {
	return patchSortedObject(w, bytes.NewReader(old), sources, len(sources), touched, appendSourceEntry)
}

// patchSortedObject writes writeSortedObject's bytes for m without sorting
// or looking up every key: old is the object as written for an earlier m,
// and touched holds, sorted, every key m may have gained, lost or changed
// since. Old's entries are copied as they are, but those touched, which are
// encoded from m if it still holds them, in key order. Old is read an entry
// at a time (sources.json is ~27 MB at 100,000 files: read whole, it was
// that much more memory for a build to touch).
//
// Old must be writeSortedObject's layout without an escape: keys ascending,
// each entry "key":{…} with no '}' inside its value (appendStateEntry's and
// appendSourceEntry's values hold numbers, hex and base64 only); anything
// else, or an entry longer than the read buffer, or a read error, returns
// errStateMoved, and the caller writes the whole instead (writeFileStream
// renames nothing into place after an error). A key removed from m but not
// touched would be copied: the entries written are counted, and
// errStateMoved returned when they are not n, the number of keys of the new
// object (every key is written once, so a count above it can only be such
// a key). m need hold only the touched keys.
func patchSortedObject[V any](w io.Writer, old io.Reader, m map[string]V, n int, touched []string, appendEntry func(buf []byte, key string, v V) []byte) error {
	in := bufio.NewReaderSize(old, 64<<10)
	written := 0
	sep := []byte{'{'}
	buf := make([]byte, 0, 256)
	emit := func(entry []byte) error {
		written++
		if _, err := w.Write(sep); err != nil {
			return err
		}
		sep[0] = ','
		_, err := w.Write(entry)
		return err
	}
	encode := func(k string) error {
		v, kept := m[k]
		if !kept {
			return nil
		}
		buf = appendEntry(buf[:0], k, v)
		return emit(buf)
	}
	// through reads up to and including end, or fails (errStateMoved).
	through := func(end byte) ([]byte, error) {
		part, err := in.ReadSlice(end)
		if err != nil || bytes.IndexByte(part, '\\') >= 0 {
			return nil, errStateMoved // with no backslash, every string ends at the next quote
		}
		return part, nil
	}
	if c, err := in.ReadByte(); err != nil || c != '{' {
		return errStateMoved
	}
	t := 0
	var entry, last []byte // entry: the old entry read, "key":{…}
	for {
		c, err := in.ReadByte()
		if err != nil {
			return errStateMoved
		}
		if c == '}' && last == nil { // "{}"
			break
		}
		if c != '"' {
			return errStateMoved
		}
		key, err := through('"')
		if err != nil {
			return err
		}
		entry = append(append(entry[:0], '"'), key...)
		keyEnd := len(entry) - 1 // entry[1:keyEnd] is the key
		value, err := through('}')
		if err != nil || value[0] != ':' {
			return errStateMoved
		}
		entry = append(entry, value...)
		key = entry[1:keyEnd]
		if last != nil && string(key) <= string(last) {
			return errStateMoved // not ascending: not writeSortedObject's bytes
		}
		last = append(last[:0], key...)
		for ; t < len(touched) && touched[t] < string(key); t++ {
			if err := encode(touched[t]); err != nil {
				return err
			}
		}
		if t < len(touched) && touched[t] == string(key) {
			if err := encode(touched[t]); err != nil {
				return err
			}
			t++
		} else if err := emit(entry); err != nil {
			return err
		}
		if c, err = in.ReadByte(); err != nil {
			return errStateMoved
		}
		if c == '}' {
			break
		}
		if c != ',' {
			return errStateMoved
		}
	}
	if _, err := in.ReadByte(); err != io.EOF {
		return errStateMoved // bytes after the object
	}
	for ; t < len(touched); t++ {
		if err := encode(touched[t]); err != nil {
			return err
		}
	}
	if written != n {
		return errStateMoved
	}
	if written == 0 {
		_, err := w.Write([]byte("{}"))
		return err
	}
	_, err := w.Write([]byte{'}'})
	return err
}

// appendJSONString appends s as encoding/json writes it.
func appendJSONString(buf []byte, s string) []byte {
	if plainJSON(s) {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	quoted, _ := json.Marshal(s) // a string cannot fail
	return append(buf, quoted...)
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII without '"', '\\' or the HTML characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// decodeState reads what encodeState (or json.Marshal) wrote; ok is false
// when the bytes are not JSON of that shape.
func decodeState(data []byte) (state map[string]writtenFile, ok bool) {
	state, _, _, ok = decodeStatePatchable(data)
	return state, ok
}

// decodeStatePatchable is decodeState, and reports whether data is in
// encodeState's layout with its keys ascending, as patchState needs, and
// how many of its entries are precompressed variants (see
// output.variantEntries).
func decodeStatePatchable(data []byte) (state map[string]writtenFile, variants int, patchable, ok bool) {
	if state, variants, ok = decodeStateFast(data); ok {
		return state, variants, true, true
	}
	if json.Unmarshal(data, &state) != nil || state == nil { // "null" is no state either
		return nil, 0, false, false
	}
	for _, w := range state {
		if compress.IsKey(w.MD5) {
			variants++
		}
	}
	return state, variants, false, true
}

// decodeStateFast reads exactly encodeState's layout with plain strings
// and keys ascending; ok is false at the first byte that differs from it.
//
// Its strings are substrings of data, not one allocation each: at 100,000
// files that was 400,000 strings for the GC to track, and the map keeps
// nearly all of data's bytes alive anyway. The caller must not change data
// afterwards (see ownedString). variants counts the entries that are
// precompressed variants (their MD5 is a compress.Key).
func decodeStateFast(data []byte) (state map[string]writtenFile, variants int, ok bool) {
	text := ownedString(data)
	i := 0
	lit := func(s string) bool {
		if len(data)-i < len(s) || string(data[i:i+len(s)]) != s {
			return false
		}
		i += len(s)
		return true
	}
	str := func() (string, bool) {
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '"':
				s := text[i+1 : j]
				i = j + 1
				return s, true
			case '\\':
				return "", false
			}
			if data[j] < 0x20 || data[j] >= 0x80 {
				return "", false // encoding/json checks (and replaces) what is not ASCII
			}
		}
		return "", false
	}
	num := func() (int64, bool) {
		j := i
		if j < len(data) && data[j] == '-' {
			j++
		}
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		n, err := strconv.ParseInt(string(data[i:j]), 10, 64)
		i = j
		return n, err == nil
	}
	// Sized at once: growing a map of 200,000 entries rehashes it ~17 times.
	state = make(map[string]writtenFile, bytes.Count(data, []byte(`{"md5":`)))
	if !lit("{") {
		return nil, 0, false
	}
	if lit("}") {
		return state, variants, i == len(data)
	}
	last := ""
	for {
		var w writtenFile
		var k string
		k, ok = str()
		if !ok || (len(state) > 0 && k <= last) || !lit(`:{"md5":`) {
			return nil, 0, false
		}
		last = k
		if w.MD5, ok = str(); !ok || !lit(`,"size":`) {
			return nil, 0, false
		}
		if compress.IsKey(w.MD5) {
			variants++
		}
		if w.Size, ok = num(); !ok || !lit(`,"mtime":`) {
			return nil, 0, false
		}
		if w.ModTime, ok = num(); !ok || !lit("}") {
			return nil, 0, false
		}
		state[k] = w
		if lit("}") {
			return state, variants, i == len(data)
		}
		if !lit(",") {
			return nil, 0, false
		}
	}
}

// writeSources writes json.Marshal(sources), byte for byte, an entry at a
// time (core.Plan.SourcesJSON's bytes, written as they are made). It is
// writeState's way for sources.json: at 100,000 files, encoding/json took
// ~0.1 s for it after every change of one source.
func writeSources(w io.Writer, sources iter.Seq2[string, core.SourceRecord]) error {
	return writeObject(w, sources, appendSourceEntry)
}

// saveSources writes sources.json (Plan.SourcesJSON, an entry at a time):
// patched from the file as the last build wrote it when the Plan says
// which entries may differ from it (core.Plan.SourcesPatch), else whole.
// Every entry of sources.json only says what a file held while it had one
// identity, so an entry copied from a file that was not the last build's
// is still true, at worst of a file that changed since: the next build
// reads that file again (core.PlanOptions.Known).
func (o *output) saveSources(plan *core.Plan) error {
	path := o.statePath(sourcesFile)
	if touched, ok := plan.SourcesPatch(); ok {
		if old, err := os.Open(path); err == nil {
			// The records of the touched keys, and how many there are in
			// all (see patchSortedObject), without sorting every source.
			records, n := plan.SourcesOf(touched)
			err := writeFileStream(path, func(w io.Writer) error {
				return patchSortedObject(w, old, records, n, touched, appendSourceEntry)
			})
			old.Close()
			if !errors.Is(err, errStateMoved) {
				return err
			}
		}
	}
	return writeFileStream(path, func(w io.Writer) error { return writeSources(w, plan.SourceRecords()) })
}

// appendSourceEntry appends one entry of sources.json: the fields in
// core.SourceRecord's order, with its tags.
func appendSourceEntry(buf []byte, k string, s core.SourceRecord) []byte {
	buf = appendJSONString(buf, k)
	buf = append(buf, `:{"size":`...)
	buf = strconv.AppendInt(buf, s.Size, 10)
	buf = append(buf, `,"mtime":`...)
	buf = strconv.AppendInt(buf, s.ModTime, 10)
	if s.ChangeTime != 0 {
		buf = append(buf, `,"ctime":`...)
		buf = strconv.AppendInt(buf, s.ChangeTime, 10)
	}
	if s.Device != 0 {
		buf = append(buf, `,"dev":`...)
		buf = strconv.AppendUint(buf, s.Device, 10)
	}
	if s.Inode != 0 {
		buf = append(buf, `,"ino":`...)
		buf = strconv.AppendUint(buf, s.Inode, 10)
	}
	buf = append(buf, `,"md5":`...)
	buf = appendJSONString(buf, s.MD5)
	if s.SRI != "" {
		buf = append(buf, `,"sri":`...)
		buf = appendJSONString(buf, s.SRI)
	}
	return append(buf, '}')
}

// ownedString is data as a string without a copy, for decoders of files
// read whole whose strings are substrings of the file: one string of 20 to
// 30 MB at 100,000 files instead of a copy of it (the allocation, its page
// faults and its copy cost more than the decoding). Strings are immutable,
// so the caller hands data over: it must never change data again
// (unsafe.String's rule). Every caller passes a buffer os.ReadFile just
// returned.
func ownedString(data []byte) string {
	return unsafe.String(unsafe.SliceData(data), len(data))
}
