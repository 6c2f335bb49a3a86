package scan

import (
	"bytes"
	"errors"
	"testing"
)

// checkInvariants verifies what every caller relies on, for any input: ranges
// inside src and nested (Start <= ValueStart <= ValueEnd <= End), references
// sorted and non-overlapping, Line/Col matching ValueStart, and rewriting
// with an identity mapping reproducing the input.
func checkInvariants(t *testing.T, src []byte, refs []Reference) {
	t.Helper()
	prevEnd := 0
	for i, r := range refs {
		if !(0 <= r.Start && r.Start <= r.ValueStart && r.ValueStart <= r.ValueEnd && r.ValueEnd <= r.End && r.End <= len(src)) {
			t.Fatalf("ref %d: bad ranges %+v (len %d)", i, r, len(src))
		}
		if r.Start < prevEnd {
			t.Fatalf("ref %d starts at %d, before the previous end %d", i, r.Start, prevEnd)
		}
		if r.Start == r.End {
			t.Fatalf("ref %d: empty span %+v", i, r)
		}
		prevEnd = r.End
		line := 1 + bytes.Count(src[:r.ValueStart], []byte{'\n'})
		col := r.ValueStart - bytes.LastIndexByte(src[:r.ValueStart], '\n')
		if r.Line != line || r.Col != col {
			t.Fatalf("ref %d: at %d:%d, want %d:%d", i, r.Line, r.Col, line, col)
		}
		if r.Kind < CSSURL || r.Kind > JSNewURL {
			t.Fatalf("ref %d: kind %d", i, r.Kind)
		}
		if r.Quote != 0 && (r.ValueStart == 0 || src[r.ValueStart-1] != r.Quote || src[r.ValueEnd] != r.Quote) {
			t.Fatalf("ref %d: quote %q does not surround the value", i, r.Quote)
		}
	}
	values := make([]Edit, len(refs))
	whole := make([]Edit, len(refs))
	for i, r := range refs {
		values[i] = Edit{Start: r.ValueStart, End: r.ValueEnd, Text: string(src[r.ValueStart:r.ValueEnd])}
		whole[i] = Edit{Start: r.Start, End: r.End, Text: string(src[r.Start:r.End])}
	}
	if out := Rewrite(src, values); !bytes.Equal(out, src) {
		t.Fatalf("identity rewrite of values changed the input")
	}
	if out := Rewrite(src, whole); !bytes.Equal(out, src) {
		t.Fatalf("identity rewrite of constructs changed the input")
	}
}

// withSpareCapacity copies data into a buffer with spare capacity filled with
// a sentinel, so a scanner writing past the end is caught.
func withSpareCapacity(data []byte) (buf, spare []byte) {
	full := make([]byte, len(data)+8)
	copy(full, data)
	for i := len(data); i < len(full); i++ {
		full[i] = 0xA5
	}
	return full[:len(data)], full[len(data):]
}

func untouched(spare []byte) bool {
	for _, c := range spare {
		if c != 0xA5 {
			return false
		}
	}
	return true
}

func FuzzCSS(f *testing.F) {
	for _, c := range cssCases {
		f.Add([]byte(c.src))
	}
	f.Add([]byte(generateCSS(2000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, spare := withSpareCapacity(data)
		orig := bytes.Clone(src)
		refs, err := CSS(src)
		if err != nil {
			t.Fatalf("CSS returned an error: %v", err)
		}
		if !bytes.Equal(src, orig) || !untouched(spare) {
			t.Fatal("CSS modified its input")
		}
		checkInvariants(t, src, refs)
	})
}

func FuzzJS(f *testing.F) {
	for _, c := range jsModuleCases {
		f.Add([]byte(c.src), true)
	}
	for _, c := range jsScriptCases {
		f.Add([]byte(c.src), false)
	}
	f.Add([]byte(generateJS(2000)), true)
	f.Fuzz(func(t *testing.T, data []byte, modules bool) {
		src, spare := withSpareCapacity(data)
		orig := bytes.Clone(src)
		refs, err := JS(src, modules)
		if !bytes.Equal(src, orig) || !untouched(spare) {
			t.Fatal("JS modified its input")
		}
		if err != nil {
			var scanErr *Error
			if !errors.As(err, &scanErr) || scanErr.Line < 1 || scanErr.Col < 1 {
				t.Fatalf("JS error is %T %v, want an *Error with a position", err, err)
			}
			if refs != nil {
				t.Fatal("JS returned references with an error")
			}
			return
		}
		checkInvariants(t, src, refs)
		if !modules {
			for _, r := range refs {
				if r.Kind != JSSourceMap {
					t.Fatalf("script scan returned %v", r.Kind)
				}
			}
		}
	})
}
