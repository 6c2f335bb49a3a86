//go:build wasip1

package core

import "fmt"

// CompressBytes is not available in the wasm build: the Django bridge serves
// the variants a native build wrote, it never makes them.
func CompressBytes(encoding string, level int, data []byte) ([]byte, error) {
	return nil, fmt.Errorf("compression is not built into the wasm module; build with the native assetc")
}
