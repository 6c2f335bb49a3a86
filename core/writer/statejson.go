package writer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"os"
	"strconv"
	"unsafe"

	"github.com/assetc/assetc/core"
)

// state.json and sources.json hold one entry per output path or source:
// 200,000 and 100,000 at 100,000 source files, where encoding/json took
// ~0.2 s to decode state.json and as long to encode it, more than the rest
// of a build that changed one file. These write exactly the bytes
// json.Marshal writes (the Python writer writes the same, and reads them
// with any JSON parser); stateTable reads state.json back.

// writeObject writes entries, which come sorted by key, as a JSON object:
// each entry appended by appendEntry ("key":value) and written at once.
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

// appendStateEntry appends one entry of state.json (stateTable.write).
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

// errStateMoved says patchSortedObject found the object changed beyond the
// keys it was told of, or not in its layout: the caller writes it whole.
var errStateMoved = errors.New("state changed beyond the touched keys")

// patchSources writes writeSources' bytes for sources from old, the
// sources.json of the Plan a Plan was made from, and touched, the keys
// that may differ from it (core.Plan.SourcesPatch). See patchSortedObject.
func patchSources(w io.Writer, old []byte, sources map[string]core.SourceRecord, touched []string) error {
	return patchSortedObject(w, bytes.NewReader(old), sources, len(sources), touched, appendSourceEntry)
}

// patchSortedObject writes writeObject's bytes for m, sorted, without sorting
// or looking up every key: old is the object as written for an earlier m,
// and touched holds, sorted, every key m may have gained, lost or changed
// since. Old's entries are copied as they are, but those touched, which are
// encoded from m if it still holds them, in key order. Old is read an entry
// at a time (sources.json is ~27 MB at 100,000 files: read whole, it was
// that much more memory for a build to touch).
//
// Old must be writeObject's layout without an escape: keys ascending,
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
			return errStateMoved // not ascending: not writeObject's bytes
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

// writeSources writes json.Marshal(sources), byte for byte, an entry at a
// time (core.Plan.SourcesJSON's bytes, written as they are made). It is
// state.json's way for sources.json: at 100,000 files, encoding/json took
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
