package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// Beyond the levels (package compress), a build compresses each content
// once (WhiteNoise compresses the hashed and the unhashed copy), on every
// core, and never again: not on a rebuild, nor, with a CacheDir, on a build
// into an empty directory.

// compressionCache is where compressed bytes are kept by what they were made
// from, inside the state directory: compress.Key names each entry. An empty
// entry records that the content was not worth compressing. Entries are
// only added; Clean drops those no kept build used.
const compressionCache = "compressed"

// cacheDir is where compressed bytes are kept for an output directory.
func cacheDir(c compress.Options, outputDir string) string {
	if c.CacheDir != "" {
		return c.CacheDir
	}
	return filepath.Join(outputDir, stateDir, compressionCache)
}

// sharedContent is one distinct content and every output path holding it
// (the unhashed and hashed copies of an image share one).
type sharedContent struct {
	file  core.PlanFile // one file that has it, to read it from
	paths []string
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
func (o *output) compressAll(plan *core.Plan, opts compress.Options, workers int, progress func(string, int, int), step func(string) error) (compression, error) {
	if !opts.Enabled() && !o.holdsVariants() {
		return compression{}, nil // nothing to make, nothing stale to remove
	}
	// Output paths of this build: a variant never replaces one (a source
	// tree may ship "app.js.gz" itself).
	taken := map[string]bool{}
	current := map[string]string{} // path -> MD5 of what it holds now
	bySum := map[string]*sharedContent{}
	var contents []*sharedContent
	for _, f := range plan.Files {
		taken[f.Path], current[f.Path] = true, f.MD5
		if !opts.Enabled() || opts.Skips(f.Path) {
			continue
		}
		c := bySum[f.MD5]
		if c == nil {
			c = &sharedContent{file: f}
			bySum[f.MD5] = c
			contents = append(contents, c)
		}
		c.paths = append(c.paths, f.Path)
	}
	sort.SliceStable(contents, func(i, j int) bool { return contents[i].file.Size > contents[j].file.Size })

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
		if errs[i] = step("compress"); errs[i] != nil {
			return
		}
		j := jobs[i]
		var paths []string
		for _, p := range j.content.paths {
			if !taken[p+compress.Suffix(j.encoding)] {
				paths = append(paths, p)
			}
		}
		key := compress.Key(j.content.file.MD5, j.encoding, opts.Level(j.encoding))
		kept, made, err := o.compressContent(plan, j.content, paths, j.encoding, opts.Level(j.encoding), key, cacheDir(opts, o.dir))
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
func (o *output) compressContent(plan *core.Plan, c *sharedContent, paths []string, encoding string, level int, key, cacheDir string) (kept, made bool, err error) {
	suffix := compress.Suffix(encoding)
	inPlace := true
	for _, p := range paths {
		if _, ok := o.upToDate(p+suffix, key); !ok {
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
		data, err := plan.Content(c.file)
		if err != nil {
			return false, false, err
		}
		compressed, err := compress.Bytes(encoding, level, data)
		if err != nil {
			return false, false, fmt.Errorf("cannot compress %s with %s: %w", c.file.Path, encoding, err)
		}
		made = true
		if !compress.WorthKeeping(len(data), len(compressed)) {
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
		if _, ok := o.upToDate(p+suffix, key); ok {
			continue
		}
		if err := o.placeVariant(p+suffix, cached, key); err != nil {
			return true, made, err
		}
	}
	return true, made, nil
}

// writeCacheEntry writes a cache entry under a temporary name of its own
// and renames it into place: two builds sharing a cache may make the same
// entry at once, and a reader must never see half of one.
func writeCacheEntry(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the compression cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*"+tmpSuffix)
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

// placeVariant puts a cached variant at rel: hard-linked when the file
// system allows (the cache then costs no space), copied otherwise, and
// renamed into place so a reader never sees half a file.
func (o *output) placeVariant(rel, cached, key string) error {
	target := o.path(rel)
	tmp := tmpName(target)
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
	err := os.Rename(tmp, target)
	// When target already is a link to the cache entry, rename(2) does
	// nothing and leaves tmp (POSIX: "If oldpath and newpath are existing
	// hard links referring to the same file, rename() does nothing").
	os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", target, err)
	}
	stamp, _, err := lstamp(target)
	if err != nil {
		return err
	}
	o.record(rel, key, stamp)
	return nil
}

// holdsVariants reports whether the state lists a precompressed variant
// (its MD5 is a compress.Key), which removeStaleVariants may have to remove.
func (o *output) holdsVariants() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.state.variants > 0
}

// removeStaleVariants deletes every variant assetc wrote for a path that now
// holds other bytes: a file whose new content is not worth compressing, or a
// build without compression, must not leave the old .gz to be served.
// Variants of unchanged content stay, whatever this build's encodings.
func (o *output) removeStaleVariants(current map[string]string) error {
	var stale []string
	o.mu.Lock()
	for rel := range current {
		for _, suffix := range compress.AllSuffixes {
			w, ok := o.state.get(rel + suffix)
			if ok && compress.IsKey(w.MD5) && !strings.HasPrefix(w.MD5, current[rel]+".") {
				stale = append(stale, rel+suffix)
			}
		}
	}
	o.mu.Unlock()
	for _, rel := range stale {
		if err := os.Remove(o.path(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove the stale variant %s: %w", rel, err)
		}
		o.mu.Lock()
		o.state.remove(rel)
		o.mu.Unlock()
	}
	return nil
}
