package compress_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/assetc/assetc/core/compress"
)

func TestBytesIsDeterministic(t *testing.T) {
	data := []byte(strings.Repeat("deterministic output, please. ", 1000))
	for _, e := range []string{compress.Brotli, compress.Gzip, compress.Zstd} {
		a, err := compress.Bytes(e, 0+map[string]int{"br": 10, "gzip": 9, "zstd": 19}[e], data)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := compress.Bytes(e, map[string]int{"br": 10, "gzip": 9, "zstd": 19}[e], data)
		if !bytes.Equal(a, b) {
			t.Errorf("%s is not deterministic", e)
		}
		// RFC 1952: FLG (no name, no comment) and MTIME all zero, whichever
		// gzip encoder this binary has.
		if e == compress.Gzip && !bytes.Equal(a[3:8], []byte{0, 0, 0, 0, 0}) {
			t.Errorf("the gzip header (%s) carries a name or a time: % x", compress.GzipImplementation, a[:10])
		}
	}
}

func TestOptionsCheckTheirValues(t *testing.T) {
	for _, bad := range []compress.Options{
		{Encodings: []string{"lzma"}},
		{BrotliLevel: 12},
		{GzipLevel: 13},
		{ZstdLevel: 23},
	} {
		if _, err := bad.Normalized(); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	opts, err := compress.Options{Encodings: []string{"gzip", "gzip"}}.Normalized()
	if err != nil || len(opts.Encodings) != 1 || opts.GzipLevel != compress.DefaultGzipLevel || !opts.Skips("img/a.PNG") || opts.Skips(".png") {
		t.Errorf("%+v %v", opts, err)
	}
}
