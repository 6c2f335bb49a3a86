//go:build !(cbrotli && cgo)

package compress

// BrotliImplementation names the Brotli encoder this binary uses: the pure
// Go port of the reference encoder, used when the build has no cgo or was
// not given -tags cbrotli (see brotli_c.go).
const BrotliImplementation = "andybalholm/brotli (Go)"

func brotliCompress(data []byte, level int) ([]byte, error) {
	return brotliCompressGo(data, level)
}
