package writer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/assetc/assetc/core"
)

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
