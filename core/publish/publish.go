// Package publish writes a core.Plan to an S3-compatible bucket under a key
// prefix: the static root a CDN serves. It is the object-storage sibling of
// core/writer, and keeps the same promises:
//
//   - a key that holds the right bytes is not uploaded again: a hashed key's
//     name is its content, and an index object says what the publisher put
//     where, so a publish with nothing to do makes a fixed number of
//     requests however many files the site has;
//   - staticfiles.json is uploaded last (after the integrity sidecar), so
//     the bucket never names an object that is not there, and a publish that
//     is stopped part way is finished by the next one without uploading
//     again what landed;
//   - nothing of a recent release is deleted: Clean removes the hashed keys
//     that the last few releases no longer use, as core/writer.Clean does.
//
// The layout under the prefix:
//
//	staticfiles.json              Django's manifest: the commit point
//	staticfiles.integrity.json    SRI values; names the MD5 of the manifest
//	NAME, NAME.<hash>.ext         the files (Cache-Control: a year, immutable, for hashed keys)
//	NAME….br, NAME….gz            precompressed variants, with Content-Encoding
//	.assetc/index.json            what the publisher put: key -> MD5
//	.assetc/pending.json          present while a publish runs (or after one was stopped)
//	.assetc/releases/<ns>.json    one record per release: its hashed keys
package publish

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// Bucket is where a publish goes.
type Bucket struct {
	Client *Client
	// Name is the bucket's name.
	Name string
	// Prefix is put before every key: "" or a path ending in "/" (it is
	// added when missing), e.g. "static/".
	Prefix string
}

func (b Bucket) store() (store, error) {
	if b.Client == nil || b.Name == "" {
		return store{}, errors.New("publish needs a bucket and a client")
	}
	prefix := strings.TrimPrefix(b.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return store{client: b.Client, bucket: b.Name, prefix: prefix}, nil
}

// Options says how to publish a Plan.
type Options struct {
	// Workers is the number of uploads (and compressions) at once; 0 means
	// 16, or 4 per CPU when that is more: uploads mostly wait on the
	// network.
	Workers int
	// Compress says which precompressed variants to upload beside each
	// file, as keys of their own with Content-Encoding; the zero value
	// uploads none.
	Compress compress.Options
	// Verify lists the prefix instead of trusting the index: for a bucket
	// that something else changed (a lifecycle rule, a manual delete).
	Verify bool
	// UnhashedCacheControl is the Cache-Control of the unhashed copies;
	// "" means DefaultUnhashedCacheControl.
	UnhashedCacheControl string
	// Progress, when set, is called as files are uploaded; it must be fast
	// and safe to call from several goroutines.
	Progress func(stage string, done, total int)

	// step, when set, is called before each step of a publish; an error
	// stops it there, as a kill would (tests only).
	step func(name string) error
}

// Result says what a publish did.
type Result struct {
	// Objects is the number of keys the release consists of: files,
	// variants, the manifest and the sidecar.
	Objects int `json:"objects"`
	// Uploaded counts the objects uploaded, variants included, and Bytes
	// their size; Present those the bucket already held.
	Uploaded int   `json:"uploaded"`
	Bytes    int64 `json:"bytes"`
	Present  int   `json:"present"`
	// UploadedKeys lists the uploaded keys relative to the prefix, sorted.
	UploadedKeys []string `json:"uploaded_keys"`
	// Compressed counts the contents compressed (once per encoding).
	Compressed int `json:"compressed"`
	// Removed counts stale variants of unhashed keys deleted: their key now
	// holds other bytes, and an old variant must not be served for them.
	Removed int `json:"removed"`
	// Listed says the prefix was listed: --verify, a missing index, or a
	// previous publish that was stopped part way.
	Listed bool `json:"listed"`
	// Released says a new release record was written (the manifest or a
	// file changed).
	Released bool `json:"released"`
	// Requests is the number of HTTP requests made, retries included.
	Requests int64 `json:"requests"`
}

// Publish uploads what the bucket lacks of a Plan, then its integrity
// sidecar and staticfiles.json. A Plan with an error diagnostic is not
// published: the error is a *core.DiagnosticsError.
//
// Two publishes to one prefix must not run at once: S3 has no lock, and
// the later index would miss what the other uploaded (which costs an
// upload, never a missing object, on the next publish).
func Publish(ctx context.Context, b Bucket, plan *core.Plan, opts Options) (result *Result, err error) {
	if plan.HasErrors() {
		return nil, &core.DiagnosticsError{Diagnostics: plan.Diagnostics}
	}
	s, err := b.store()
	if err != nil {
		return nil, err
	}
	comp, err := opts.Compress.Normalized()
	if err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = max(16, 4*runtime.NumCPU())
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	step := opts.step
	if step == nil {
		step = func(string) error { return nil }
	}
	unhashedCC := opts.UnhashedCacheControl
	if unhashedCC == "" {
		unhashedCC = DefaultUnhashedCacheControl
	}
	requestsBefore := s.client.Requests()
	result = &Result{}
	defer func() {
		if result != nil {
			result.Requests = s.client.Requests() - requestsBefore
			sort.Strings(result.UploadedKeys)
		}
	}()

	idx, found, err := s.readIndex(ctx)
	if err != nil {
		return nil, err
	}
	stopped, err := s.readPending(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Verify || !found || stopped != nil {
		keys, err := s.list(ctx, "")
		if err != nil {
			return nil, err
		}
		idx = verified(idx, keys)
		result.Listed = true
	}
	if stopped != nil && stopped.Release != "" && idx.Objects[core.ManifestName] != stopped.Manifest {
		// The stopped publish recorded a release that never went live:
		// counted by clean, it would push a live one out of --keep.
		if err := s.remove(ctx, []string{stopped.Release}); err != nil {
			return nil, err
		}
	}

	work := plannedWork(plan, idx, comp)
	for _, rel := range work.stale {
		delete(idx.Variants, rel) // made from bytes its key no longer holds
	}
	manifestSum := md5Hex(plan.ManifestJSON)
	metadataCurrent := idx.Objects[core.ManifestName] == manifestSum && idx.Objects[core.IntegrityName] == md5Hex(plan.IntegrityJSON)
	if len(work.groups) == 0 && len(work.stale) == 0 && metadataCurrent && !result.Listed {
		result.Objects = len(plan.Files) + work.presentVariants + 2
		result.Present = result.Objects
		return result, nil // nothing to do, nothing to record
	}

	if err := step("pending"); err != nil {
		return result, err
	}
	pending := pendingRecord{Started: time.Now().UTC().Format(time.RFC3339Nano), Manifest: manifestSum}
	if !metadataCurrent {
		pending.Release = fmt.Sprintf("%s%d.json", releasesDir, time.Now().UnixNano())
	}
	if err := s.putJSON(ctx, pendingName, pending); err != nil {
		return result, err
	}

	// Every file and variant first, in parallel.
	var mu sync.Mutex // guards idx, result and work.stale
	var done atomic.Int64
	total := 0
	for _, g := range work.groups {
		total += len(g.files)
	}
	variants := work.presentVariants
	errs := make([]error, len(work.groups))
	// The first failure stops the rest: what landed is kept (the next
	// publish finds it), and nothing more is started.
	uploadCtx, stopUploads := context.WithCancel(ctx)
	defer stopUploads()
	forEach(len(work.groups), workers, func(i int) {
		if uploadCtx.Err() != nil {
			return
		}
		if errs[i] = step("upload"); errs[i] != nil {
			stopUploads()
			return
		}
		g := work.groups[i]
		defer func() {
			if errs[i] != nil {
				stopUploads()
			}
		}()
		errs[i] = g.upload(uploadCtx, s, plan, comp, unhashedCC, func(e uploadEvent) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case e.compressed:
				result.Compressed++
			case e.unworthy:
				// Not worth keeping: an older variant at this key is of
				// other bytes and must go.
				if _, present := idx.Objects[e.rel]; present {
					work.stale = append(work.stale, e.rel)
				}
				idx.Variants[e.rel] = e.source
			default:
				idx.Objects[e.rel] = e.md5
				if e.source != "" {
					idx.Variants[e.rel] = e.source
					variants++
				}
				result.Uploaded++
				result.Bytes += e.size
				result.UploadedKeys = append(result.UploadedKeys, e.rel)
			}
		})
		progress("upload", int(done.Add(int64(len(g.files)))), total)
	})
	result.Objects = len(plan.Files) + variants + 2
	result.Present = result.Objects - result.Uploaded
	if !metadataCurrent {
		result.Present -= 2 // uploaded below
	}
	if err := firstError(errs); err != nil {
		return result, err
	}
	// A stale variant of an unhashed key is removed after its key holds
	// the new bytes, and before the index forgets it.
	if len(work.stale) > 0 {
		if err := step("stale"); err != nil {
			return result, err
		}
		if err := s.remove(ctx, work.stale); err != nil {
			return result, err
		}
		for _, rel := range work.stale {
			delete(idx.Objects, rel)
		}
		result.Removed = len(work.stale)
	}

	// Then the release record, the sidecar and the manifest: once the
	// manifest names a key, the key is there.
	if !metadataCurrent {
		if err := step("release"); err != nil {
			return result, err
		}
		record := releaseRecord{Time: time.Now().UTC().Format(time.RFC3339Nano), Manifest: manifestSum, Files: work.hashed}
		if err := s.putJSON(ctx, pending.Release, record); err != nil {
			return result, err
		}
		result.Released = true
		for _, meta := range []struct {
			name string
			data []byte
		}{{core.IntegrityName, plan.IntegrityJSON}, {core.ManifestName, plan.ManifestJSON}} {
			if err := step(meta.name); err != nil {
				return result, err
			}
			o := object{rel: meta.name, data: meta.data, md5: md5Hex(meta.data), contentType: core.ContentType(meta.name), cacheControl: metadataCacheControl}
			if err := s.put(ctx, o); err != nil {
				return result, err
			}
			idx.Objects[meta.name] = o.md5
			result.UploadedKeys = append(result.UploadedKeys, meta.name)
			result.Uploaded++
			result.Bytes += int64(len(meta.data))
		}
	}

	// Last the index, then the pending record goes: until then the next
	// publish lists the prefix to learn what this one uploaded.
	if err := step("index"); err != nil {
		return result, err
	}
	if err := s.putJSON(ctx, indexName, idx); err != nil {
		return result, err
	}
	if err := step("done"); err != nil {
		return result, err
	}
	if err := s.remove(ctx, []string{pendingName}); err != nil {
		return result, err
	}
	return result, nil
}

// work is what a publish has to do.
type work struct {
	groups []*contentGroup // files with something to upload, by content
	// presentVariants counts the variants the bucket holds already.
	presentVariants int
	hashed          []string // hashed keys of the release, sorted
	stale           []string // variants of unhashed keys that no longer match
}

// contentGroup is the files of one content that need an upload: the bytes
// are read (and compressed) once for all of them.
type contentGroup struct {
	file  core.PlanFile // one file with the content
	files []core.PlanFile
	// missing are the keys to upload: files and their variants.
	missing map[string]bool
	// variantSources maps each variant key of the group to compress.Key.
	variantSources map[string]string
	encodings      []string // encodings with a missing variant
}

// plannedWork compares the Plan with the index.
func plannedWork(plan *core.Plan, idx *index, comp compress.Options) *work {
	w := &work{}
	byPath := make(map[string]core.PlanFile, len(plan.Files))
	for _, f := range plan.Files {
		byPath[f.Path] = f
	}
	groups := map[string]*contentGroup{}
	var order []string
	for _, f := range plan.Files {
		g := groups[f.MD5]
		if g == nil {
			g = &contentGroup{file: f, missing: map[string]bool{}, variantSources: map[string]string{}}
			groups[f.MD5] = g
			order = append(order, f.MD5)
		}
		g.files = append(g.files, f)
		if f.Hashed {
			w.hashed = append(w.hashed, f.Path)
		}
		sum, ok := idx.Objects[f.Path]
		// A hashed key that exists is done: its name is its content (a
		// listing may not know its MD5).
		if !ok || (sum != f.MD5 && !(f.Hashed && sum == "")) {
			g.missing[f.Path] = true
		}
		if comp.Skips(f.Path) {
			continue
		}
		for _, e := range comp.Encodings {
			v := f.Path + compress.Suffix(e)
			if _, taken := byPath[v]; taken {
				continue // the sources ship this name themselves
			}
			source := compress.Key(f.MD5, e, comp.Level(e))
			from, known := idx.Variants[v]
			_, present := idx.Objects[v]
			switch {
			case known && strings.HasPrefix(from, f.MD5+"."):
				// Made from these bytes already: uploaded, or found not
				// worth keeping.
				if present {
					w.presentVariants++
				}
			case f.Hashed && present:
				// A hashed key's variant can only be of its bytes.
				w.presentVariants++
			default:
				g.missing[v] = true
				g.variantSources[v] = source
				if !slices.Contains(g.encodings, e) {
					g.encodings = append(g.encodings, e)
				}
			}
		}
	}
	// A variant of an unhashed key made from its old bytes is stale, unless
	// this publish replaces it (or finds the new bytes not worth it, see
	// Publish).
	for v, from := range idx.Variants {
		if _, present := idx.Objects[v]; !present {
			continue
		}
		for _, suffix := range compress.AllSuffixes {
			base, ok := strings.CutSuffix(v, suffix)
			if !ok {
				continue
			}
			if f, ok := byPath[base]; ok && !strings.HasPrefix(from, f.MD5+".") && !groups[f.MD5].missing[v] {
				w.stale = append(w.stale, v)
			}
		}
	}
	sort.Strings(w.stale)
	sort.Strings(w.hashed)
	for _, sum := range order {
		if g := groups[sum]; len(g.missing) > 0 {
			w.groups = append(w.groups, g)
		}
	}
	return w
}

// uploadEvent is one thing a group's upload did.
type uploadEvent struct {
	rel        string
	md5        string
	size       int64
	source     string // compress.Key, for a variant
	compressed bool   // a content was compressed
	unworthy   bool   // the variant rel is not worth keeping
}

// upload reads the group's content once and uploads its missing keys:
// each file, then each variant, compressed once per encoding.
func (g *contentGroup) upload(ctx context.Context, s store, plan *core.Plan, comp compress.Options, unhashedCC string, report func(uploadEvent)) error {
	data, err := plan.Content(g.file)
	if err != nil {
		return err
	}
	cacheControl := func(f core.PlanFile) string {
		if f.Hashed {
			return HashedCacheControl
		}
		return unhashedCC
	}
	for _, f := range g.files {
		if !g.missing[f.Path] {
			continue
		}
		o := object{rel: f.Path, data: data, md5: f.MD5, contentType: core.ContentType(f.Path), cacheControl: cacheControl(f)}
		if err := s.put(ctx, o); err != nil {
			return err
		}
		report(uploadEvent{rel: f.Path, md5: f.MD5, size: int64(len(data))})
	}
	for _, e := range g.encodings {
		var packed []byte
		for _, f := range g.files {
			v := f.Path + compress.Suffix(e)
			if !g.missing[v] {
				continue
			}
			if packed == nil {
				if packed, err = compress.Bytes(e, comp.Level(e), data); err != nil {
					return fmt.Errorf("cannot compress %s: %w", f.Path, err)
				}
				report(uploadEvent{compressed: true})
			}
			if !compress.WorthKeeping(len(data), len(packed)) {
				report(uploadEvent{rel: v, source: g.variantSources[v], unworthy: true})
				continue
			}
			sum := md5Hex(packed)
			o := object{rel: v, data: packed, md5: sum, contentType: core.ContentType(f.Path), cacheControl: cacheControl(f), contentEncoding: e}
			if err := s.put(ctx, o); err != nil {
				return err
			}
			report(uploadEvent{rel: v, md5: sum, size: int64(len(packed)), source: g.variantSources[v]})
		}
	}
	return nil
}

// firstError is the error that stopped the uploads, not the cancellations
// it caused.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil {
			canceled = err
		}
	}
	return canceled
}

func md5Hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func md5Base64(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// forEach calls fn(0..n-1) on up to workers goroutines.
func forEach(n, workers int, fn func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
