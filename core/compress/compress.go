// Package compress holds the codecs that make precompressed variants (.br,
// .gz, .zst) and the rules that say which files get them. It is a separate
// package so that the wasm module, which serves variants but never makes
// them, links none of it (Brotli alone pulls in net/http).
package compress

import (
	"fmt"
	"path"
	"strings"
)

// Encodings a build can write variants in, named by their HTTP
// Content-Encoding token.
const (
	Brotli = "br"   // written as NAME.br
	Gzip   = "gzip" // written as NAME.gz
	Zstd   = "zstd" // written as NAME.zst (the standard suffix; ServeStatic's .zstd is not)
)

// Default levels, chosen by measuring the bench corpus
// (measure_test.go; the figures are in
// bench/results/compression-levels.md). The defaults keep the total bytes of
// variants no larger than WhiteNoise's Brotli 11 + zlib 9 while spending as
// little time as the encoders this binary has allow:
//
//   - with libdeflate (a cdeflate build, gzip_c.go): Brotli 10 +
//     gzip 12, whose smaller gzip pays for the larger Brotli.
//   - with the Go gzip, which cannot go below zlib 9's bytes by much, Brotli
//     stays at 11 (the same bytes as WhiteNoise's) and gzip at 9.
//
// zstd 19 is the Go encoder's best speed.
const DefaultZstdLevel = 19

// gzipGo names the pure Go gzip encoder (klauspost/compress).
const gzipGo = "klauspost/compress (Go)"

// DefaultSkip lists the extensions (without the dot, lower case) whose files
// are already compressed: WhiteNoise's skip list, plus what ServeStatic adds
// (avif, jxl) and zstd's own suffixes.
var DefaultSkip = []string{
	"jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv",
	"woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv",
	"avif", "jxl", "zst", "zstd",
}

// minimumSaving is WhiteNoise's rule: a variant is kept only when it is at
// most 95% of the original, so a client never pays decompression for
// nothing.
const minimumSaving = 0.95

// Options says which precompressed variants a build writes.
type Options struct {
	// Encodings lists Brotli, Gzip, Zstd; empty writes no variants.
	Encodings []string
	// Levels; 0 means the Default*Level. Brotli is 1-11, gzip 1-9 (1-12
	// with libdeflate), zstd 1-22 (mapped onto the four speeds of the Go
	// encoder: <3 fastest, <6 default, <10 better, else best).
	BrotliLevel, GzipLevel, ZstdLevel int
	// SkipExtensions are extensions (no dot, any case) never compressed;
	// nil means DefaultSkip, an empty non-nil slice skips nothing.
	SkipExtensions []string
	// CacheDir keeps compressed bytes by content for every build that names
	// it: a deploy that builds into an empty directory (a fresh container,
	// a CI job) then compresses only content no earlier build compressed.
	// Empty keeps the cache inside the output directory's state.
	CacheDir string
}

// Enabled reports whether any variant is wanted.
func (c Options) Enabled() bool { return len(c.Encodings) > 0 }

// Normalized checks the encodings and fills in default levels.
func (c Options) Normalized() (Options, error) {
	seen := map[string]bool{}
	var encodings []string
	for _, e := range c.Encodings {
		if _, ok := suffixes[e]; !ok {
			return c, fmt.Errorf("unknown compression %q: use br, gzip or zstd", e)
		}
		if !seen[e] {
			seen[e] = true
			encodings = append(encodings, e)
		}
	}
	c.Encodings = encodings
	if c.BrotliLevel == 0 {
		c.BrotliLevel = DefaultBrotliLevel
	}
	if c.GzipLevel == 0 {
		c.GzipLevel = DefaultGzipLevel
	}
	if c.ZstdLevel == 0 {
		c.ZstdLevel = DefaultZstdLevel
	}
	switch {
	case c.BrotliLevel < 1 || c.BrotliLevel > 11:
		return c, fmt.Errorf("brotli level %d is out of range 1-11", c.BrotliLevel)
	case c.GzipLevel < 1 || c.GzipLevel > MaxGzipLevel:
		if c.GzipLevel > 9 && c.GzipLevel <= 12 {
			return c, fmt.Errorf("gzip level %d needs libdeflate, which this assetc was built without (%s): use 1-%d, or build with -tags cdeflate", c.GzipLevel, GzipImplementation, MaxGzipLevel)
		}
		return c, fmt.Errorf("gzip level %d is out of range 1-%d", c.GzipLevel, MaxGzipLevel)
	case c.ZstdLevel < 1 || c.ZstdLevel > 22:
		return c, fmt.Errorf("zstd level %d is out of range 1-22", c.ZstdLevel)
	}
	if c.SkipExtensions == nil {
		c.SkipExtensions = DefaultSkip
	}
	return c, nil
}

// Level returns the level used for an encoding.
func (c Options) Level(encoding string) int {
	switch encoding {
	case Brotli:
		return c.BrotliLevel
	case Gzip:
		return c.GzipLevel
	default:
		return c.ZstdLevel
	}
}

// Skips reports whether a file is in a format that is already compressed.
func (c Options) Skips(rel string) bool {
	ext := extension(path.Base(rel))
	for _, s := range c.SkipExtensions {
		if ext != "" && strings.EqualFold(strings.TrimPrefix(s, "."), ext) {
			return true
		}
	}
	return false
}

// extension is the extension without its dot, as Python's os.path.splitext
// finds it (leading dots start no extension), in lower case.
func extension(base string) string {
	dot := strings.LastIndexByte(base, '.')
	if dot <= 0 || strings.TrimLeft(base[:dot], ".") == "" {
		return ""
	}
	return strings.ToLower(base[dot+1:])
}

var suffixes = map[string]string{Brotli: ".br", Gzip: ".gz", Zstd: ".zst"}

// Suffix returns the file suffix of an encoding's variant (".br", ".gz",
// ".zst"), or "" for an unknown encoding.
func Suffix(encoding string) string { return suffixes[encoding] }

// AllSuffixes is every suffix a build may have written, in a fixed order, so
// stale variants of any encoding are found.
var AllSuffixes = []string{".br", ".gz", ".zst"}

// WorthKeeping is WhiteNoise's 95% rule.
func WorthKeeping(original, compressed int) bool {
	return float64(compressed) <= float64(original)*minimumSaving
}

// Key names a compressed content: the source content's MD5 and how it was
// compressed. The bytes are a function of it, so a cache keeps them by it.
func Key(sum, encoding string, level int) string {
	if encoding == Gzip && GzipImplementation != gzipGo {
		// libdeflate's bytes are not the Go encoder's at the same level: a
		// cache shared by both kinds of binary keeps them apart.
		encoding = "gzip_libdeflate"
	}
	return fmt.Sprintf("%s.%s-%d", sum, encoding, level)
}

// IsKey tells a Key from a plain MD5 in hex (which has no "-").
func IsKey(key string) bool { return strings.Contains(key, "-") }
