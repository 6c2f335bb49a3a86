package writer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/assetc/assetc/core"
)

// stateDir holds assetc's own bookkeeping inside the output directory.
const stateDir = ".assetc"

// tmpSuffix ends every temporary name the writer uses, so Clean and the
// next build can find what a killed build left.
const tmpSuffix = ".assetc-tmp"

// output is a locked output directory and what assetc knows it wrote there.
type output struct {
	dir   string
	lock  string
	mu    sync.Mutex
	state stateTable // output-relative path -> what was written, guarded by mu
	// fresh holds the paths this build creates (its pending list, sorted):
	// they did not exist when it started. Read-only once writing starts.
	fresh []string
	dirs  sync.Map // directories known to exist
	// proven, when set, is what Build's snapshot check proved under the
	// lock held since (see proven); written maps each path this build
	// wrote to the MD5 it held before ("" for none), guarded by mu: the
	// check's identity no longer covers it, nor the inode its old and new
	// contents' other paths share (a link added or removed moves its ctime).
	// Without proven, written is not kept (see record).
	proven *proven
	// distrusted are the MD5s of contents whose paths the state must not
	// vouch for: one of them changed since (Options.replaced).
	distrusted map[string]bool
	written    map[string]string
}

// writtenFile identifies the bytes assetc last wrote to a path: if the file
// still has this size and modification time, it still holds them. For a
// precompressed variant, MD5 is its compress.Key (what it was made from and
// how), which identifies its bytes just as well.
type writtenFile struct {
	MD5     string `json:"md5"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime"`
	// The rest of the file's identity, when this build wrote it (inode 0
	// otherwise; not in state.json): taken after its last link, so the
	// snapshot records it without a stat (see identity).
	device, inode uint64
	changeTime    int64
}

// identity is the identity of a file this build wrote, as it was once its
// last link was made; ok is false for any other. A change since gives
// another, which the next build's snapshot check sees.
func (w writtenFile) identity() (id fileID, ok bool) {
	if w.inode == 0 {
		return fileID{}, false
	}
	return fileID{Present: true, Device: w.device, Inode: w.inode, Size: w.Size, ModTime: w.ModTime, ChgTime: w.changeTime}, true
}

// openOutput creates dir if needed, takes its lock and reads its state.
func openOutput(dir string, wait time.Duration) (*output, error) {
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the output directory: %w", err)
	}
	o := &output{dir: dir, lock: filepath.Join(dir, stateDir, "lock")}
	if err := o.acquire(wait); err != nil {
		return nil, err
	}
	o.readState()
	return o, nil
}

// readState reads what the last builds wrote (state.json).
func (o *output) readState() {
	data, err := os.ReadFile(o.statePath("state.json"))
	state, ok := readStateTable(data)
	if err != nil || !ok {
		state = stateTable{changed: true} // missing or damaged: it only costs rewrites
	}
	o.state = state
}

// path is the host path of an output-relative path.
func (o *output) path(rel string) string { return filepath.Join(o.dir, filepath.FromSlash(rel)) }

// statePath is the host path of a file in the state directory.
func (o *output) statePath(name string) string { return filepath.Join(o.dir, stateDir, name) }

// fileStamp is what a written file looks like on disk: while a path still
// has it, it holds the bytes assetc wrote there.
type fileStamp struct {
	Size    int64
	ModTime int64 // nanoseconds
	// Device, Inode and ChangeTime complete the identity of a file this
	// build wrote (newFile.finish); Inode is 0 for any other.
	Device, Inode uint64
	ChangeTime    int64
}

// writeGroup writes the output files that hold one content, plan.Files at
// the indices of group: the bytes once, then hard links. A path that
// existed before this build is replaced by a rename (readers see the old
// bytes or the new ones, and linked paths never change together); a new
// path is created in place (see writeContent).
//
// group is the caller's own slice (groupByContent's), which writeGroup
// reorders: the files to write and those linked are kept in its array, by
// index, since copies of their PlanFiles were ~100 MB of garbage at
// 100,000 files, made while the heap is largest.
func (o *output) writeGroup(plan *core.Plan, group []int32) (written, unchanged int, err error) {
	files := plan.Files
	todo := group[:0]                  // in order; each is read before its slot is written
	linkFrom, stamp := "", fileStamp{} // a path of this build that holds the content
	for _, n := range group {
		if s, ok := o.fileUpToDate(files[n]); ok {
			unchanged++
			if linkFrom == "" {
				linkFrom, stamp = files[n].Path, s
			}
			continue
		}
		todo = append(todo, n)
	}
	var content newFile // the content when this group wrote it, open until linked
	first := int32(-1)  // the file it was written for
	if linkFrom == "" && len(todo) > 0 {
		// The bytes go first to a path no reader can know yet, if any.
		i := 0
		for j, n := range todo {
			if o.unknownToReaders(files[n]) {
				i = j
				break
			}
		}
		first = todo[i]
		copy(todo[1:i+1], todo[:i]) // the others keep their order
		todo = todo[1:]
		if content, err = o.writeContent(plan, files[first]); err != nil {
			return written, unchanged, err
		}
		defer content.discard()
		linkFrom = files[first].Path
		written++
	}
	linked := todo[:0] // the files linked to content, in todo's array
	var from string    // linkFrom's host path, made once for every link
	if len(todo) > 0 {
		from = o.path(linkFrom)
	}
	for _, n := range todo {
		f := &files[n]
		if o.link(from, f.Path) == nil {
			if first >= 0 {
				linked = append(linked, n)
			} else {
				o.record(f.Path, f.MD5, stamp) // a hard link has its file's size and mtime
			}
			written++
			continue
		}
		file, err := o.writeContent(plan, *f) // no hard links here: a copy
		if err != nil {
			return written, unchanged, err
		}
		s, err := file.finish()
		if err != nil {
			return written, unchanged, fmt.Errorf("cannot write %s: %w", o.path(f.Path), err)
		}
		o.record(f.Path, f.MD5, s)
		written++
	}
	if first >= 0 {
		// After the links: each moved the file's ctime.
		s, err := content.finish()
		if err != nil {
			return written, unchanged, fmt.Errorf("cannot write %s: %w", o.path(linkFrom), err)
		}
		o.record(linkFrom, files[first].MD5, s)
		for _, n := range linked {
			o.record(files[n].Path, files[n].MD5, s) // a hard link has its file's identity
		}
	}
	return written, unchanged, nil
}

// unknownToReaders reports whether no reader can ask for a path before this
// build commits: a hashed name that did not exist when the build started
// (its name is published by the manifest switch). Such a path is written in
// place; a killed or failed build removes it (it is pending).
func (o *output) unknownToReaders(f core.PlanFile) bool {
	return f.Hashed && f.Path != f.LogicalPath && o.isFresh(f.Path)
}

// upToDate reports whether rel still holds the bytes with the given MD5, by
// the state of the last write: content decides, not which file is newer.
func (o *output) upToDate(rel, sum string) (fileStamp, bool) {
	o.mu.Lock()
	w, ok := o.state.get(rel)
	o.mu.Unlock()
	if !ok || w.MD5 != sum || o.distrusted[sum] {
		return fileStamp{}, false
	}
	stamp, regular, err := lstamp(o.path(rel))
	return stamp, err == nil && regular && stamp.Size == w.Size && stamp.ModTime == w.ModTime
}

// fileUpToDate is upToDate for a planned file, which needs no look when
// the snapshot check proved it as the last build left it (the lock kept
// every build away since).
func (o *output) fileUpToDate(f core.PlanFile) (fileStamp, bool) {
	if o.proven.outputOfLast(f) {
		o.mu.Lock()
		w, ok := o.state.get(f.Path)
		o.mu.Unlock()
		if ok && w.MD5 == f.MD5 {
			return fileStamp{Size: w.Size, ModTime: w.ModTime}, true
		}
	}
	return o.upToDate(f.Path, f.MD5)
}

// tmpName is the temporary name beside an output path.
func tmpName(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+tmpSuffix)
}

// writeContent writes one file's bytes at its path: in place when no reader
// can know the path yet, else to a temporary file beside it that is renamed
// into place. A source whose bytes are written unchanged is copied by the
// kernel when it is still the file planned; otherwise the bytes come from
// Plan.WithContent, which checks them against the planned MD5. The file is
// left open for newFile.finish.
func (o *output) writeContent(plan *core.Plan, f core.PlanFile) (newFile, error) {
	target := o.path(f.Path)
	if err := o.mkdirAll(filepath.Dir(target)); err != nil {
		return newFile{}, err
	}
	inPlace := o.unknownToReaders(f)
	dest := target
	if !inPlace {
		dest = tmpName(target)
	}
	file, err := newFile{}, errCannotCopy
	if info, ok := plan.SourceInfo(f); ok {
		file, err = copyNewFile(dest, f.SourcePath, info, inPlace)
	}
	if errors.Is(err, errCannotCopy) {
		// The bytes are written and dropped: WithContent gives back the
		// copy it made for them.
		var werr error
		if cerr := plan.WithContent(f, func(data []byte) error {
			file, werr = writeNewFile(dest, data, inPlace)
			return nil
		}); cerr != nil {
			return newFile{}, cerr
		}
		err = werr
	}
	if err == nil && !inPlace {
		if err = os.Rename(dest, target); err != nil {
			file.discard()
		}
	}
	if err != nil {
		if !inPlace || !errors.Is(err, fs.ErrExist) { // never remove what another wrote
			os.Remove(dest)
		}
		return newFile{}, fmt.Errorf("cannot write %s: %w", target, err)
	}
	return file, nil
}

// isFresh reports whether this build creates rel (see output.fresh).
func (o *output) isFresh(rel string) bool {
	_, found := slices.BinarySearch(o.fresh, rel)
	return found
}

// link makes rel a hard link to from, the host path of a file already
// written: directly at a new path (link(2) creates it whole), through a
// temporary name and a rename at an existing one.
func (o *output) link(from, rel string) error {
	target := o.path(rel)
	if err := o.mkdirAll(filepath.Dir(target)); err != nil {
		return err
	}
	if o.isFresh(rel) {
		return os.Link(from, target)
	}
	tmp := tmpName(target)
	os.Remove(tmp)
	if err := os.Link(from, tmp); err != nil {
		return err // the caller writes a copy instead
	}
	err := os.Rename(tmp, target)
	// A rename onto another link of the same file does nothing (POSIX):
	// tmp is removed in every case.
	os.Remove(tmp)
	return err
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
func (o *output) record(rel, sum string, stamp fileStamp) {
	o.mu.Lock()
	// Only a build compared with the last one through the snapshot check's
	// proof (proven) reads written: the map of every path written was
	// 12 MB at 100,000 files. (state.json is written from the state alone:
	// see stateTable.write.)
	if o.proven != nil {
		if o.written == nil {
			o.written = map[string]string{}
		}
		if _, again := o.written[rel]; !again {
			old, _ := o.state.get(rel)
			o.written[rel] = old.MD5
		}
	}
	o.state.put(rel, writtenFile{MD5: sum, Size: stamp.Size, ModTime: stamp.ModTime, device: stamp.Device, inode: stamp.Inode, changeTime: stamp.ChangeTime})
	o.mu.Unlock()
}

// writeFileStream is writeFileAtomic for a file written a piece at a time:
// the records of 100,000 files are tens of MB each, which a build need not
// hold at once.
func writeFileStream(path string, write func(w io.Writer) error) error {
	tmp := path + tmpSuffix
	f, err := os.Create(tmp)
	if err == nil {
		buffered := bufio.NewWriterSize(f, 64<<10)
		err = write(buffered)
		if err == nil {
			err = buffered.Flush()
		}
		if closeErr := f.Close(); err == nil {
			err = closeErr
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes a whole file through a temporary name and a rename.
func writeFileAtomic(path string, content []byte) error {
	tmp := path + tmpSuffix
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
