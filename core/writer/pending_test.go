package writer

import (
	"bytes"
	"encoding/json"
	"fmt"
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
