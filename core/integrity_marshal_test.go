package core

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestIntegrityMarshalIsEncoder: the sidecar's bytes are json.Encoder's
// (HTML not escaped, a final newline), on the fast path for plain strings
// and on encoding/json's for the rest.
func TestIntegrityMarshalIsEncoder(t *testing.T) {
	for _, f := range []IntegrityFile{
		{Version: 1, Algorithm: "sha384"},
		{Version: 1, Algorithm: "sha384", Files: map[string]string{}},
		{Version: 1, Algorithm: "sha384", Files: map[string]string{"b.1.css": "sha384-+/=", "a<&>.2.js": "sha384-x"}, Manifest: "0123"},
		{Version: 1, Algorithm: "sha256", Files: map[string]string{"é.css": "sha256-y", `q"\.js`: "z", "tab\t": "t"}, Manifest: "m"},
		{Version: 2, Algorithm: "sha512", Files: map[string]string{"z": "1", "a": "2", "m/n": "3"}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
		if got := f.marshal(); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("marshal gave\n%s\nwant\n%s", got, want.Bytes())
		}
	}
	// A field added to IntegrityFile must be written by marshal too.
	if n := reflect.TypeOf(IntegrityFile{}).NumField(); n != 4 {
		t.Errorf("IntegrityFile has %d fields, marshal writes 4: update it", n)
	}
}
