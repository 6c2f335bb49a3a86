package writer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestPendingRecordEncoding: pendingRecord.encode writes json.Marshal's
// bytes (the record recover reads), for no paths, escaped paths and more
// paths than one flush of its buffer holds.
func TestPendingRecordEncoding(t *testing.T) {
	many := make([]string, 5000)
	for i := range many {
		many[i] = fmt.Sprintf("pkg%04d/css/site.%08x.css", i, i)
	}
	for _, p := range []pendingRecord{
		{Manifest: "abc", Record: "1.json"},
		{Manifest: "abc", Record: "1.json", Paths: []string{}},
		{Manifest: "a\"b", Record: "<1>.json", Paths: []string{"a&b.css", "é/ü.js", "tab\there", "plain.png"}},
		{Manifest: "0123", Record: "2.json", Paths: many},
	} {
		var got bytes.Buffer
		if err := p.encode(&got); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(p)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("encode of %d paths:\n got %.200s\nwant %.200s", len(p.Paths), got.Bytes(), want)
		}
		var back pendingRecord
		if err := json.Unmarshal(got.Bytes(), &back); err != nil || len(back.Paths) != len(p.Paths) {
			t.Errorf("decoded %d paths of %d: %v", len(back.Paths), len(p.Paths), err)
		}
	}
}

// TestCommittedFileHeldBy: the snapshot's check of staticfiles.json and the
// sidecar, once their bytes are dropped, tells the committed bytes from
// others of the same size, a shorter or longer file and no file.
func TestCommittedFileHeldBy(t *testing.T) {
	dir := t.TempDir()
	content := bytes.Repeat([]byte(`{"a.css": "a.0123456789ab.css"}`), 5000) // more than one read
	committed := committedOf(content)
	name := filepath.Join(dir, "staticfiles.json")
	for _, c := range []struct {
		file []byte
		want bool
	}{
		{content, true},
		{append(bytes.Clone(content[:len(content)-1]), 'x'), false},
		{content[:len(content)-1], false},
		{append(bytes.Clone(content), ' '), false},
		{nil, false},
	} {
		os.Remove(name)
		if c.file != nil {
			if err := os.WriteFile(name, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := committed.heldBy(name); got != c.want {
			t.Errorf("a file of %d bytes (committed %d): heldBy %v, want %v", len(c.file), len(content), got, c.want)
		}
	}
}
