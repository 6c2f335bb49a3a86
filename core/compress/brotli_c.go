//go:build cbrotli && cgo

package compress

// Brotli through the reference C library (libbrotlienc), chosen at build time
// with -tags cbrotli; the Makefile sets it when pkg-config finds the library.
// It is faster than the Go port (bench/results/compression-levels.md) and
// makes the same bytes from quality 5 up (brotli_c_test.go checks it). Below
// 5 the C library takes fast paths the port does not copy exactly, and those
// qualities are fast anyway, so they stay with the port: a build's variants
// are the same bytes whichever encoder the binary has, and the
// content-addressed cache can be shared between the two.

/*
#cgo pkg-config: libbrotlienc
#include <brotli/encode.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// brotliWindowBits is the encoder's default window (4 MiB), the one the Go
// port and the Python module (WhiteNoise) use.
const brotliWindowBits = 22

// BrotliImplementation names the Brotli encoder this binary uses.
var BrotliImplementation = func() string {
	v := uint32(C.BrotliEncoderVersion())
	return fmt.Sprintf("libbrotlienc %d.%d.%d (C)", v>>24, (v>>12)&0xfff, v&0xfff)
}()

func brotliCompress(data []byte, level int) ([]byte, error) {
	if level < 5 || len(data) == 0 {
		return brotliCompressGo(data, level)
	}
	out := make([]byte, int(C.BrotliEncoderMaxCompressedSize(C.size_t(len(data)))))
	if len(out) == 0 { // 0 means "too large to bound", never for in-memory data
		return nil, fmt.Errorf("brotli: input of %d bytes is too large", len(data))
	}
	var in *C.uint8_t
	if len(data) > 0 {
		in = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	n := C.size_t(len(out))
	// The C code only reads data and writes out during the call and keeps no
	// pointer to either, which is what cgo's pointer rules require.
	if C.BrotliEncoderCompress(C.int(level), brotliWindowBits, C.BROTLI_MODE_GENERIC,
		C.size_t(len(data)), in, &n, (*C.uint8_t)(unsafe.Pointer(&out[0]))) == 0 {
		return nil, fmt.Errorf("brotli: libbrotlienc failed on %d bytes at quality %d", len(data), level)
	}
	return out[:n], nil
}
