//go:build !(cdeflate && cgo)

package compress

// GzipImplementation names the gzip encoder this binary uses: the pure Go
// one, when the build has no cgo or was not given -tags cdeflate.
const GzipImplementation = gzipGo

// MaxGzipLevel is the highest gzip level this binary has.
const MaxGzipLevel = 9

// The defaults that keep total bytes below WhiteNoise's with this gzip
// (compress.go): it cannot win back what a lower Brotli quality loses.
const (
	DefaultBrotliLevel = 11
	DefaultGzipLevel   = 9
)

func gzipCompress(data []byte, level int) ([]byte, error) {
	return gzipCompressGo(data, level)
}
