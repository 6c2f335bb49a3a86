package core

import (
	"crypto/md5"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Encodings a build can write variants in, named by their HTTP
// Content-Encoding token.
const (
	EncodingBrotli = "br"   // written as NAME.br
	EncodingGzip   = "gzip" // written as NAME.gz
	EncodingZstd   = "zstd" // written as NAME.zst (the standard suffix; ServeStatic's .zstd is not)
)

// Default levels, chosen by measuring the bench corpus
// (compress_measure_test.go; the figures are in
// bench/results/compression-levels.md). The defaults keep the total bytes of
// variants no larger than WhiteNoise's Brotli 11 + zlib 9 while spending as
// little time as the encoders this binary has allow:
//
//   - with libdeflate (a cdeflate build, compress_gzip_c.go): Brotli 10 +
//     gzip 12, whose smaller gzip pays for the larger Brotli.
//   - with the Go gzip, which cannot go below zlib 9's bytes by much, Brotli
//     stays at 11 (the same bytes as WhiteNoise's) and gzip at 9.
//
// Beyond the levels, a build compresses each content once (WhiteNoise
// compresses the hashed and the unhashed copy), on every core, and never
// again: not on a rebuild, nor, with a CacheDir, on a build into an empty
// directory. zstd 19 is the Go encoder's best speed.
const DefaultZstdLevel = 19

// gzipGo names the pure Go gzip encoder (klauspost/compress).
const gzipGo = "klauspost/compress (Go)"

// DefaultCompressSkip lists the extensions (without the dot, lower case)
// whose files are already compressed: WhiteNoise's skip list, plus what
// ServeStatic adds (avif, jxl) and zstd's own suffixes.
var DefaultCompressSkip = []string{
	"jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv",
	"woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv",
	"avif", "jxl", "zst", "zstd",
}

// minimumSaving is WhiteNoise's rule: a variant is kept only when it is at
// most 95% of the original, so a client never pays decompression for
// nothing.
const minimumSaving = 0.95

// CompressOptions says which precompressed variants a build writes.
type CompressOptions struct {
	// Encodings lists EncodingBrotli, EncodingGzip, EncodingZstd; empty
	// writes no variants.
	Encodings []string
	// Levels; 0 means the Default*Level. Brotli is 1-11, gzip 1-9 (1-12
	// with libdeflate), zstd 1-22 (mapped onto the four speeds of the Go
	// encoder: <3 fastest, <6 default, <10 better, else best).
	BrotliLevel, GzipLevel, ZstdLevel int
	// SkipExtensions are extensions (no dot, any case) never compressed;
	// nil means DefaultCompressSkip, an empty non-nil slice skips nothing.
	SkipExtensions []string
	// CacheDir keeps compressed bytes by content for every build that names
	// it: a deploy that builds into an empty directory (a fresh container,
	// a CI job) then compresses only content no earlier build compressed.
	// Entries are written atomically and named by what they were made
	// from, so builds of different projects, at once, may share it. Empty
	// keeps the cache inside the output directory's state.
	CacheDir string
}

// enabled reports whether any variant is wanted.
func (c CompressOptions) enabled() bool { return len(c.Encodings) > 0 }

// normalized checks the encodings and fills in default levels.
func (c CompressOptions) normalized() (CompressOptions, error) {
	seen := map[string]bool{}
	var encodings []string
	for _, e := range c.Encodings {
		if _, ok := variantSuffixes[e]; !ok {
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
		c.SkipExtensions = DefaultCompressSkip
	}
	return c, nil
}

// level returns the level used for an encoding.
func (c CompressOptions) level(encoding string) int {
	switch encoding {
	case EncodingBrotli:
		return c.BrotliLevel
	case EncodingGzip:
		return c.GzipLevel
	default:
		return c.ZstdLevel
	}
}

// skips reports whether a file is in a format that is already compressed.
func (c CompressOptions) skips(rel string) bool {
	_, ext := splitExt(path.Base(rel))
	ext = strings.ToLower(strings.TrimPrefix(ext, "."))
	for _, s := range c.SkipExtensions {
		if strings.EqualFold(strings.TrimPrefix(s, "."), ext) && ext != "" {
			return true
		}
	}
	return false
}

var variantSuffixes = map[string]string{EncodingBrotli: ".br", EncodingGzip: ".gz", EncodingZstd: ".zst"}

// VariantSuffix returns the file suffix of an encoding's variant (".br",
// ".gz", ".zst"), or "" for an unknown encoding.
func VariantSuffix(encoding string) string { return variantSuffixes[encoding] }

// allVariantSuffixes is every suffix a build may have written, in a fixed
// order, so stale variants of any encoding are found.
var allVariantSuffixes = []string{".br", ".gz", ".zst"}

// worthKeeping is WhiteNoise's 95% rule.
func worthKeeping(original, compressed int) bool {
	return float64(compressed) <= float64(original)*minimumSaving
}

// compressionCache is where compressed bytes are kept by what they were made
// from, inside the state directory: "<md5 of content>.<encoding>-<level>".
// An empty entry records that the content was not worth compressing.
const compressionCache = "compressed"

// variantKey names a compressed content: the source content's MD5 and how it
// was compressed. The bytes are a function of it, so it is also the identity
// the build state records for a variant file.
func variantKey(sum, encoding string, level int) string {
	if encoding == EncodingGzip && GzipImplementation != gzipGo {
		// libdeflate's bytes are not the Go encoder's at the same level: a
		// cache shared by both kinds of binary keeps them apart.
		encoding = "gzip_libdeflate"
	}
	return fmt.Sprintf("%s.%s-%d", sum, encoding, level)
}

// isVariantKey tells a variant's state entry from a plain file's (an MD5 in
// hex has no "-").
func isVariantKey(key string) bool { return strings.Contains(key, "-") }

// sharedContent is one distinct content and every output path holding it
// (the unhashed and hashed copies of an image share one).
type sharedContent struct {
	sum   string
	size  int64
	paths []string
	from  outputTarget // one target that has it, to read it from
}

// compression is what compressAll did.
type compression struct {
	compressed, reused, variants int
	keys                         []string // cache entries used, sorted
}

// compressAll writes the precompressed variants of every output file: each
// distinct content once per encoding, in parallel, largest first so the
// slowest file does not start last. A content whose variant an earlier build
// made is never compressed again: the variant is still in place (the state
// says so) or is linked from the content-addressed cache. It also removes
// variants that no longer match their file, so a stale .gz is never served.
func (o *output) compressAll(files []outputFile, hashedOnly bool, opts CompressOptions, workers int, progress func(string, int, int)) (compression, error) {
	// Output paths of this build: a variant never replaces one (a source
	// tree may ship "app.js.gz" itself).
	taken := map[string]bool{}
	current := map[string]string{} // path -> MD5 of what it holds now
	bySum := map[string]*sharedContent{}
	var contents []*sharedContent
	for _, f := range files {
		for _, t := range f.targets(hashedOnly) {
			taken[t.rel], current[t.rel] = true, t.sum
			if !opts.enabled() || opts.skips(t.rel) {
				continue
			}
			c := bySum[t.sum]
			if c == nil {
				size := f.node.info.Size
				if t.content != nil {
					size = int64(len(t.content))
				}
				c = &sharedContent{sum: t.sum, size: size, from: t}
				bySum[t.sum] = c
				contents = append(contents, c)
			}
			c.paths = append(c.paths, t.rel)
		}
	}
	sort.Slice(contents, func(i, j int) bool { return contents[i].size > contents[j].size })

	type job struct {
		content  *sharedContent
		encoding string
	}
	var jobs []job
	for _, c := range contents {
		for _, e := range opts.Encodings {
			jobs = append(jobs, job{c, e})
		}
	}
	var result compression
	var mu sync.Mutex
	var done atomic.Int64
	errs := make([]error, len(jobs))
	forEach(len(jobs), workers, func(i int) {
		j := jobs[i]
		var paths []string
		for _, p := range j.content.paths {
			if !taken[p+VariantSuffix(j.encoding)] {
				paths = append(paths, p)
			}
		}
		key := variantKey(j.content.sum, j.encoding, opts.level(j.encoding))
		kept, made, err := o.compressContent(j.content, paths, j.encoding, opts.level(j.encoding), key, opts.cacheDir(o.dir))
		errs[i] = err
		mu.Lock()
		result.keys = append(result.keys, key)
		if made {
			result.compressed++
		} else {
			result.reused++
		}
		if kept {
			result.variants += len(paths)
		}
		mu.Unlock()
		progress("compress", int(done.Add(1)), len(jobs))
	})
	if err := errors.Join(errs...); err != nil {
		return result, err
	}
	sort.Strings(result.keys)
	return result, o.removeStaleVariants(current)
}

// compressContent gives every path of one content its variant in one
// encoding. made says whether it had to compress; kept whether the variant
// passed the 95% rule.
func (o *output) compressContent(c *sharedContent, paths []string, encoding string, level int, key, cacheDir string) (kept, made bool, err error) {
	suffix := VariantSuffix(encoding)
	inPlace := true
	for _, p := range paths {
		if !o.upToDate(p+suffix, key) {
			inPlace = false
			break
		}
	}
	if inPlace && len(paths) > 0 {
		return true, false, nil
	}
	cached := filepath.Join(cacheDir, key)
	info, statErr := os.Stat(cached)
	if statErr != nil {
		data, err := o.read(c.from)
		if err != nil {
			return false, false, err
		}
		compressed, err := CompressBytes(encoding, level, data)
		if err != nil {
			return false, false, fmt.Errorf("cannot compress %s with %s: %w", c.from.rel, encoding, err)
		}
		made = true
		if !worthKeeping(len(data), len(compressed)) {
			compressed = nil // the marker: compressed once, not worth it
		}
		if err := writeCacheEntry(cached, compressed); err != nil {
			return false, made, err
		}
		if info, err = os.Stat(cached); err != nil {
			return false, made, err
		}
	}
	if info.Size() == 0 {
		return false, made, nil // removeStaleVariants drops any older variant
	}
	for _, p := range paths {
		if o.upToDate(p+suffix, key) {
			continue
		}
		if err := o.placeVariant(p+suffix, cached, key); err != nil {
			return true, made, err
		}
	}
	return true, made, nil
}

// cacheDir is where compressed bytes are kept for an output directory.
func (c CompressOptions) cacheDir(outputDir string) string {
	if c.CacheDir != "" {
		return c.CacheDir
	}
	return filepath.Join(outputDir, stateDir, compressionCache)
}

// writeCacheEntry writes a cache entry under a temporary name of its own
// and renames it into place: two builds sharing a cache may make the same
// entry at once, and a reader must never see half of one.
func writeCacheEntry(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the compression cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.assetc-tmp")
	if err != nil {
		return fmt.Errorf("cannot write to the compression cache: %w", err)
	}
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// read returns the bytes an output path holds, checked against the MD5 it
// was written with: compressing the wrong bytes would serve the wrong file.
func (o *output) read(t outputTarget) ([]byte, error) {
	if t.content != nil {
		return t.content, nil
	}
	data, err := os.ReadFile(filepath.Join(o.dir, filepath.FromSlash(t.rel)))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s to compress it: %w", t.rel, err)
	}
	if fmt.Sprintf("%x", md5.Sum(data)) != t.sum {
		return nil, fmt.Errorf("%s changed while being compressed; run the build again", t.rel)
	}
	return data, nil
}

// placeVariant puts a cached variant at rel: hard-linked when the file
// system allows (the cache then costs no space), copied otherwise, and
// renamed into place so a reader never sees half a file.
func (o *output) placeVariant(rel, cached, key string) error {
	target := filepath.Join(o.dir, filepath.FromSlash(rel))
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".assetc-tmp")
	os.Remove(tmp)
	if err := os.Link(cached, tmp); err != nil {
		data, err := os.ReadFile(cached)
		if err != nil {
			return err
		}
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("cannot write %s: %w", target, err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", target, err)
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.state[rel] = writtenFile{MD5: key, Size: info.Size(), ModTime: info.ModTime().UnixNano()}
	o.mu.Unlock()
	return nil
}

// removeStaleVariants deletes every variant assetc wrote for a path that now
// holds other bytes: a file whose new content is not worth compressing, or a
// build without compression, must not leave the old .gz to be served.
// Variants of unchanged content stay, whatever this build's encodings.
func (o *output) removeStaleVariants(current map[string]string) error {
	var stale []string
	o.mu.Lock()
	for rel := range current {
		for _, suffix := range allVariantSuffixes {
			w, ok := o.state[rel+suffix]
			if ok && isVariantKey(w.MD5) && !strings.HasPrefix(w.MD5, current[rel]+".") {
				stale = append(stale, rel+suffix)
			}
		}
	}
	o.mu.Unlock()
	for _, rel := range stale {
		if err := os.Remove(filepath.Join(o.dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot remove the stale variant %s: %w", rel, err)
		}
		o.mu.Lock()
		delete(o.state, rel)
		o.mu.Unlock()
	}
	return nil
}
