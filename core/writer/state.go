package writer

import (
	"encoding/json"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/assetc/assetc/core/compress"
)

// stateTable is what assetc last wrote at each output path: state.json's
// entries as read, looked up in its bytes, and the entries set or removed
// since.
//
// At 100,000 source files state.json holds 200,000 entries (23 MB). Decoded
// into a map they were ~20 MB more and ~45 ms of every build that read
// them, though a build that changed one file looks up only the paths it
// writes and the few its snapshot looks at: that map was a good part of the
// memory such a build touched in proportion to the tree. Here the bytes as
// read are kept (writing state.json copies the entries nobody changed from
// them) with one offset per entry, 800 KB, searched by binary search.
//
// Each entry is in one place: a key of set is no longer text's entry, a
// key of removed is gone. A table is guarded by its output's mu.
type stateTable struct {
	// text is state.json as read, when it is in exactly the layout write
	// writes (see indexState); keys[i] is the offset in text of its i-th
	// entry's key (after the quote), the keys ascending.
	text string
	keys []uint32
	// set holds the entries set since state.json was read, and every entry
	// of one read by encoding/json (another layout); removed holds keys of
	// text's entries removed since and not set again.
	set     map[string]writtenFile
	removed map[string]bool
	// n counts the entries; variants those that are precompressed variants
	// (their MD5 is a compress.Key), so that holdsVariants need not look at
	// 200,000 entries.
	n, variants int
	// changed says the table differs from state.json: a build that wrote
	// and removed nothing does not rewrite it.
	changed bool
}

// readStateTable reads state.json's bytes, which it keeps (the caller must
// not change data afterwards: see ownedString); ok is false when they are
// not JSON of state.json's shape.
func readStateTable(data []byte) (t stateTable, ok bool) {
	if t, ok = indexState(data); ok {
		return t, true
	}
	var m map[string]writtenFile
	if json.Unmarshal(data, &m) != nil || m == nil { // "null" is no state either
		return stateTable{}, false
	}
	t = stateTable{set: m, n: len(m)}
	for _, w := range m {
		if compress.IsKey(w.MD5) {
			t.variants++
		}
	}
	return t, true
}

// indexState indexes data when it is exactly what write writes
// (json.Marshal's bytes): keys ascending, strings that encoding/json writes
// without an escape, numbers as strconv writes them. Then every entry of
// text, copied as it is, is the entry write would encode for it; ok is
// false at the first byte that differs from that layout.
func indexState(data []byte) (t stateTable, ok bool) {
	if len(data) > math.MaxUint32 {
		return stateTable{}, false
	}
	text := ownedString(data)
	i := 0
	lit := func(s string) bool {
		if !strings.HasPrefix(text[i:], s) {
			return false
		}
		i += len(s)
		return true
	}
	str := func() (string, bool) {
		if !lit(`"`) {
			return "", false
		}
		end := strings.IndexByte(text[i:], '"')
		if end < 0 || !plainJSON(text[i:i+end]) {
			return "", false
		}
		s := text[i : i+end]
		i += end + 1
		return s, true
	}
	var scratch [20]byte
	num := func() (int64, bool) {
		j := i
		if j < len(text) && text[j] == '-' {
			j++
		}
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		n, err := strconv.ParseInt(text[i:j], 10, 64)
		canonical := err == nil && string(strconv.AppendInt(scratch[:0], n, 10)) == text[i:j]
		i = j
		return n, canonical
	}
	// Sized at once: the offsets of 200,000 entries grown by appending
	// were twice as much again, as garbage.
	t.keys = make([]uint32, 0, strings.Count(text, `{"md5":`))
	t.text = text
	if !lit("{") {
		return stateTable{}, false
	}
	if lit("}") {
		t.keys = nil
		return t, i == len(text)
	}
	last := ""
	for {
		off := i + 1
		k, ok := str()
		if !ok || (len(t.keys) > 0 && k <= last) || !lit(`:{"md5":`) {
			return stateTable{}, false
		}
		last = k
		md5, ok := str()
		if !ok || !lit(`,"size":`) {
			return stateTable{}, false
		}
		if _, ok := num(); !ok || !lit(`,"mtime":`) {
			return stateTable{}, false
		}
		if _, ok := num(); !ok || !lit("}") {
			return stateTable{}, false
		}
		if compress.IsKey(md5) {
			t.variants++
		}
		t.keys = append(t.keys, uint32(off))
		if lit("}") {
			t.n = len(t.keys)
			return t, i == len(text)
		}
		if !lit(",") {
			return stateTable{}, false
		}
	}
}

// keyAt is the key of text's i-th entry.
func (t *stateTable) keyAt(i int) string {
	k := t.text[t.keys[i]:]
	return k[:strings.IndexByte(k, '"')]
}

// rawAt is text's i-th entry as it is, "key":{…}: the entries are
// separated by single commas in the object's braces (indexState).
func (t *stateTable) rawAt(i int) string {
	end := len(t.text) - 1 // the object's '}'
	if i+1 < len(t.keys) {
		end = int(t.keys[i+1]) - 2 // the ',"' before the next key
	}
	return t.text[t.keys[i]-1 : end]
}

// entryAt decodes text's i-th entry, whose layout indexState checked.
func (t *stateTable) entryAt(i int) writtenFile {
	var w writtenFile
	s := t.text[int(t.keys[i])+len(t.keyAt(i))+len(`":{"md5":"`):]
	end := strings.IndexByte(s, '"')
	w.MD5, s = s[:end], s[end+len(`","size":`):]
	end = strings.IndexByte(s, ',')
	w.Size, _ = strconv.ParseInt(s[:end], 10, 64)
	s = s[end+len(`,"mtime":`):]
	w.ModTime, _ = strconv.ParseInt(s[:strings.IndexByte(s, '}')], 10, 64)
	return w
}

// find is the index of rel's entry in text, if it has one.
func (t *stateTable) find(rel string) (int, bool) {
	return slices.BinarySearchFunc(t.keys, rel, func(off uint32, rel string) int {
		k := t.text[off:]
		return strings.Compare(k[:strings.IndexByte(k, '"')], rel)
	})
}

// get is the entry at rel.
func (t *stateTable) get(rel string) (writtenFile, bool) {
	if w, ok := t.set[rel]; ok {
		return w, true
	}
	if t.removed[rel] {
		return writtenFile{}, false
	}
	if i, ok := t.find(rel); ok {
		return t.entryAt(i), true
	}
	return writtenFile{}, false
}

// put records w at rel.
func (t *stateTable) put(rel string, w writtenFile) {
	old, had := t.get(rel)
	if !had {
		t.n++
	} else if compress.IsKey(old.MD5) {
		t.variants--
	}
	if compress.IsKey(w.MD5) {
		t.variants++
	}
	if t.set == nil {
		t.set = map[string]writtenFile{}
	}
	t.set[rel] = w
	delete(t.removed, rel)
	t.changed = true
}

// remove removes the entry at rel, if any.
func (t *stateTable) remove(rel string) {
	t.changed = true
	old, had := t.get(rel)
	if !had {
		return
	}
	t.n--
	if compress.IsKey(old.MD5) {
		t.variants--
	}
	delete(t.set, rel)
	if _, inText := t.find(rel); inText {
		if t.removed == nil {
			t.removed = map[string]bool{}
		}
		t.removed[rel] = true
	}
}

// write writes the table as json.Marshal writes a map of its entries
// (state.json; the Python writer writes the same, and reads it with any
// JSON parser): text's entries nobody set or removed are copied as they
// are, in order, and merged with the entries set, encoded. After a build
// that wrote a few files of 200,000 that is a copy of the old bytes.
func (t *stateTable) write(w io.Writer) error {
	added := slices.Sorted(maps.Keys(t.set))
	buf := make([]byte, 0, 512)
	buf = append(buf, '{')
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	first := true
	sep := func() {
		if !first {
			buf = append(buf, ',')
		}
		first = false
	}
	i, j := 0, 0
	for i < len(t.keys) || j < len(added) {
		if i < len(t.keys) {
			k := t.keyAt(i)
			if j == len(added) || k < added[j] {
				if !t.removed[k] {
					sep()
					buf = append(buf, t.rawAt(i)...)
				}
				i++
				if len(buf) >= 32<<10 {
					if err := flush(); err != nil {
						return err
					}
				}
				continue
			}
			if k == added[j] {
				i++ // set again since: encoded below
			}
		}
		sep()
		buf = appendStateEntry(buf, added[j], t.set[added[j]])
		j++
		if len(buf) >= 32<<10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	buf = append(buf, '}')
	return flush()
}

// at is the entry at rel, zero if none.
func (t *stateTable) at(rel string) writtenFile {
	w, _ := t.get(rel)
	return w
}
