package writer

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/assetc/assetc/core"
)

// recordFixture is a PlanRecord with every field of its files set.
func recordFixture() *core.PlanRecord {
	file := func(logical string, rewritten bool, targets ...string) core.PriorFile {
		f := core.PriorFile{
			Source: core.Source{LogicalPath: logical, Root: 1, Path: "/src/" + logical},
			Info:   core.FileInfo{Size: 10, ModTime: 20, Kind: core.KindRegular, Device: 30, Inode: 40, ChangeTime: 50},
			MD5:    [16]byte{1, 2, 3}, SRI: "sha384-" + logical, CSS: true, HashedName: logical + ".abc",
			Targets: targets,
		}
		if rewritten {
			f.Rewritten, f.RewrittenMD5, f.RewrittenSize, f.RewrittenSRI = true, "0123", 7, "sha384-r"
		}
		return f
	}
	return &core.PlanRecord{
		Files: []core.PriorFile{
			file("a.css", true, "b.css"),
			file("b.css", true, "c.png", "d.png"),
			file("c.png", false),
			file("e.css", false),
		},
		Inputs: core.Inputs{Dirs: []string{"/src"}, Host: true},
	}
}

// cloneRecord copies r deeply enough to change any field of its files.
func cloneRecord(r *core.PlanRecord) *core.PlanRecord {
	c := *r
	c.Files = slices.Clone(r.Files)
	for i := range c.Files {
		c.Files[i].Targets = slices.Clone(c.Files[i].Targets)
	}
	return &c
}

// TestRecordDecodes: decodeRecord gives back what encodeRecord encoded, and
// rejects every truncation.
func TestRecordDecodes(t *testing.T) {
	want := recordFixture()
	data := recordBytes(want, nil)
	got, err := decodeRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.record, want) {
		t.Errorf("decoded:\n%+v\nwant\n%+v", got.record, want)
	}
	for n := 1; n < len(data); n++ {
		if _, err := decodeRecord(data[:n]); err == nil {
			t.Fatalf("a record cut to %d of %d bytes was decoded", n, len(data))
		}
	}
}

// TestRecordSplice: a record encoded from a prior one (the unchanged files'
// bytes copied) is byte for byte the record encoded from nothing, whichever
// field of a file changed, and when files are added or removed. A field
// samePriorFile forgets would keep the prior's bytes and fail here.
func TestRecordSplice(t *testing.T) {
	base := recordFixture()
	prior, err := decodeRecord(recordBytes(base, nil))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, r *core.PlanRecord) {
		t.Helper()
		got, want := recordBytes(r, prior), recordBytes(r, nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the spliced record differs from one encoded anew", what)
		}
	}
	check("unchanged", base)

	// Every leaf field of one file, changed in turn (reflection: a field
	// added to core.PriorFile is covered without editing this test).
	var leaves func(v reflect.Value, name string, visit func(name string, v reflect.Value))
	leaves = func(v reflect.Value, name string, visit func(string, reflect.Value)) {
		if v.Kind() == reflect.Struct {
			for i := 0; i < v.NumField(); i++ {
				leaves(v.Field(i), name+"."+v.Type().Field(i).Name, visit)
			}
			return
		}
		visit(name, v)
	}
	count := 0
	leaves(reflect.ValueOf(base.Files[1]), "PriorFile", func(name string, _ reflect.Value) {
		for _, index := range []int{0, 1, 3} {
			r := cloneRecord(base)
			changed := false
			leaves(reflect.ValueOf(&r.Files[index]).Elem(), "PriorFile", func(n string, v reflect.Value) {
				if n != name {
					return
				}
				changed = true
				switch v.Kind() {
				case reflect.String:
					v.SetString(v.String() + "x")
				case reflect.Bool:
					v.SetBool(!v.Bool())
				case reflect.Int, reflect.Int64:
					v.SetInt(v.Int() + 1)
				case reflect.Uint8, reflect.Uint64:
					v.SetUint(v.Uint() + 1)
				case reflect.Array:
					v.Index(5).SetUint(v.Index(5).Uint() + 1)
				case reflect.Slice:
					v.Set(reflect.Append(v, reflect.ValueOf("z.png")))
				default:
					t.Fatalf("%s: no change made for a field of kind %s: extend this test", n, v.Kind())
				}
			})
			if !changed {
				t.Fatalf("%s not found", name)
			}
			count++
			check(name, r)
		}
	})
	if count < 3*17 {
		t.Fatalf("only %d changes tried: the walk of core.PriorFile missed fields", count)
	}

	added := cloneRecord(base)
	added.Files = slices.Insert(added.Files, 2, core.PriorFile{Source: core.Source{LogicalPath: "b2.css"}})
	check("a file added", added)
	removed := cloneRecord(base)
	removed.Files = slices.Delete(removed.Files, 1, 2)
	check("a file removed", removed)
	check("all removed", &core.PlanRecord{})

	// A record of many 64 KB chunks, one file changed in the middle: the
	// bytes go out a chunk at a time, spliced or encoded.
	big := &core.PlanRecord{}
	for i := range 5000 {
		f := base.Files[i%len(base.Files)]
		f.Source.LogicalPath = fmt.Sprintf("pkg%04d/%s", i, f.Source.LogicalPath)
		big.Files = append(big.Files, f)
	}
	prior, err = decodeRecord(recordBytes(big, nil))
	if err != nil {
		t.Fatal(err)
	}
	changed := cloneRecord(big)
	changed.Files[2500].HashedName = "changed.css"
	if len(recordBytes(changed, nil)) < 4*64<<10 {
		t.Fatal("the big record is not several chunks long")
	}
	check("one file of a big record", changed)
}

// recordBytes is encodeRecord's bytes in one slice (the writer streams
// them into the record file).
func recordBytes(r *core.PlanRecord, prior *encodedRecord) []byte {
	var out []byte
	if prior != nil {
		out = make([]byte, 0, len(prior.encoded)+64<<10) // about as large as the last one
	}
	files := func(yield func(*core.PriorFile) bool) {
		for i := range r.Files {
			if !yield(&r.Files[i]) {
				return
			}
		}
	}
	encodeRecord(r, len(r.Files), files, prior, func(b []byte) { out = append(out, b...) })
	return out
}
