package writer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	state map[string]writtenFile // output-relative path -> what was written
	dirs  sync.Map               // directories known to exist
}

// writtenFile identifies the bytes assetc last wrote to a path: if the file
// still has this size and modification time, it still holds them. For a
// precompressed variant, MD5 is its compress.Key (what it was made from and
// how), which identifies its bytes just as well.
type writtenFile struct {
	MD5     string `json:"md5"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime"`
}

// openOutput creates dir if needed, takes its lock and reads its state.
func openOutput(dir string, wait time.Duration) (*output, error) {
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the output directory: %w", err)
	}
	o := &output{dir: dir, lock: filepath.Join(dir, stateDir, "lock"), state: map[string]writtenFile{}}
	if err := o.acquire(wait); err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(o.statePath("state.json")); err == nil {
		_ = json.Unmarshal(data, &o.state) // a damaged state only costs rewrites
	}
	return o, nil
}

// path is the host path of an output-relative path.
func (o *output) path(rel string) string { return filepath.Join(o.dir, filepath.FromSlash(rel)) }

// statePath is the host path of a file in the state directory.
func (o *output) statePath(name string) string { return filepath.Join(o.dir, stateDir, name) }

// writeGroup writes the output files that hold one content: the bytes once,
// then hard links (each later write renames a new file into place, so the
// linked paths never change together).
func (o *output) writeGroup(plan *core.Plan, group []core.PlanFile) (written, unchanged int, err error) {
	var data []byte
	linkFrom := "" // a path of this build that holds the content
	for _, f := range group {
		if o.upToDate(f.Path, f.MD5) {
			unchanged++
			if linkFrom == "" {
				linkFrom = f.Path
			}
			continue
		}
		if linkFrom != "" && o.linkAtomic(linkFrom, f.Path, f.MD5) == nil {
			written++
			continue
		}
		if data == nil {
			if data, err = plan.Content(f); err != nil {
				return written, unchanged, err
			}
		}
		if err := o.writeAtomic(f.Path, data, f.MD5); err != nil {
			return written, unchanged, err
		}
		linkFrom = f.Path
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
	info, err := os.Lstat(o.path(rel))
	return err == nil && info.Mode().IsRegular() && info.Size() == w.Size && info.ModTime().UnixNano() == w.ModTime
}

// tmpName is the temporary name beside an output path.
func tmpName(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+tmpSuffix)
}

// writeAtomic writes content to a temporary file beside rel and renames it
// into place: readers see the old bytes or the new ones, never a mix.
func (o *output) writeAtomic(rel string, content []byte, sum string) error {
	target := o.path(rel)
	if err := o.mkdirAll(filepath.Dir(target)); err != nil {
		return err
	}
	tmp := tmpName(target)
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
	target := o.path(rel)
	if err := o.mkdirAll(filepath.Dir(target)); err != nil {
		return err
	}
	tmp := tmpName(target)
	os.Remove(tmp)
	if err := os.Link(o.path(from), tmp); err != nil {
		return err // the caller writes a copy instead
	}
	info, err := os.Stat(tmp)
	if err == nil {
		err = os.Rename(tmp, target)
	}
	// A rename onto another link of the same file does nothing (POSIX):
	// tmp is removed in every case.
	os.Remove(tmp)
	if err != nil {
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
	o.mu.Unlock()
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
