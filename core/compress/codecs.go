package compress

// The codecs live in their own file so that the wasm build, which never
// writes a static root, does not carry them (brotli alone pulls in net/http).

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Bytes compresses data with an encoding at a level. The bytes
// depend on nothing else (gzip has no name and a zero mtime, like
// WhiteNoise's), so a rebuild reproduces them exactly.
func Bytes(encoding string, level int, data []byte) ([]byte, error) {
	switch encoding {
	case Brotli:
		return brotliCompress(data, level)
	case Gzip:
		return gzipCompress(data, level)
	case Zstd:
		enc, err := zstdEncoder(level)
		if err != nil {
			return nil, err
		}
		return enc.EncodeAll(data, make([]byte, 0, len(data)/3+64)), nil
	default:
		return nil, fmt.Errorf("unknown compression %q", encoding)
	}
}

// brotliCompressGo is the pure Go port of the reference encoder: every
// build has it; a cbrotli build uses it below quality 5 (see
// brotli_c.go).
func brotliCompressGo(data []byte, level int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/3 + 64)
	w := brotli.NewWriterLevel(&buf, level)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zstdEncoders holds one encoder per speed: EncodeAll is safe for
// concurrent use, and an encoder is costly to make.
var zstdEncoders sync.Map // zstd.EncoderLevel -> *zstd.Encoder

func zstdEncoder(level int) (*zstd.Encoder, error) {
	speed := zstd.EncoderLevelFromZstd(level)
	if enc, ok := zstdEncoders.Load(speed); ok {
		return enc.(*zstd.Encoder), nil
	}
	// One goroutine per EncodeAll call: the build parallelises across files.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(speed), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, err
	}
	actual, _ := zstdEncoders.LoadOrStore(speed, enc)
	return actual.(*zstd.Encoder), nil
}
