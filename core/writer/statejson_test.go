package writer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// TestStateJSON: encodeState writes json.Marshal's bytes, and decodeState
// reads them (and JSON of another layout, through encoding/json) into what
// json.Unmarshal gives; bytes that are not such JSON are refused.
func TestStateJSON(t *testing.T) {
	states := []map[string]writtenFile{
		{},
		{"css/a.css": {MD5: "0123456789abcdef0123456789abcdef", Size: 12, ModTime: 1700000000123456789}},
		{
			"a<b>&c.css":       {MD5: "x", Size: 0, ModTime: -5},
			`q"uote\back.js`:   {MD5: "y", Size: 1},
			"ünïcode/é.png":    {MD5: "z.br.11", Size: 2, ModTime: 3},
			"tab\there":        {MD5: "t"},
			"img/x.123abc.svg": {MD5: "0123456789abcdef0123456789abcdef.gzip.9", Size: 99, ModTime: 1},
		},
	}
	for _, state := range states {
		want, _ := json.Marshal(state)
		got := encodeState(state)
		if !bytes.Equal(got, want) {
			t.Errorf("encodeState wrote\n%s\nwant json.Marshal's\n%s", got, want)
		}
		back, ok := decodeState(got)
		if !ok || !reflect.DeepEqual(back, state) {
			t.Errorf("decodeState(%s) = %v, %v", got, back, ok)
		}
		indented, _ := json.MarshalIndent(state, "", " ")
		if back, ok := decodeState(indented); !ok || !reflect.DeepEqual(back, state) {
			t.Errorf("decodeState of another layout = %v, %v", back, ok)
		}
	}
	for _, bad := range []string{"", "{", `{"a":{"md5":"x","size":1,"mtime":2}`, `{"a":{"md5":"x","size":1,"mtime":2}}x`, "null x", "null", `{"a":1}`} {
		if got, ok := decodeState([]byte(bad)); ok {
			t.Errorf("decodeState(%q) = %v, want it refused", bad, got)
		}
	}
}

// TestWriteSourcesIsMarshal: sources.json written by writeSources is the
// bytes json.Marshal gives core.Plan.Sources() (sorted keys, HTML escaped,
// the omitempty fields left out), for every field set or not.
func TestWriteSourcesIsMarshal(t *testing.T) {
	full := core.SourceRecord{Size: 1, ModTime: -2, ChangeTime: 3, Device: 1 << 63, Inode: 5, MD5: "0123", SRI: "sha384-+/="}
	for _, m := range []map[string]core.SourceRecord{
		nil, {},
		{"b/<a>&.css": full, "a \"q\" é": {Size: 3}, "a": {}, "tab\there": {MD5: "x", SRI: "s"}},
		{"/s/x": {Size: 9, ModTime: 8, Inode: 7}, "/s/y": {ChangeTime: 1, Device: 2, MD5: "m"}},
	} {
		var got bytes.Buffer
		sorted := func(yield func(string, core.SourceRecord) bool) {
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if !yield(k, m[k]) {
					return
				}
			}
		}
		if err := writeSources(&got, sorted); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(m)
		if m == nil {
			want = []byte("{}") // read back the same as null: no records
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("got %s, want %s", got.Bytes(), want)
		}
	}
	// A field added to core.SourceRecord must be written here too.
	if n := reflect.TypeOf(core.SourceRecord{}).NumField(); n != 7 {
		t.Errorf("core.SourceRecord has %d fields, writeSources writes 7: update it", n)
	}
}

// TestPatchState: state.json patched from its old bytes with the keys
// written since is encodeState's bytes of the new state, for keys changed,
// added before, between and after the old ones, and removed with their key
// touched; a key removed without it is refused (errStateMoved), and so are
// bytes decodeState does not call patchable (keys out of order).
func TestPatchState(t *testing.T) {
	entry := func(n int) writtenFile {
		return writtenFile{MD5: fmt.Sprintf("%032x", n), Size: int64(n), ModTime: int64(n) * 1e9}
	}
	rng := rand.New(rand.NewPCG(15, 15))
	for round := 0; round < 200; round++ {
		old := map[string]writtenFile{}
		for n := rng.IntN(30); n > 0; n-- {
			old[fmt.Sprintf("d%d/f%02d.css", rng.IntN(3), rng.IntN(60))] = entry(rng.IntN(1000))
		}
		data := encodeState(old)
		state, _, patchable, ok := decodeStatePatchable(data)
		if !ok || !patchable {
			t.Fatalf("encodeState's bytes are not patchable: %s", data)
		}
		var touched []string
		for n := rng.IntN(6); n > 0; n-- {
			k := fmt.Sprintf("d%d/f%02d.css", rng.IntN(4), rng.IntN(60))
			if rng.IntN(4) == 0 {
				delete(state, k)
			} else {
				state[k] = entry(rng.IntN(1000))
			}
			touched = append(touched, k)
		}
		slices.Sort(touched)
		touched = slices.Compact(touched)
		var got bytes.Buffer
		if err := patchState(&got, data, state, touched); err != nil {
			t.Fatal(err)
		}
		if want := encodeState(state); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("patched\n%s\nwant\n%s", got.Bytes(), want)
		}
		for k := range state {
			if !slices.Contains(touched, k) {
				delete(state, k) // removed without being touched
				if err := patchState(io.Discard, data, state, touched); !errors.Is(err, errStateMoved) {
					t.Fatalf("a key removed untouched: %v, want errStateMoved", err)
				}
				break
			}
		}
	}
	if _, _, patchable, ok := decodeStatePatchable([]byte(`{"b":{"md5":"x","size":1,"mtime":2},"a":{"md5":"y","size":1,"mtime":2}}`)); !ok || patchable {
		t.Errorf("keys out of order: ok %t, patchable %t; want read, not patchable", ok, patchable)
	}
}

// TestPatchSources: sources.json patched from the last one, for random
// records gained, changed and lost at the keys touched, is byte for byte
// what writeSources (json.Marshal) writes; an untouched key removed, keys
// out of order or an escaped key send the caller to the whole write.
func TestPatchSources(t *testing.T) {
	record := func(rng *rand.Rand) core.SourceRecord {
		r := core.SourceRecord{Size: rng.Int64N(1e6), ModTime: rng.Int64N(1e18), MD5: fmt.Sprintf("%032x", rng.Uint64())}
		if rng.IntN(4) > 0 { // some hosts cannot tell these (omitted then)
			r.ChangeTime, r.Device, r.Inode = rng.Int64N(1e18), rng.Uint64N(1e5), rng.Uint64N(1e9)
		}
		if rng.IntN(3) > 0 {
			r.SRI = "sha384-" + fmt.Sprintf("%x", rng.Uint64())
		}
		return r
	}
	marshal := func(m map[string]core.SourceRecord) []byte {
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	rng := rand.New(rand.NewPCG(16, 16))
	for round := 0; round < 200; round++ {
		sources := map[string]core.SourceRecord{}
		for n := rng.IntN(30); n > 0; n-- {
			sources[fmt.Sprintf("/src/d%d/f%02d.css", rng.IntN(3), rng.IntN(60))] = record(rng)
		}
		data := marshal(sources)
		var touched []string
		for n := rng.IntN(6); n > 0; n-- {
			k := fmt.Sprintf("/src/d%d/f%02d.css", rng.IntN(4), rng.IntN(60))
			if rng.IntN(4) == 0 {
				delete(sources, k)
			} else {
				sources[k] = record(rng)
			}
			touched = append(touched, k)
		}
		slices.Sort(touched)
		touched = slices.Compact(touched)
		var got bytes.Buffer
		if err := patchSources(&got, data, sources, touched); err != nil {
			t.Fatal(err)
		}
		if want := marshal(sources); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("patched\n%s\nwant\n%s", got.Bytes(), want)
		}
		for k := range sources {
			if !slices.Contains(touched, k) {
				delete(sources, k) // removed without being touched
				if err := patchSources(io.Discard, data, sources, touched); !errors.Is(err, errStateMoved) {
					t.Fatalf("a key removed untouched: %v, want errStateMoved", err)
				}
				break
			}
		}
	}
	for _, old := range []string{
		`{"/b":{"size":1,"mtime":2,"md5":"x"},"/a":{"size":1,"mtime":2,"md5":"y"}}`, // out of order
		`{"/a\"b":{"size":1,"mtime":2,"md5":"x"}}`,                                  // an escape
		`{"/a":{"size":1,"mtime":2,"md5":"x"}`,                                      // cut
		`{"/a":{"size":1,"mtime":2,"md5":"x"}}x`,                                    // more after it
		`{"/a":{"size":1,"mtime":2,"md5":"x"},}`,                                    // a comma too many
		`{"/a"{"size":1,"mtime":2,"md5":"x"}}`,                                      // no colon
		`{"/a":{"size":1,"mtime":2,"md5":"x"};"/b":{}}`,                             // no comma
		`{"/` + strings.Repeat("a", 70<<10) + `":{"size":1,"mtime":2,"md5":"x"}}`,   // longer than the read buffer
		``, `}`, `{`,
	} {
		if err := patchSources(io.Discard, []byte(old), map[string]core.SourceRecord{"/a": {}}, nil); !errors.Is(err, errStateMoved) {
			t.Errorf("%.80s: %v, want errStateMoved", old, err)
		}
	}
	// The old file read an entry at a time: a read error is a refusal too
	// (the caller writes the whole), not a failed build.
	failing := io.MultiReader(strings.NewReader(`{"/a":{"size":1,"mtime":2,"md5":"x"},`), iotest.ErrReader(errors.New("disk gone")))
	if err := patchSortedObject(io.Discard, failing, map[string]core.SourceRecord{}, 2, nil, appendSourceEntry); !errors.Is(err, errStateMoved) {
		t.Errorf("a read error: %v, want errStateMoved", err)
	}
	// An empty object gains what is touched.
	var got bytes.Buffer
	gained := map[string]core.SourceRecord{"/a": {Size: 1, MD5: "x"}}
	if err := patchSources(&got, []byte(`{}`), gained, []string{"/a"}); err != nil || !bytes.Equal(got.Bytes(), marshal(gained)) {
		t.Errorf("{} patched: %s, %v; want %s", got.Bytes(), err, marshal(gained))
	}
}

// TestBuildRecordEncoding: writeBuildRecord writes json.Marshal's bytes
// for the build record, with no files, no compression entries, names that
// encoding/json escapes, and lists long enough to be written in pieces.
func TestBuildRecordEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 15))
	odd := []string{"a.css", "css/a b.0123456789ab.css", `q"uote.js`, "back\\slash.png", "<html>&.svg", "é.txt", "\x01ctl", "img/\u2028.png"}
	for n, size := range []int{0, 1, 3, 5000} {
		var files, compressed []string
		for i := range size {
			files = append(files, fmt.Sprintf("pkg%04d/%s/file-%d.%s", rng.IntN(100), odd[rng.IntN(len(odd))], i, "css"))
		}
		for i := range n {
			compressed = append(compressed, fmt.Sprintf("%032x-%d.br", rng.Uint64(), i))
		}
		var got bytes.Buffer
		if err := writeBuildRecord(&got, "2026-12-01T07:30:00.123456789Z", slices.Values(files), compressed); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(buildRecord{Time: "2026-12-01T07:30:00.123456789Z", Files: files, Compressed: compressed})
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%d files, %d compressed: got\n%.300s\nwant\n%.300s", size, n, got.Bytes(), want)
		}
	}
}

// TestVariantEntriesCounted: holdsVariants, which reads a count kept as
// state changes instead of looking at every entry, agrees with a look at
// every entry after state.json is read (fast layout or not) and after
// every change of a random sequence of records and removals.
func TestVariantEntriesCounted(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	scan := func(o *output) bool {
		for _, w := range o.state {
			if compress.IsKey(w.MD5) {
				return true
			}
		}
		return false
	}
	for round := range 50 {
		state := map[string]writtenFile{}
		for i := range rng.IntN(6) {
			sum := fmt.Sprintf("%032x", rng.Uint64())
			if rng.IntN(3) == 0 {
				sum = compress.Key(sum, compress.Brotli, 5)
			}
			state[fmt.Sprintf("f%d.css", i)] = writtenFile{MD5: sum, Size: 1, ModTime: 2}
		}
		data := encodeState(state)
		if round%2 == 1 {
			data, _ = json.MarshalIndent(state, "", " ") // the other decoder
		}
		dir := t.TempDir()
		o := &output{dir: dir, state: map[string]writtenFile{}}
		if err := os.MkdirAll(o.statePath(""), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(o.statePath("state.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		o.readState()
		if !reflect.DeepEqual(o.state, state) {
			t.Fatalf("state read back as %v, want %v", o.state, state)
		}
		for step := range 20 {
			if got, want := o.holdsVariants(), scan(o); got != want {
				t.Fatalf("round %d step %d: holdsVariants() = %v, the entries say %v (%v)", round, step, got, want, o.state)
			}
			rel := fmt.Sprintf("f%d.css", rng.IntN(8))
			o.mu.Lock()
			switch rng.IntN(3) {
			case 0:
				o.deleteState(rel)
			case 1:
				o.setState(rel, writtenFile{MD5: compress.Key(fmt.Sprintf("%032x", rng.Uint64()), compress.Gzip, 9)})
			default:
				o.setState(rel, writtenFile{MD5: fmt.Sprintf("%032x", rng.Uint64())})
			}
			o.mu.Unlock()
		}
	}
}
