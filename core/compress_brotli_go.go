//go:build !(cbrotli && cgo) && !wasip1

package core

// BrotliImplementation names the Brotli encoder this binary uses: the pure
// Go port of the reference encoder, used when the build has no cgo or was
// not given -tags cbrotli (see compress_brotli_c.go).
const BrotliImplementation = "andybalholm/brotli (Go)"

func brotliCompress(data []byte, level int) ([]byte, error) {
	return brotliCompressGo(data, level)
}
