package core

import (
	"errors"
	"io/fs"
	"os"
)

// FileSystem is everything the engine needs from the files it reads. Paths
// are the host's paths, as given in Root.Dir, joined with "/".
//
// Implementations follow symbolic links, including links that point outside a
// root: a distribution-packaged Django ships its admin files as symlinks into
// /usr/share, and Django's own finders read them.
type FileSystem interface {
	// ReadDir lists a directory. An entry's IsDir describes what a symlink
	// points to, not the link itself.
	ReadDir(path string) ([]DirEntry, error)
	// ReadFile returns the whole content of a file.
	ReadFile(path string) ([]byte, error)
	// Stat describes a file or directory. A missing path returns an error for
	// which errors.Is(err, fs.ErrNotExist) holds.
	Stat(path string) (FileInfo, error)
}

// DirEntry is one name in a directory listing.
type DirEntry struct {
	Name  string
	IsDir bool
}

// FileInfo is what the engine remembers about a file to notice that it
// changed: a file whose size and modification time are unchanged is taken to
// be unchanged (the same trade-off git's index makes).
type FileInfo struct {
	Size    int64
	ModTime int64 // nanoseconds since the Unix epoch
	IsDir   bool
}

// OSFileSystem reads the host's file system through package os.
type OSFileSystem struct{}

// ReadDir implements FileSystem.
func (OSFileSystem) ReadDir(path string) ([]DirEntry, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, 0, len(entries))
	for _, entry := range entries {
		isDir := entry.IsDir()
		if entry.Type()&fs.ModeSymlink != 0 {
			// Django's listdir uses os.scandir's is_dir(), which follows links.
			info, err := os.Stat(path + "/" + entry.Name())
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // a dangling link is no file; Django skips it too
				}
				return nil, err
			}
			isDir = info.IsDir()
		}
		out = append(out, DirEntry{Name: entry.Name(), IsDir: isDir})
	}
	return out, nil
}

// ReadFile implements FileSystem.
func (OSFileSystem) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

// Stat implements FileSystem.
func (OSFileSystem) Stat(path string) (FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Size: info.Size(), ModTime: info.ModTime().UnixNano(), IsDir: info.IsDir()}, nil
}
