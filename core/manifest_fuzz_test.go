package core_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/assetc/assetc/core"
)

var manifestHash = regexp.MustCompile(`^[0-9a-f]{12}$`)

// FuzzManifest checks the Python-JSON encoder behind staticfiles.json on any
// pair of names: the bytes are ASCII (Python's ensure_ascii), valid JSON that
// decodes to exactly the mapping given, with version 1.1 and a 12-digit hash.
// Byte equality with Django's own output is checked on every compat fixture
// (compat_test.go); this covers the names no fixture has.
func FuzzManifest(f *testing.F) {
	f.Add("css/a.css", "css/a.0123456789ab.css", "x", "y")
	f.Add("é/\u2028\"\\\x00\x1f.css", "\U0001F600.js", "a b", "</script>")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		for _, s := range []string{k1, v1, k2, v2} {
			if !utf8.ValidString(s) {
				t.Skip("a Python str holds code points, not arbitrary bytes")
			}
		}
		paths := map[string]string{k1: v1, k2: v2}
		data := core.Manifest(paths)
		for i, c := range data {
			if c >= 0x80 {
				t.Fatalf("non-ASCII byte %#x at %d: %q", c, i, data)
			}
		}
		var got struct {
			Paths   map[string]string `json:"paths"`
			Version string            `json:"version"`
			Hash    string            `json:"hash"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("not JSON: %v: %q", err, data)
		}
		if len(got.Paths) != len(paths) {
			t.Fatalf("paths %q, want %q", got.Paths, paths)
		}
		for k, v := range paths {
			if got.Paths[k] != v {
				t.Fatalf("paths[%q] = %q, want %q", k, got.Paths[k], v)
			}
		}
		if got.Version != core.ManifestVersion || !manifestHash.MatchString(got.Hash) {
			t.Fatalf("version %q hash %q", got.Version, got.Hash)
		}
	})
}
