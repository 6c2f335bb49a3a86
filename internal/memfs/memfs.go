// Package memfs is an in-memory core.FileSystem, so engine tests can be
// tables of source trees that never touch the disk.
package memfs

import (
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/assetc/assetc/core"
)

// FS holds files by absolute "/" path. Directories are implied by the files
// under them. Every file has the same modification time, ModTime.
type FS struct {
	// FileSystem is nil: methods a later core.FileSystem adds are promoted
	// from it, so this type keeps compiling, and a test that reaches one
	// panics, naming the method to add here.
	core.FileSystem
	files   map[string][]byte
	ModTime int64
}

// New returns a file system holding files (absolute path -> content).
func New(files map[string]string) *FS {
	m := &FS{files: map[string][]byte{}, ModTime: 1}
	for name, content := range files {
		m.files[path.Clean(name)] = []byte(content)
	}
	return m
}

// isDir reports whether some file lies under dir.
func (m *FS) isDir(dir string) bool {
	prefix := strings.TrimSuffix(path.Clean(dir), "/") + "/"
	for name := range m.files {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// ReadDir implements core.FileSystem.
func (m *FS) ReadDir(dir string) ([]core.DirEntry, error) {
	dir = path.Clean(dir)
	if !m.isDir(dir) {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	seen := map[string]bool{}
	var out []core.DirEntry
	for name := range m.files {
		rest, ok := strings.CutPrefix(name, strings.TrimSuffix(dir, "/")+"/")
		if !ok {
			continue
		}
		first, _, nested := strings.Cut(rest, "/")
		if !seen[first] {
			seen[first] = true
			kind := core.KindRegular
			if nested {
				kind = core.KindDirectory
			}
			out = append(out, core.DirEntry{Name: first, Kind: kind})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ReadFile implements core.FileSystem.
func (m *FS) ReadFile(name string) ([]byte, error) {
	data, ok := m.files[path.Clean(name)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return append([]byte(nil), data...), nil
}

// Stat implements core.FileSystem.
func (m *FS) Stat(name string) (core.FileInfo, error) {
	if data, ok := m.files[path.Clean(name)]; ok {
		return core.FileInfo{Size: int64(len(data)), ModTime: m.ModTime}, nil
	}
	if m.isDir(name) {
		return core.FileInfo{Kind: core.KindDirectory, ModTime: m.ModTime}, nil
	}
	return core.FileInfo{}, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// RealPath implements core.FileSystem: this file system has no symbolic
// links, so a path that exists is its own real path.
func (m *FS) RealPath(name string) (string, error) {
	name = path.Clean(name)
	if _, ok := m.files[name]; ok || m.isDir(name) {
		return name, nil
	}
	return "", &fs.PathError{Op: "realpath", Path: name, Err: fs.ErrNotExist}
}
