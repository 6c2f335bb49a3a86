package scan

import (
	"bytes"
	"testing"
)

// prefilterCases are inputs where containsSourceMappingURL could differ
// from bytes.Contains: the pattern at either end, split, overlapping a
// near miss, repeated.
var prefilterCases = []string{
	"", "s", "MappingURL", "sourceMappingURL", "//# sourceMappingURL=a.map",
	"sourcMappingURL", "sourceMappingUR", "xsourceMappingURLx", "ourceMappingURL",
	"MappingURLsourceMappingURL", "sourceMappingURsourceMappingURL", "sourcesourceMappingURL",
	"MappingURL MappingURL source MappingURL", "sourceMMappingURL", "sourceMappingURLMappingURL",
}

func TestContainsSourceMappingURL(t *testing.T) {
	for _, c := range prefilterCases {
		if got, want := containsSourceMappingURL([]byte(c)), bytes.Contains([]byte(c), []byte("sourceMappingURL")); got != want {
			t.Errorf("containsSourceMappingURL(%q) = %v, want %v", c, got, want)
		}
	}
}

// FuzzContainsSourceMappingURL: the prefilter is bytes.Contains, whatever
// the input.
func FuzzContainsSourceMappingURL(f *testing.F) {
	for _, c := range prefilterCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if got, want := containsSourceMappingURL(src), bytes.Contains(src, []byte("sourceMappingURL")); got != want {
			t.Errorf("containsSourceMappingURL(%q) = %v, want %v", src, got, want)
		}
	})
}
