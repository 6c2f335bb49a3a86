package writer_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
)

// TestStateJSONAfterEachBuild: after a cold build with compression, a
// build that edits a file and drops its stale variants (entries read from
// state.json removed), a planned build that writes nothing and a Clean
// that removes the old hashed files, state.json is json.Marshal's bytes
// for what it holds, lists exactly the files assetc wrote that are there,
// each with its size and mtime, and a build that wrote nothing left its
// bytes as they were.
func TestStateJSONAfterEachBuild(t *testing.T) {
	root, _ := compressibleSite(t)
	out := t.TempDir()
	statePath := filepath.Join(out, ".assetc", "state.json")
	check := func(step string) []byte {
		t.Helper()
		data, err := os.ReadFile(statePath)
		if err != nil {
			t.Fatal(err)
		}
		var state map[string]struct {
			MD5   string `json:"md5"`
			Size  int64  `json:"size"`
			MTime int64  `json:"mtime"`
		}
		if err := json.Unmarshal(data, &state); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if canonical, _ := json.Marshal(state); !bytes.Equal(canonical, data) {
			t.Errorf("%s: state.json is not json.Marshal's bytes:\n%s\nwant\n%s", step, data, canonical)
		}
		for rel, w := range state {
			info, err := os.Lstat(filepath.Join(out, rel))
			if err != nil || info.Size() != w.Size || info.ModTime().UnixNano() != w.MTime {
				t.Errorf("%s: state.json says %s is %+v: %v", step, rel, w, err)
			}
		}
		return data
	}
	gzip := compress.Options{Encodings: []string{compress.Gzip}}
	first := buildCompressed(t, root, out, gzip)
	check("cold")
	oldCSS := first.Manifest["css/site.css"]
	if _, err := os.Stat(filepath.Join(out, oldCSS+".gz")); err != nil {
		t.Fatalf("the cold build wrote no variant of %s: %v", oldCSS, err)
	}

	css := filepath.Join(root, "css", "site.css")
	if err := os.WriteFile(css, []byte(strings.Repeat("body { color: blue; }\n", 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	buildCompressed(t, root, out, compress.Options{})
	data := check("edited, without compression")
	if bytes.Contains(data, []byte(`"css/site.css.gz"`)) {
		t.Errorf("state.json still lists the stale variant css/site.css.gz")
	}

	os.Remove(filepath.Join(out, ".assetc", "snapshot.bin")) // planned, not proved by the snapshot
	if r := buildCompressed(t, root, out, compress.Options{}); !r.Planned {
		t.Fatal("the rebuild was not planned")
	}
	if again := check("planned, nothing written"); !bytes.Equal(again, data) {
		t.Errorf("a build that wrote nothing changed state.json")
	}

	r, err := writer.Clean(out, writer.CleanOptions{Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Removed) == 0 {
		t.Fatal("Clean removed nothing: the old hashed files would prove little")
	}
	data = check("cleaned")
	for _, rel := range r.Removed {
		if bytes.Contains(data, []byte(`"`+rel+`"`)) {
			t.Errorf("state.json still lists %s, which Clean removed", rel)
		}
	}
}
