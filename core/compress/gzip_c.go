//go:build cdeflate && cgo

package compress

// gzip through libdeflate, chosen at build time with -tags cdeflate (the
// Makefile sets it when pkg-config finds the library). Its levels 10-12 make
// gzip smaller than zlib 9 (bench/results/compression-levels.md), and that
// saving is what lets
// the default Brotli quality be 10 with total bytes still below WhiteNoise's
// (see the defaults in compress.go).

/*
#cgo pkg-config: libdeflate
#include <libdeflate.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

const gzipLibdeflate = "libdeflate (C)"

// GzipImplementation names the gzip encoder this binary uses.
const GzipImplementation = gzipLibdeflate

// MaxGzipLevel is the highest gzip level this binary has.
const MaxGzipLevel = 12

// The defaults that keep total bytes below WhiteNoise's (compress.go).
const (
	DefaultBrotliLevel = 10
	DefaultGzipLevel   = 12
)

func gzipCompress(data []byte, level int) ([]byte, error) {
	c := C.libdeflate_alloc_compressor(C.int(level))
	if c == nil {
		return nil, fmt.Errorf("gzip: libdeflate has no level %d (or is out of memory)", level)
	}
	defer C.libdeflate_free_compressor(c)
	out := make([]byte, int(C.libdeflate_gzip_compress_bound(c, C.size_t(len(data)))))
	var in unsafe.Pointer
	if len(data) > 0 {
		in = unsafe.Pointer(&data[0])
	}
	// The gzip header libdeflate writes has no name and MTIME 0, so the
	// bytes depend on the content and level only.
	n := C.libdeflate_gzip_compress(c, in, C.size_t(len(data)), unsafe.Pointer(&out[0]), C.size_t(len(out)))
	if n == 0 {
		return nil, fmt.Errorf("gzip: libdeflate could not compress %d bytes", len(data))
	}
	return out[:n], nil
}
