//go:build cbrotli && cgo

package compress_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/internal/testtree"
)

// The C encoder replaces the Go port only for speed: a static root must not
// depend on which of the two built it, so Bytes (C from quality 5,
// the port below) is compared with the port on real files at every quality.
func TestCBrotliMakesTheGoPortsBytes(t *testing.T) {
	if !strings.Contains(compress.BrotliImplementation, "(C)") {
		t.Fatalf("built with -tags cbrotli but BrotliImplementation = %q", compress.BrotliImplementation)
	}
	files := testtree.Sample(t, "../../testdata", 1<<20)
	if dir := os.Getenv("ASSETC_CORPUS"); dir != "" {
		files = append(files, testtree.Sample(t, dir, 2<<20)...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d sample files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		levels := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
		if len(data) > 64<<10 {
			levels = []int{11} // the default; the Go port is slow at it
		}
		for _, level := range levels {
			c, err := compress.Bytes(compress.Brotli, level, data)
			if err != nil {
				t.Fatalf("%s at %d: %v", f, level, err)
			}
			var g bytes.Buffer
			w := brotli.NewWriterLevel(&g, level)
			w.Write(data)
			w.Close()
			if !bytes.Equal(c, g.Bytes()) {
				t.Errorf("%s at quality %d: C makes %d bytes, the Go port %d (or different ones)", f, level, len(c), g.Len())
			}
			if !bytes.Equal(testtree.Decompress(t, compress.Brotli, c), data) {
				t.Errorf("%s at quality %d: does not decompress to the original", f, level)
			}
		}
	}
	t.Logf("%d files compared (%s)", len(files), compress.BrotliImplementation)
}
