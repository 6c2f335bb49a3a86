package writer

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestSnapshotEncodingJoinsOutputPaths: a snapshot recorded from its
// sources' iterator and parts (output paths relative to the output
// directory, some entries skipped) and
// streamed into its file decodes to the entries a check stats: every path
// absolute, as output.path joins it, in order, the skipped ones left out;
// the record's identity comes back as it went in.
func TestSnapshotEncodingJoinsOutputPaths(t *testing.T) {
	dir := t.TempDir()
	for _, outDir := range []string{filepath.Join(dir, "out"), filepath.Join(dir, "out") + "/", dir + "/./out", "/"} {
		o := &output{dir: outDir}
		base := o.base()
		for _, rel := range []string{".", "a.css", "css/a.0123456789ab.css", "css/a.css.br"} {
			if got, want := joinPath(base, rel), o.path(rel); got != want {
				t.Errorf("dir %q: joinPath(%q) = %q, output.path gives %q", outDir, rel, got, want)
			}
		}
	}
	o := &output{dir: filepath.Join(dir, "out")}
	id := fileID{Present: true, Device: 1, Inode: 2, Size: 3, ModTime: 4, ChgTime: 5}
	snap := &snapshot{key: "k", result: Result{Manifest: map[string]string{"a.css": "a.0123456789ab.css"}}, base: o.base(), recordID: encodeIdentity(id),
		sourceCount: 1, sources: func(yield func(snapshotEntry) bool) { yield(snapshotEntry{path: "/src/a.css", source: true, id: id}) },
		parts: [][]snapshotEntry{
			{{path: "/src/gone", skip: true}},
			{{path: "a.css", own: true, inOutput: true, id: id}, {path: "a.0123456789ab.css", own: true, inOutput: true, skip: true}},
			{{path: ".", own: true, outputDir: true, inOutput: true, id: id}},
		}}
	name := filepath.Join(dir, "snapshot.bin")
	if err := writeStreamAtomic(name, func(w *bufio.Writer) { encodeSnapshot(snap, w) }); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []snapshotEntry{
		{path: "/src/a.css", source: true, id: id},
		{path: o.path("a.css"), own: true, id: id},
		{path: o.path("."), own: true, outputDir: true, id: id},
	}
	if !reflect.DeepEqual(got.entries, want) || got.key != "k" || got.result.Manifest["a.css"] != "a.0123456789ab.css" || !bytes.Equal(got.recordID, encodeIdentity(id)) {
		t.Errorf("decoded %+v, want entries %+v", got, want)
	}
}
