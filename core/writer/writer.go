// Package writer applies a core.Plan to a directory: the static root Django
// serves. It owns everything that touches that directory: the lock that
// keeps two builds apart, atomic and incremental writes, hard links,
// precompressed variants, the switch to the new manifest, the records a
// later build and Clean rely on, and Clean itself.
//
// The layout of a static root it writes:
//
//	staticfiles.json              Django's manifest: the commit point
//	staticfiles.integrity.json    SRI values; names the MD5 of the manifest
//	NAME, NAME.<hash>.ext, *.br…  the files and their variants
//	.assetc/lock                  the pid of the build or clean running
//	.assetc/state.json            what was written where (size, mtime, MD5)
//	.assetc/sources.json          what the sources held (core.SourceRecord)
//	.assetc/scans.gob             the CSS/JS files as scanned and named (core.ScanCache)
//	.assetc/snapshot.bin          the identity of every input and output of the last
//	                              build: a rebuild that finds them all unchanged
//	                              skips planning (snapshot.go; its bytes:
//	                              snapshot_encoding.go); one that finds only
//	                              sources changed plans from .assetc/record.bin, and
//	                              its snapshot is the last one patched (snapshot_patch.go)
//	.assetc/record.bin            the last build's core.PlanRecord (planrecord.go)
//	.assetc/pending.json          paths a running build creates; gone once it commits
//	.assetc/builds/<ns>.json      one record per committed build: its hashed files
//	.assetc/compressed/           compressed bytes by content (the variant cache)
package writer

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// Options says how to write a Plan.
type Options struct {
	// Workers is the number of files written at once; 0 means one per CPU.
	Workers int
	// Progress, when set, is called as files are written; it must be fast
	// and safe to call from several goroutines.
	Progress func(stage string, done, total int)
	// Compress says which precompressed variants (.br, .gz, .zst) to write
	// next to each output file; the zero value writes none.
	Compress compress.Options
	// LockWait is how long to wait for another build (or clean) of the same
	// output directory to finish; 0 fails at once with a message naming it.
	LockWait time.Duration

	// snapshot, when set, asks Write to record a snapshot for the next
	// Build (see snapshotFile).
	snapshot *snapshotRequest
	// locked, when set, is the output directory, locked by Build since
	// its snapshot check, and proven what that check proved (see
	// proven): Write trusts it instead of looking at each output again.
	locked *output
	proven *proven
	// replaced are outputs Build's check saw changed since the last
	// build recorded them (see verdict.replaced): every path of their
	// contents is written again.
	replaced []string

	// step, when set, is called at each step of a write, before the step;
	// an error stops the write there as a kill would (tests only).
	step func(name string) error
}

// BuildOptions says where and how to build a static root from a Project.
type BuildOptions struct {
	// OutputDir is the static root (Django's STATIC_ROOT).
	OutputDir string
	// Workers is the number of files read, scanned and written at once;
	// 0 means one per CPU.
	Workers int
	// HashedOnly writes only the hashed copies (the unhashed ones are what
	// DEBUG-mode URLs and tools without the manifest use).
	HashedOnly bool
	// Progress, when set, is called as files are processed.
	Progress func(stage string, done, total int)
	// Compress says which precompressed variants to write.
	Compress compress.Options
	// Integrity is the hash of the SRI values recorded in core.IntegrityName:
	// sha256, sha384 or sha512; "" means core.DefaultIntegrityAlgorithm.
	Integrity string
	// LockWait is how long to wait for another build of the same output.
	LockWait time.Duration

	// step is Options.step for the Write of the build (tests only).
	step func(name string) error
}

// Result says what a build found and did.
type Result struct {
	Files      int // files collected (one per logical path)
	Hashed     int // files given a hashed name (prehashed files keep theirs)
	Rewritten  int // CSS/JS files whose references were rewritten
	Cycles     int // files named as members of a reference cycle
	Written    int // output files written
	Unchanged  int // output files that already held the right bytes
	Duplicates []core.Duplicate
	Ignored    []core.IgnoredFile
	// Diagnostics are every warning, and on failure every error, sorted by
	// file and position.
	Diagnostics []core.Diagnostic
	// Manifest maps each logical path to its hashed path.
	Manifest map[string]string
	Duration time.Duration
	// Compressed counts contents compressed in this build, once per
	// encoding; CompressionReused those whose variant an earlier build had
	// already made (or found not worth keeping).
	Compressed        int
	CompressionReused int
	// Variants is the number of precompressed files the output now holds
	// for this build's files.
	Variants int
	// Planned says the build made a Plan; false when the snapshot of the
	// previous build showed that nothing it depends on changed, and the
	// counts are that build's (see snapshotFile).
	Planned bool
	// FromRecord says the Plan started from the last build's record: the
	// snapshot showed that only some sources changed, and only they and
	// the files that reference them were read and named again.
	FromRecord bool
}

// Build plans a Project and writes the Plan into opts.OutputDir: the
// unhashed and the hashed copy of each file, with references rewritten,
// the integrity sidecar and staticfiles.json.
//
// Build leaves the Project's caches empty (core.PlanOptions.ForgetCaches):
// they need not be held while the Plan is written, and a Project built
// again reads its files anew, which the output's records make cheap.
//
// When the snapshot of the previous build shows that nothing the build
// depends on changed (snapshot.go), it makes no Plan and writes nothing:
// the Result has that build's counts and Planned false. When it shows that
// only source files changed, in place, the Plan starts from the previous
// build's record (core.PlanOptions.Prior): only those files and the CSS/JS
// files that reference them are read and named again, and the outputs the
// snapshot proved are not looked at again (the lock is held from that
// check to the end of the write).
//
// It is all-or-nothing with respect to errors: when the Plan has an error
// diagnostic, nothing is written and the error is a *core.DiagnosticsError
// that lists all of them. See Write for what a failure leaves behind.
func Build(p *core.Project, opts BuildOptions) (*Result, error) {
	start := time.Now()
	write := Options{Workers: opts.Workers, Progress: opts.Progress, Compress: opts.Compress, LockWait: opts.LockWait, step: opts.step}
	comp, err := write.Compress.Normalized()
	if err != nil {
		return nil, err
	}
	key := snapshotKey(p.Config(), opts, comp)
	v := check(opts.OutputDir, key, opts.HashedOnly, opts.Workers)
	if v.result != nil {
		v.result.Duration = time.Since(start)
		return v.result, nil
	}
	if v.locked != nil {
		defer v.locked.close()
		priorPlans.Add(1)
	}
	write.snapshot = &snapshotRequest{key: key, started: start, prior: v.prior, fromRecord: v.prior != nil}
	write.locked, write.proven, write.replaced = v.locked, v.proven, v.replaced
	planOpts := core.PlanOptions{
		Workers: opts.Workers, HashedOnly: opts.HashedOnly, Integrity: opts.Integrity,
		Progress: opts.Progress, Now: start, Record: true, Prior: v.prior.planRecord(), Changed: v.changed,
		ForgetCaches: true, // a one-shot build: the Plan needs only the file system
	}
	if v.prior == nil {
		planOpts.Known, planOpts.ScanCache = readSources(opts.OutputDir), readScanCache(opts.OutputDir)
	} else {
		// The check proved both as the record's build wrote them: the new
		// ones are patched from their bytes. Unreadable, they are encoded
		// whole.
		planOpts.PriorManifest, _ = os.ReadFile(filepath.Join(opts.OutputDir, core.ManifestName))
		planOpts.PriorIntegrity, _ = os.ReadFile(filepath.Join(opts.OutputDir, core.IntegrityName))
	}
	plan, err := p.Plan(planOpts)
	if err != nil {
		return nil, err
	}
	result := &Result{
		Files: plan.Collected, Hashed: plan.Hashed, Rewritten: plan.Rewritten, Cycles: plan.Cycles,
		Duplicates: plan.Duplicates, Ignored: plan.Ignored, Diagnostics: plan.Diagnostics, Manifest: plan.Manifest, Planned: true,
		FromRecord: v.prior != nil,
	}
	if plan.HasErrors() {
		result.Duration = time.Since(start)
		return result, &core.DiagnosticsError{Diagnostics: plan.Diagnostics}
	}
	if err := Write(opts.OutputDir, plan, write, result); err != nil {
		return nil, err
	}
	result.Duration = time.Since(start)
	return result, nil
}

// Write applies a Plan to dir and adds what it did to result (which may be
// nil).
//
// A path that exists is replaced by a temporary file renamed into place; a
// new hashed path (no reader knows it before the manifest names it) is
// written in place, and other copies of the same bytes are hard links made
// straight at their name when it is new. Unchanged source bytes are copied
// by the kernel (copy_file_range) when the source is still the planned file
// (core.Plan.SourceInfo). The sidecar, then staticfiles.json, are switched
// last, so a build that fails
// or is killed leaves the previous output usable: Django reads the old
// manifest, and every file it names is still there (hashed files of earlier
// builds are never deleted here; Clean removes them later). The paths a
// build creates are listed in .assetc/pending.json before the first is
// written: a failed build removes them itself, and the next build or Clean
// removes those of a killed one. An output file that already holds the
// right bytes is not written again.
func Write(dir string, plan *core.Plan, opts Options, result *Result) (err error) {
	if plan.HasErrors() {
		return &core.DiagnosticsError{Diagnostics: plan.Diagnostics}
	}
	if result == nil {
		result = &Result{}
	}
	comp, err := opts.Compress.Normalized()
	if err != nil {
		return err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	step := opts.step
	if step == nil {
		step = func(string) error { return nil }
	}
	out := opts.locked
	if out == nil {
		if out, err = openOutput(dir, opts.LockWait); err != nil {
			return err
		}
		defer out.close()
	} else {
		out.readState()
	}
	out.proven = opts.proven
	// A replaced output's content is distrusted at every path: the check
	// saw one path of each inode, and the others hold the same content
	// (hard links of one write).
	for _, rel := range opts.replaced {
		if w, ok := out.state.get(rel); ok {
			if out.distrusted == nil {
				out.distrusted = map[string]bool{}
			}
			out.distrusted[w.MD5] = true
		}
	}
	if err := out.recover(); err != nil {
		return err
	}
	// Whatever this write changes, the snapshot of an earlier build must
	// not outlive it (see snapshotFile).
	if err := os.Remove(out.statePath(snapshotFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// After a Plan from the record, the files it did not name again are
	// the last build's, and the check proved the output as that build left
	// it (opts.proven): only the difference is looked at (see
	// core.Plan.Difference).
	difference, fromRecord := plan.Difference()
	fromRecord = fromRecord && opts.proven != nil
	if !fromRecord {
		difference = nil
	} else if difference == nil {
		difference = []int{} // nothing but the last build's files
	}
	pending, err := out.startPending(plan, comp, difference)
	if err != nil {
		return err
	}
	if opts.snapshot != nil {
		opts.snapshot.recordID, opts.snapshot.logical = out.writeRecord(plan, opts.snapshot.prior)
		opts.snapshot.prior = nil // encoded: what it held is garbage now
		// The scan cache too is written now, not with the other records:
		// each record says what a source with its identity holds, which
		// stays true whether or not this build commits.
		if plan.ScanCacheChanged() {
			if err := writeFileStream(out.statePath(scansFile), func(w io.Writer) error { return encodeScanCache(w, plan.ScanCache()) }); err != nil {
				return err
			}
		}
		plan.ForgetScanCache()
	}
	sources := out.writeSourceRecords(plan)
	committed := false
	defer func() {
		if !committed {
			// Nothing of this write runs on once it returns; its
			// error is the one reported.
			_ = sources.wait()
		}
		if !committed && !killed(err) {
			out.rollback() // a failed build leaves no file of its own
		}
	}()

	var groups [][]int32
	var written, unchanged, done atomic.Int64
	if fromRecord {
		groups = groupDifference(plan.Files, difference)
		skipped := len(plan.Files)
		for _, g := range groups {
			skipped -= len(g)
		}
		unchanged.Add(int64(skipped))
		done.Add(int64(skipped))
	} else {
		groups = groupByContent(plan.Files)
	}
	writeErrs := make([]error, len(groups))
	forEach(len(groups), workers, func(i int) {
		if writeErrs[i] = step("write"); writeErrs[i] != nil {
			return
		}
		w, u, err := out.writeGroup(plan, groups[i])
		written.Add(int64(w))
		unchanged.Add(int64(u))
		writeErrs[i] = err
		progress("write", int(done.Add(int64(len(groups[i])))), len(plan.Files))
	})
	if err = errors.Join(writeErrs...); err != nil {
		return err
	}
	variants, err := out.compressAll(plan, comp, workers, progress, step)
	if err != nil {
		return err
	}
	snapshot := func() {}
	if opts.snapshot != nil {
		snapshot = func() { out.recordSnapshot(plan, opts.snapshot, comp, result, variants, workers) }
	}
	release := false
	if opts.snapshot != nil {
		// Only Build asks for a snapshot, and its Plan is its own: the
		// manifest and sidecar bytes are dropped once written (see commit).
		opts.snapshot.manifest, opts.snapshot.sidecar = committedOf(plan.ManifestJSON), committedOf(plan.IntegrityJSON)
		release = true
	}
	if err = out.commit(plan, pending, variants.keys, step, snapshot, sources, release); err != nil {
		return err
	}
	committed = true
	result.Written, result.Unchanged = int(written.Load()), int(unchanged.Load())
	result.Compressed, result.CompressionReused, result.Variants = variants.compressed, variants.reused, variants.variants
	return nil
}

// priorPlans counts the builds that planned from the last build's record
// (tests only).
var priorPlans atomic.Int64

// errKilled is what a test's step hook returns to stop a write as a kill
// would: without the clean-up a failed write does.
var errKilled = errors.New("killed (test)")

func killed(err error) bool { return errors.Is(err, errKilled) }

// groupByContent groups the planned files by their bytes, in plan order:
// a content is read or rewritten once and its other paths are hard links
// (the unhashed and hashed copies of most files hold the same bytes). A
// group lists indexes into files, not copies: at 100,000 files, copies
// of every PlanFile were 25 MB held through the whole write.
func groupByContent(files []core.PlanFile) [][]int32 {
	index := make(map[string]int, len(files)/2)
	var groups [][]int32
	for n, f := range files {
		i, ok := index[f.MD5]
		if !ok {
			i = len(groups)
			index[f.MD5] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], int32(n))
	}
	return groups
}

// groupDifference is groupByContent for the files of a difference
// (indexes into files, ascending) and the other files that hold one of
// their contents, which a group may link from: every other file is left
// out (see Write).
func groupDifference(files []core.PlanFile, difference []int) [][]int32 {
	contents := make(map[string]bool, len(difference))
	for _, i := range difference {
		contents[files[i].MD5] = true
	}
	index := make(map[string]int, len(contents))
	var groups [][]int32
	for n := range files {
		sum := files[n].MD5
		if !contents[sum] {
			continue
		}
		i, ok := index[sum]
		if !ok {
			i = len(groups)
			index[sum] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], int32(n))
	}
	return groups
}

// forEach calls fn(0..n-1) on up to workers goroutines.
func forEach(n, workers int, fn func(int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	for w := 0; w < workers; w++ {
		<-done
	}
}
