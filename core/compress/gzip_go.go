//go:build !(cdeflate && cgo)

package compress

import (
	"bytes"
	"time"

	"github.com/klauspost/compress/gzip"
)

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

// gzipCompress is klauspost/compress's gzip: no file name and MTIME 0,
// RFC 1952's "no time stamp".
func gzipCompress(data []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/3 + 64)
	w, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	// This package writes a zero time.Time as its (truncated) Unix
	// seconds, not as 0, hence the explicit epoch.
	w.ModTime = time.Unix(0, 0)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
