package scan

import (
	"bytes"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestJSLexesAPooledCopy: the lexer reads a pooled copy of the script
// (lexerInput), never the caller's slice: the caller's bytes past
// len(src) are neither read (a source-map URL at the very end stops
// there) nor written, and a copy reused from a longer script leaves
// nothing of it in the next scan.
func TestJSLexesAPooledCopy(t *testing.T) {
	long := []byte(strings.Repeat("var a = 1 / 2; // comment\n", 400) + "import x from './long.js'\n//# sourceMappingURL=long.js.map\n")
	short := "import y from './y.js'\n//# sourceMappingURL=s.js.map"
	want, err := JS([]byte(short), true)
	if err != nil || len(want) != 2 {
		t.Fatalf("%v %v", want, err)
	}
	const past = "EXTRA/more.map\n"
	for range 3 {
		if _, err := JS(long, true); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(short), len(short)+len(past))
		copy(buf, short)
		copy(buf[len(short):cap(buf)], past)
		got, err := JS(buf, true)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after a longer script: %+v (%v), want %+v", got, err, want)
		}
		if !bytes.Equal(buf[len(short):cap(buf)], []byte(past)) || string(buf) != short {
			t.Fatalf("the caller's buffer changed: %q", buf[:cap(buf)])
		}
	}
}

// TestJSAllocatesNoCopyOfTheScript: scanning a script again does not
// allocate a copy of it (the lexer's input comes from lexerInputs), so a
// build's garbage does not grow with its scripts' bytes. Bounded at half
// the script's size: the pool may drop a buffer (the race detector makes
// it drop some on purpose).
func TestJSAllocatesNoCopyOfTheScript(t *testing.T) {
	script := []byte(strings.Repeat("var a = 1 / 2; // comment\n", 40000) + "//# sourceMappingURL=big.js.map\n")
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a collection empties the pool
	if _, err := JS(script, false); err != nil {
		t.Fatal(err)
	}
	const runs = 8
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := JS(script, false); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if perScan := (after.TotalAlloc - before.TotalAlloc) / runs; perScan > uint64(len(script))/2 {
		t.Errorf("a scan of a %d-byte script allocates %d bytes", len(script), perScan)
	}
}
