package core

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// BuildOptions says where and how to write a static root.
type BuildOptions struct {
	// OutputDir is the static root (Django's STATIC_ROOT).
	OutputDir string
	// Workers is the number of files read, scanned and written at once;
	// 0 means one per CPU.
	Workers int
	// HashedOnly writes only the hashed copies (the unhashed ones are what
	// DEBUG-mode URLs and tools without the manifest use).
	HashedOnly bool
	// Progress, when set, is called as files are processed; it must be fast
	// and safe to call from several goroutines.
	Progress func(stage string, done, total int)
	// Compress says which precompressed variants (.br, .gz, .zst) to write
	// next to each output file; the zero value writes none.
	Compress CompressOptions
	// Integrity is the hash of the SRI values recorded in IntegrityName:
	// sha256, sha384 or sha512; "" means DefaultIntegrityAlgorithm.
	Integrity string
	// LockWait is how long to wait for another build (or clean) of the same
	// output directory to finish; 0 fails at once with a message naming it.
	LockWait time.Duration
}

// BuildResult says what a build found and did.
type BuildResult struct {
	Files      int // files collected (one per logical path)
	Hashed     int // files given a hashed name (prehashed files keep theirs)
	Rewritten  int // CSS/JS files whose references were rewritten
	Cycles     int // files named as members of a reference cycle
	Written    int // output files written
	Unchanged  int // output files that already held the right bytes
	Duplicates []Duplicate
	Ignored    []IgnoredFile
	// Diagnostics are every warning, and on failure every error, sorted by
	// file and position.
	Diagnostics []Diagnostic
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
}

// stateDir holds assetc's own bookkeeping inside the output directory.
const stateDir = ".assetc"

// Build collects every file into opts.OutputDir: the unhashed copy and the
// hashed copy of each, with references rewritten, and staticfiles.json.
//
// It is all-or-nothing with respect to errors: when any file has an error
// diagnostic, nothing is written and the error is a *DiagnosticsError that
// lists all of them. Each file is written to a temporary name and renamed,
// and the manifest is written last the same way, so a build that fails or is
// killed leaves the previous output usable. Hashed files of earlier builds
// are never deleted (pages served before a deploy still load them). An output
// file that already holds the right bytes is not written again.
func (p *Project) Build(opts BuildOptions) (*BuildResult, error) {
	start := time.Now()
	compress, err := opts.Compress.normalized()
	if err != nil {
		return nil, err
	}
	if _, _, err := newIntegrityHash(opts.Integrity); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	inv, err := p.Walk()
	if err != nil {
		return nil, err
	}
	paths := inv.Paths()
	result := &BuildResult{Files: len(paths), Duplicates: inv.Duplicates, Ignored: inv.Ignored, Diagnostics: inv.Diagnostics, Manifest: map[string]string{}}

	// What the last build into this directory read: unchanged binary files
	// (by size and mtime) are not read again.
	p.SetKnownSources(readKnownSources(opts.OutputDir))

	// Read and scan everything in parallel; naming then hits the cache.
	var loaded atomic.Int64
	loadErrs := make([]error, len(paths))
	forEach(len(paths), workers, func(i int) {
		_, loadErrs[i] = p.node(paths[i])
		progress("read", int(loaded.Add(1)), len(paths))
	})
	if refused := refusedFiles(loadErrs); len(refused) > 0 {
		// A file that changed into something not collectable since the
		// walk (a FIFO swapped in): reported like the walk's findings.
		result.Diagnostics = append(result.Diagnostics, refused...)
		sortDiagnostics(result.Diagnostics)
		return result, &DiagnosticsError{Diagnostics: result.Diagnostics}
	}
	if err := errors.Join(loadErrs...); err != nil {
		return nil, err
	}
	p.naming.Lock()
	err = p.nameAll(paths, workers)
	p.naming.Unlock()
	if err != nil {
		return nil, err
	}

	files := make([]outputFile, 0, len(paths))
	for _, l := range paths {
		node, _ := p.node(l)
		if node == nil {
			return nil, fmt.Errorf("%s disappeared during the build", inv.Files[l].Path)
		}
		f := outputFile{node: node, hashedName: plainName(node)}
		if needsNaming(node) {
			named := p.named(l)
			f.hashedName, f.content = named.hashedName, named.content
			result.Diagnostics = append(result.Diagnostics, named.diags...)
			if named.content != nil {
				result.Rewritten++
			}
			if named.cycle {
				result.Cycles++
			}
		}
		if !node.prehashed {
			result.Hashed++
		}
		result.Manifest[l] = f.hashedName
		files = append(files, f)
	}
	sortDiagnostics(result.Diagnostics)
	if hasErrors(result.Diagnostics) {
		result.Duration = time.Since(start)
		return result, &DiagnosticsError{Diagnostics: result.Diagnostics}
	}

	out, err := openOutput(opts.OutputDir, opts.LockWait)
	if err != nil {
		return nil, err
	}
	defer out.close()
	var written, unchanged, done atomic.Int64
	writeErrs := make([]error, len(files))
	forEach(len(files), workers, func(i int) {
		w, u, err := out.writeFile(files[i], opts.HashedOnly)
		written.Add(int64(w))
		unchanged.Add(int64(u))
		writeErrs[i] = err
		progress("write", int(done.Add(1)), len(files))
	})
	if err := errors.Join(writeErrs...); err != nil {
		return nil, err
	}
	variants, err := out.compressAll(files, opts.HashedOnly, compress, workers, progress)
	if err != nil {
		return nil, err
	}
	result.Compressed, result.CompressionReused, result.Variants = variants.compressed, variants.reused, variants.variants
	integrity, err := out.integrity(files, opts.HashedOnly, opts.Integrity, workers)
	if err != nil {
		return nil, err
	}
	if err := out.finish(result.Manifest, integrity, variants.keys); err != nil {
		return nil, err
	}
	if err := writeKnownSources(opts.OutputDir, p.KnownSources()); err != nil {
		return nil, err
	}
	result.Written, result.Unchanged = int(written.Load()), int(unchanged.Load())
	result.Duration = time.Since(start)
	return result, nil
}

// outputFile is one logical file to write.
type outputFile struct {
	node       *fileNode
	hashedName string
	content    []byte // rewritten bytes of the hashed copy, nil for the source's
}

// outputTarget is one path to write: content nil means the source's bytes.
type outputTarget struct {
	rel     string
	content []byte
	sum     string
}

// output is a locked output directory and what assetc knows it wrote there.
type output struct {
	dir   string
	lock  string
	mu    sync.Mutex
	state map[string]writtenFile // output-relative path -> what was written
	fresh map[string]bool        // paths written by this build
	dirs  sync.Map               // directories known to exist
}

// writtenFile identifies the bytes assetc last wrote to a path: if the file
// still has this size and modification time, it still holds them. For a
// precompressed variant, MD5 is its variantKey (what it was made from and
// how), which identifies its bytes just as well.
type writtenFile struct {
	MD5     string `json:"md5"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime"`
}

func openOutput(dir string, wait time.Duration) (*output, error) {
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the output directory: %w", err)
	}
	o := &output{dir: dir, lock: filepath.Join(dir, stateDir, "lock"), state: map[string]writtenFile{}, fresh: map[string]bool{}}
	if err := o.acquire(wait); err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, stateDir, "state.json")); err == nil {
		_ = json.Unmarshal(data, &o.state) // a damaged state only costs rewrites
	}
	return o, nil
}

// acquire takes the output directory's lock, so two builds started at once
// cannot interleave their files. A lock left by a process that no longer
// runs is taken over. A lock held by a running build is waited for, polling,
// up to wait; then the error names the holder.
func (o *output) acquire(wait time.Duration) error {
	deadline := time.Now().Add(wait)
	stale := 0
	for {
		err := createLock(o.lock)
		if err == nil {
			return nil
		}
		if !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("cannot lock the output directory: %w", err)
		}
		data, _ := os.ReadFile(o.lock)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		switch {
		case pid > 0 && processAlive(pid):
			if time.Now().Before(deadline) {
				time.Sleep(lockPoll)
				continue
			}
			waited := ""
			if wait > 0 {
				waited = fmt.Sprintf(" (waited %s)", wait)
			}
			return &LockedError{Dir: o.dir, Lock: o.lock, PID: pid, msg: fmt.Sprintf(
				"another assetc build (pid %d) is writing to %s%s; wait for it to finish, or pass a longer wait (lock: %s)", pid, o.dir, waited, o.lock)}
		}
		if stale++; stale > 2 {
			return fmt.Errorf("cannot lock the output directory %s: remove %s if no build is running", o.dir, o.lock)
		}
		os.Remove(o.lock) // stale: its process is gone
	}
}

// lockAttempts makes the temporary names of concurrent createLock calls
// differ within one process.
var lockAttempts atomic.Int64

// createLock creates the lock file holding this process's pid, or fails
// with an error satisfying errors.Is(err, os.ErrExist). The pid is written
// to a temporary file that is then hard-linked to the lock's name, so the
// lock never exists without its pid: a reader never mistakes a lock being
// taken for a stale one. Where hard links are not available it falls back to
// an exclusive create.
func createLock(lock string) error {
	pid := fmt.Appendf(nil, "%d\n", os.Getpid())
	tmp := fmt.Sprintf("%s.%d-%d.assetc-tmp", lock, os.Getpid(), lockAttempts.Add(1))
	if err := os.WriteFile(tmp, pid, 0o644); err == nil {
		err = os.Link(tmp, lock)
		os.Remove(tmp)
		if err == nil || errors.Is(err, os.ErrExist) {
			return err
		}
	}
	f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	f.Write(pid)
	return f.Close()
}

// lockPoll is how often a waiting build looks at the lock again.
const lockPoll = 50 * time.Millisecond

// LockedError says that another build or clean holds an output directory.
type LockedError struct {
	Dir, Lock string
	PID       int
	msg       string
}

func (e *LockedError) Error() string { return e.msg }

func (o *output) close() { os.Remove(o.lock) }

// targets lists the paths a file is written to: the unhashed copy (unless
// hashedOnly), then the hashed copy when its name differs.
func (f outputFile) targets(hashedOnly bool) []outputTarget {
	logical := f.node.source.LogicalPath
	sourceSum := fmt.Sprintf("%x", f.node.sum)
	var targets []outputTarget
	if !hashedOnly {
		targets = append(targets, outputTarget{logical, nil, sourceSum})
	}
	if f.hashedName != logical || hashedOnly {
		sum := sourceSum
		if f.content != nil {
			sum = fmt.Sprintf("%x", md5.Sum(f.content))
		}
		targets = append(targets, outputTarget{f.hashedName, f.content, sum})
	}
	return targets
}

// writeFile writes the unhashed and hashed copies of one file.
func (o *output) writeFile(f outputFile, hashedOnly bool) (written, unchanged int, err error) {
	source := func() ([]byte, error) {
		if f.node.content != nil {
			return f.node.content, nil
		}
		data, err := OSFileSystem{}.ReadFile(f.node.source.Path) // regular files only: never blocks on a FIFO swapped in
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", f.node.source.Path, err)
		}
		if md5.Sum(data) != f.node.sum {
			return nil, fmt.Errorf("%s changed during the build; run the build again", f.node.source.Path)
		}
		return data, nil
	}
	var data []byte
	var previous outputTarget // the last target written, to share its bytes
	for _, t := range f.targets(hashedOnly) {
		if o.upToDate(t.rel, t.sum) {
			unchanged++
			previous = t
			continue
		}
		// The unhashed and hashed copies of most files hold the same bytes:
		// a hard link writes them once (each later write renames a new
		// file into place, so the copies never change together).
		if previous.rel != "" && previous.sum == t.sum && o.linkAtomic(previous.rel, t.rel, t.sum) == nil {
			written++
			continue
		}
		previous = t
		content := t.content
		if content == nil {
			if data == nil {
				if data, err = source(); err != nil {
					return written, unchanged, err
				}
			}
			content = data
		}
		if err := o.writeAtomic(t.rel, content, t.sum); err != nil {
			return written, unchanged, err
		}
		written++
	}
	return written, unchanged, nil
}

// upToDate reports whether rel still holds the bytes with the given MD5, by
// the state of the last write: content decides, not which file is newer.
func (o *output) upToDate(rel, sum string) bool {
	o.mu.Lock()
	w, ok := o.state[rel]
	o.mu.Unlock()
	if !ok || w.MD5 != sum {
		return false
	}
	info, err := os.Stat(filepath.Join(o.dir, filepath.FromSlash(rel)))
	return err == nil && info.Mode().IsRegular() && info.Size() == w.Size && info.ModTime().UnixNano() == w.ModTime
}

// writeAtomic writes content to a temporary file beside rel and renames it
// into place: readers see the old bytes or the new ones, never a mix.
func (o *output) writeAtomic(rel string, content []byte, sum string) error {
	target := filepath.Join(o.dir, filepath.FromSlash(rel))
	if err := o.mkdirAll(filepath.Dir(target)); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".assetc-tmp")
	info, err := writeAndStat(tmp, content)
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", target, err)
	}
	o.record(rel, sum, info)
	return nil
}

// linkAtomic makes rel a hard link to the already written from, through a
// temporary name and a rename like writeAtomic.
func (o *output) linkAtomic(from, rel, sum string) error {
	source := filepath.Join(o.dir, filepath.FromSlash(from))
	target := filepath.Join(o.dir, filepath.FromSlash(rel))
	if err := o.mkdirAll(filepath.Dir(target)); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".assetc-tmp")
	if err := os.Link(source, tmp); err != nil {
		return err // the caller writes a copy instead
	}
	info, err := os.Stat(tmp)
	if err == nil {
		err = os.Rename(tmp, target)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	o.record(rel, sum, info)
	return nil
}

// writeAndStat writes a new file and returns what it looks like on disk.
func writeAndStat(path string, content []byte) (os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return nil, err
	}
	info, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return info, err
}

// mkdirAll creates a directory once per build, however many files go in it.
func (o *output) mkdirAll(dir string) error {
	if _, done := o.dirs.Load(dir); done {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	o.dirs.Store(dir, true)
	return nil
}

// record notes what was written at rel, for upToDate.
func (o *output) record(rel, sum string, info os.FileInfo) {
	o.mu.Lock()
	o.state[rel] = writtenFile{MD5: sum, Size: info.Size(), ModTime: info.ModTime().UnixNano()}
	o.fresh[rel] = true
	o.mu.Unlock()
}

// finish writes the integrity sidecar, then the manifest last (a server
// that sees the new manifest finds every value it lists), then the record of
// this build.
func (o *output) finish(manifest map[string]string, integrity *IntegrityFile, compressed []string) error {
	if err := writeFileAtomic(filepath.Join(o.dir, IntegrityName), integrity.marshal()); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(o.dir, ManifestName), Manifest(manifest)); err != nil {
		return err
	}
	hashed := make([]string, 0, len(manifest))
	for _, h := range manifest {
		hashed = append(hashed, h)
	}
	sort.Strings(hashed)
	record, _ := json.Marshal(buildRecord{Time: time.Now().UTC().Format(time.RFC3339Nano), Files: hashed, Compressed: compressed})
	name := fmt.Sprintf("%d.json", time.Now().UnixNano())
	if err := os.MkdirAll(filepath.Join(o.dir, stateDir, "builds"), 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(o.dir, stateDir, "builds", name), record); err != nil {
		return err
	}
	state, _ := json.Marshal(o.state)
	return writeFileAtomic(filepath.Join(o.dir, stateDir, "state.json"), state)
}

// sourcesFile is where a build records the sums of the sources it read.
const sourcesFile = "sources.json"

// knownSourceJSON is a KnownSource as sources.json stores it.
type knownSourceJSON struct {
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime"`
	MD5     string `json:"md5"`
}

// readKnownSources reads the sums the last build recorded; a missing or
// damaged file only means every source is read.
func readKnownSources(outputDir string) map[string]KnownSource {
	data, err := os.ReadFile(filepath.Join(outputDir, stateDir, sourcesFile))
	if err != nil {
		return nil
	}
	var stored map[string]knownSourceJSON
	if json.Unmarshal(data, &stored) != nil {
		return nil
	}
	known := make(map[string]KnownSource, len(stored))
	for path, s := range stored {
		var sum [16]byte
		if b, err := hex.DecodeString(s.MD5); err == nil && len(b) == 16 {
			copy(sum[:], b)
			known[path] = KnownSource{Size: s.Size, ModTime: s.ModTime, Sum: sum}
		}
	}
	return known
}

// writeKnownSources records the sums of every source this build read.
func writeKnownSources(outputDir string, known map[string]KnownSource) error {
	stored := make(map[string]knownSourceJSON, len(known))
	for path, k := range known {
		stored[path] = knownSourceJSON{Size: k.Size, ModTime: k.ModTime, MD5: hex.EncodeToString(k.Sum[:])}
	}
	data, _ := json.Marshal(stored)
	return writeFileAtomic(filepath.Join(outputDir, stateDir, sourcesFile), data)
}

// buildRecord lists the hashed files one build wrote, so a later clean can
// keep the files of the last few builds.
type buildRecord struct {
	Time  string   `json:"time"`
	Files []string `json:"files"`
	// Compressed names the compression cache entries the build used, so a
	// clean keeps those of the builds it keeps.
	Compressed []string `json:"compressed,omitempty"`
}

func writeFileAtomic(path string, content []byte) error {
	tmp := path + ".assetc-tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

func sortDiagnostics(diags []Diagnostic) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		if a.LogicalPath != b.LogicalPath {
			return a.LogicalPath < b.LogicalPath
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
