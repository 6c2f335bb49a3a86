package writer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/assetc/assetc/core/compress"
)

// entries is every entry of t, as a map.
func (t *stateTable) entries() map[string]writtenFile {
	m := map[string]writtenFile{}
	for i := range t.keys {
		if k := t.keyAt(i); !t.removed[k] {
			m[k] = t.entryAt(i)
		}
	}
	for k, w := range t.set {
		m[k] = w
	}
	return m
}

// writeTable is t.write's bytes.
func writeTable(t *testing.T, table *stateTable) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := table.write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestStateTableReadsAndWrites: state.json as json.Marshal writes it is read
// into a table that holds what json.Unmarshal gives, looked up in its
// bytes when they are in that exact layout (plain strings), and written
// back byte for byte; JSON of another layout is read through encoding/json
// and written as json.Marshal writes it; bytes that are not such JSON are
// refused.
func TestStateTableReadsAndWrites(t *testing.T) {
	states := []struct {
		state   map[string]writtenFile
		indexed bool // read in its bytes, not by encoding/json
	}{
		{map[string]writtenFile{}, true},
		{map[string]writtenFile{"css/a.css": {MD5: "0123456789abcdef0123456789abcdef", Size: 12, ModTime: 1700000000123456789}}, true},
		{map[string]writtenFile{
			"a.css":        {MD5: "x}", Size: 0, ModTime: -5},
			"b/c.css":      {MD5: "y", Size: 1},
			"b/c.css.br":   {MD5: "0123456789abcdef0123456789abcdef.br.11", Size: 2, ModTime: 3},
			"b/c.css.gz":   {MD5: "0123456789abcdef0123456789abcdef.gzip.9", Size: 99, ModTime: -9223372036854775808},
			"z/{x}},{.svg": {MD5: "", Size: 9223372036854775807},
		}, true},
		{map[string]writtenFile{
			"a<b>&c.css":       {MD5: "x", Size: 0, ModTime: -5},
			`q"uote\back.js`:   {MD5: "y", Size: 1},
			"ünïcode/é.png":    {MD5: "z.br.11", Size: 2, ModTime: 3},
			"tab\there":        {MD5: "t"},
			"img/x.123abc.svg": {MD5: "0123456789abcdef0123456789abcdef.gzip.9", Size: 99, ModTime: 1},
		}, false},
	}
	for _, c := range states {
		data, _ := json.Marshal(c.state)
		table, ok := readStateTable(bytes.Clone(data))
		if !ok || !reflect.DeepEqual(table.entries(), c.state) || table.n != len(c.state) {
			t.Errorf("read %s as %v (%d entries), %v", data, table.entries(), table.n, ok)
			continue
		}
		if indexed := len(table.keys) == len(c.state) && table.set == nil; indexed != c.indexed {
			t.Errorf("%s: looked up in its bytes %v, want %v", data, indexed, c.indexed)
		}
		for k, w := range c.state {
			if got, ok := table.get(k); !ok || got != w {
				t.Errorf("%s: get(%q) = %v, %v; want %v", data, k, got, ok, w)
			}
		}
		for _, k := range []string{"", "a", "b/c.css.b", "zz", "css/a.css2"} {
			if _, ok := c.state[k]; !ok {
				if got, ok := table.get(k); ok {
					t.Errorf("%s: get(%q) = %v, want none", data, k, got)
				}
			}
		}
		if got := writeTable(t, &table); !bytes.Equal(got, data) {
			t.Errorf("written as\n%s\nwant json.Marshal's\n%s", got, data)
		}
		indented, _ := json.MarshalIndent(c.state, "", " ")
		other, ok := readStateTable(indented)
		if !ok || !reflect.DeepEqual(other.entries(), c.state) {
			t.Errorf("another layout read as %v, %v", other.entries(), ok)
		}
		if got := writeTable(t, &other); !bytes.Equal(got, data) {
			t.Errorf("another layout written as\n%s\nwant json.Marshal's\n%s", got, data)
		}
	}
	for _, bad := range []string{"", "{", `{"a":{"md5":"x","size":1,"mtime":2}`, `{"a":{"md5":"x","size":1,"mtime":2}}x`, "null x", "null", `{"a":1}`} {
		if got, ok := readStateTable([]byte(bad)); ok {
			t.Errorf("readStateTable(%q) = %v, want it refused", bad, got.entries())
		}
	}
	// Valid JSON json.Marshal does not write: read by encoding/json, so
	// that what is written is json.Marshal's bytes.
	for _, odd := range []string{
		`{"b":{"md5":"x","size":1,"mtime":2},"a":{"md5":"y","size":1,"mtime":2}}`, // keys out of order
		`{"a":{"md5":"x","size":1,"mtime":2},"a":{"md5":"y","size":1,"mtime":3}}`, // a key twice
		`{"a":{"md5":"x","size":1.0,"mtime":2}}`,                                  // a number written otherwise
		`{"a":{"md5":"x","size":1,"mtime":-0}}`,
		`{"a":{"md5":"x","size":1,"mtime":2,"ino":3}}`, // a field more
		`{"a":{"size":1,"md5":"x","mtime":2}}`,         // another order
		`{"a<":{"md5":"x","size":1,"mtime":2}}`,        // encoding/json escapes '<'
	} {
		table, ok := readStateTable([]byte(odd))
		if !ok {
			continue // not a state encoding/json reads either
		}
		if len(table.keys) > 0 {
			t.Errorf("%s: looked up in its bytes, not in json.Marshal's layout", odd)
		}
		var m map[string]writtenFile
		_ = json.Unmarshal([]byte(odd), &m)
		want, _ := json.Marshal(m)
		if got := writeTable(t, &table); !bytes.Equal(got, want) {
			t.Errorf("%s written as %s, want %s", odd, got, want)
		}
	}
}

// TestStateTableMatchesMap: a table read from state.json, then changed by
// a random sequence of puts and removals (of keys it read, set since, or
// never held), holds what a map changed the same way holds, at every key,
// with its counts of entries and variants, and writes json.Marshal's bytes
// of that map: state.json is the same bytes as when it was a map.
func TestStateTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	key := func() string { return fmt.Sprintf("d%d/f%02d.css", rng.IntN(4), rng.IntN(40)) }
	entry := func() writtenFile {
		w := writtenFile{MD5: fmt.Sprintf("%032x", rng.Uint64()), Size: rng.Int64N(1e6) - 10, ModTime: rng.Int64N(1e18)}
		if rng.IntN(4) == 0 {
			w.MD5 = compress.Key(w.MD5, compress.Gzip, 9)
		}
		return w
	}
	for round := 0; round < 300; round++ {
		model := map[string]writtenFile{}
		for n := rng.IntN(40); n > 0; n-- {
			model[key()] = entry()
		}
		data, _ := json.Marshal(model)
		table, ok := readStateTable(data)
		if !ok || len(table.keys) != len(model) {
			t.Fatalf("json.Marshal's bytes not looked up in place: %s", data)
		}
		for step := rng.IntN(12); step >= 0; step-- {
			k := key()
			if rng.IntN(3) == 0 {
				delete(model, k)
				table.remove(k)
			} else {
				w := entry()
				model[k] = w
				table.put(k, w)
			}
			variants := 0
			for _, w := range model {
				if compress.IsKey(w.MD5) {
					variants++
				}
			}
			if table.n != len(model) || table.variants != variants || !table.changed {
				t.Fatalf("round %d: %d entries, %d variants, changed %v; want %d, %d, true", round, table.n, table.variants, table.changed, len(model), variants)
			}
			for d := range 4 {
				for f := range 40 {
					k := fmt.Sprintf("d%d/f%02d.css", d, f)
					want, wantOK := model[k]
					if got, ok := table.get(k); got != want || ok != wantOK {
						t.Fatalf("round %d: get(%q) = %v, %v; want %v, %v", round, k, got, ok, want, wantOK)
					}
				}
			}
		}
		want, _ := json.Marshal(model)
		if got := writeTable(t, &table); !bytes.Equal(got, want) {
			t.Fatalf("round %d: written as\n%s\nwant\n%s", round, got, want)
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
		for _, w := range o.state.entries() {
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
		data, _ := json.Marshal(state)
		if round%2 == 1 {
			data, _ = json.MarshalIndent(state, "", " ") // the other decoder
		}
		dir := t.TempDir()
		o := &output{dir: dir}
		if err := os.MkdirAll(o.statePath(""), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(o.statePath("state.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		o.readState()
		if !reflect.DeepEqual(o.state.entries(), state) {
			t.Fatalf("state read back as %v, want %v", o.state.entries(), state)
		}
		for step := range 20 {
			if got, want := o.holdsVariants(), scan(o); got != want {
				t.Fatalf("round %d step %d: holdsVariants() = %v, the entries say %v (%v)", round, step, got, want, o.state.entries())
			}
			rel := fmt.Sprintf("f%d.css", rng.IntN(8))
			o.mu.Lock()
			switch rng.IntN(3) {
			case 0:
				o.state.remove(rel)
			case 1:
				o.state.put(rel, writtenFile{MD5: compress.Key(fmt.Sprintf("%032x", rng.Uint64()), compress.Gzip, 9)})
			default:
				o.state.put(rel, writtenFile{MD5: fmt.Sprintf("%032x", rng.Uint64())})
			}
			o.mu.Unlock()
		}
	}
}
