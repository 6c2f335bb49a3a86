package writer

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"unsafe"

	"github.com/assetc/assetc/core"
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
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	sort.Strings(keys) // encoding/json sorts map keys by their bytes too
	buf := make([]byte, 0, 256)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		f := state[k]
		buf = appendJSONString(buf, k)
		buf = append(buf, `:{"md5":`...)
		buf = appendJSONString(buf, f.MD5)
		buf = append(buf, `,"size":`...)
		buf = strconv.AppendInt(buf, f.Size, 10)
		buf = append(buf, `,"mtime":`...)
		buf = strconv.AppendInt(buf, f.ModTime, 10)
		buf = append(buf, '}')
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	_, err := w.Write(append(buf, '}'))
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
	if state, ok = decodeStateFast(data); ok {
		return state, true
	}
	if json.Unmarshal(data, &state) != nil || state == nil { // "null" is no state either
		return nil, false
	}
	return state, true
}

// decodeStateFast reads exactly encodeState's layout with plain strings;
// ok is false at the first byte that differs from it.
//
// Its strings are substrings of data, not one allocation each: at 100,000
// files that was 400,000 strings for the GC to track, and the map keeps
// nearly all of data's bytes alive anyway. The caller must not change data
// afterwards (see ownedString).
func decodeStateFast(data []byte) (map[string]writtenFile, bool) {
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
	state := make(map[string]writtenFile, bytes.Count(data, []byte(`{"md5":`)))
	if !lit("{") {
		return nil, false
	}
	if lit("}") {
		return state, i == len(data)
	}
	for {
		var w writtenFile
		k, ok := str()
		if !ok || !lit(`:{"md5":`) {
			return nil, false
		}
		if w.MD5, ok = str(); !ok || !lit(`,"size":`) {
			return nil, false
		}
		if w.Size, ok = num(); !ok || !lit(`,"mtime":`) {
			return nil, false
		}
		if w.ModTime, ok = num(); !ok || !lit("}") {
			return nil, false
		}
		state[k] = w
		if lit("}") {
			return state, i == len(data)
		}
		if !lit(",") {
			return nil, false
		}
	}
}

// writeSources writes json.Marshal(sources), byte for byte, an entry at a
// time (core.Plan.SourcesJSON's bytes, written as they are made). It is
// writeState's way for sources.json: at 100,000 files, encoding/json took
// ~0.1 s for it after every change of one source.
func writeSources(w io.Writer, sources map[string]core.SourceRecord) error {
	keys := make([]string, 0, len(sources))
	for k := range sources {
		keys = append(keys, k)
	}
	sort.Strings(keys) // encoding/json sorts map keys by their bytes too
	buf := make([]byte, 0, 512)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		s := sources[k]
		buf = appendJSONString(buf, k)
		// The fields in core.SourceRecord's order, with its tags.
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
		buf = append(buf, '}')
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	_, err := w.Write(append(buf, '}'))
	return err
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
