package core

import (
	"math/rand"
	"strings"
	"testing"
)

// TestNeedsNoEscape: the eight-bytes-at-a-time check agrees with the plain
// definition for every byte value at every position of strings of every
// length around a word, and for random strings.
func TestNeedsNoEscape(t *testing.T) {
	plain := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	for n := 1; n <= 17; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				if s := string(b); needsNoEscape(s) != plain(s) {
					t.Fatalf("needsNoEscape(%q) = %t", s, needsNoEscape(s))
				}
			}
		}
	}
	random := rand.New(rand.NewSource(1))
	for range 100000 {
		b := make([]byte, random.Intn(40))
		for i := range b {
			b[i] = byte(0x1c + random.Intn(0x66)) // mostly printable, some of each kind
		}
		if s := string(b); needsNoEscape(s) != plain(s) {
			t.Fatalf("needsNoEscape(%q) = %t", s, needsNoEscape(s))
		}
	}
}
