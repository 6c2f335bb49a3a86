package core

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// encoderSidecar is what marshal must write: the IntegrityFile through a
// json.Encoder without HTML escaping.
func encoderSidecar(f *IntegrityFile) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(f)
	return buf.Bytes()
}

// TestSidecarMarshalIsTheEncoders: the sidecar's bytes are the encoder's,
// byte for byte, for paths with every kind of character a JSON string
// escapes or keeps.
func TestSidecarMarshalIsTheEncoders(t *testing.T) {
	cases := []*IntegrityFile{
		{Version: 1, Algorithm: "sha384", Files: map[string]string{"a.1.css": "sha384-x+/="}, Manifest: "0123"},
		{Version: 1, Algorithm: "sha256", Files: map[string]string{}},
		{Version: 1, Algorithm: "sha512"},
		{Version: 1, Algorithm: "sha384", Files: map[string]string{
			`q"uote.css`: "sha384-a", `back\\slash.js`: "sha384-b", "<html>&amp;.svg": "sha384-c",
			"tab\tnew\nline.txt": "sha384-d", "é.css": "sha384-e", "line\u2028sep.js": "sha384-f",
			"bad\xffutf8.js": "sha384-g", "\x7fdel.txt": "sha384-h", "z.css": "sha384-i", "a.css": "sha384-j",
		}, Manifest: "abc"},
	}
	for _, f := range cases {
		if got, want := f.marshal(), encoderSidecar(f); !bytes.Equal(got, want) {
			t.Errorf("marshal wrote\n%s\nthe encoder\n%s", got, want)
		}
	}
	// A field added to IntegrityFile must be written by marshal too.
	if n := reflect.TypeOf(IntegrityFile{}).NumField(); n != 4 {
		t.Errorf("IntegrityFile has %d fields, marshal writes 4: update it", n)
	}
}

// FuzzSidecarMarshal: marshal is the encoder's bytes for any path and value.
func FuzzSidecarMarshal(f *testing.F) {
	f.Add("a.css", "sha384-x", "0123")
	f.Add(`q"<&>\`, "\u2028\xff", "")
	f.Fuzz(func(t *testing.T, path, sri, manifest string) {
		sidecar := &IntegrityFile{Version: 1, Algorithm: "sha384", Files: map[string]string{path: sri, "b": path}, Manifest: manifest}
		if got, want := sidecar.marshal(), encoderSidecar(sidecar); !bytes.Equal(got, want) {
			t.Errorf("marshal wrote\n%q\nthe encoder\n%q", got, want)
		}
	})
}
