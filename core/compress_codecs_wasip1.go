//go:build wasip1

package core

import "fmt"

// The wasm build has no codecs: the Django bridge serves the variants a
// native build wrote, it never makes them. These keep the options' checks
// compiling with the pure Go build's values.
const (
	BrotliImplementation = "none (wasm)"
	GzipImplementation   = gzipGo
	MaxGzipLevel         = 9
	DefaultBrotliLevel   = 11
	DefaultGzipLevel     = 9
)

// CompressBytes is not available in the wasm build.
func CompressBytes(encoding string, level int, data []byte) ([]byte, error) {
	return nil, fmt.Errorf("compression is not built into the wasm module; build with the native assetc")
}
