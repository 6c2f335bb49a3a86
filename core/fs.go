package core

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileSystem is everything the engine needs from the files it reads. Paths
// are the host's paths, as given in Root.Dir, joined with "/".
//
// Implementations follow symbolic links wherever they point; whether a link
// may be followed is the engine's rule (symlinks.go), decided from RealPath:
// by default a link may not leave its source root.
type FileSystem interface {
	// ReadDir lists a directory. An entry's Kind describes what a symlink
	// points to; IsSymlink tells that it is one. Dangling links are left out.
	ReadDir(path string) ([]DirEntry, error)
	// ReadFile returns the whole content of a regular file. Anything else
	// (a FIFO, a device, a socket) fails with an error for which
	// errors.Is(err, ErrNotRegular) holds, without blocking and without
	// reading from it: a FIFO would block forever and /dev/zero never ends.
	ReadFile(path string) ([]byte, error)
	// Stat describes a file or directory, following links. A missing path
	// returns an error for which errors.Is(err, fs.ErrNotExist) holds.
	Stat(path string) (FileInfo, error)
	// RealPath returns the path with every symbolic link resolved (absolute,
	// "/"-separated, like Python's os.path.realpath(strict=True)). A missing
	// path returns an error for which errors.Is(err, fs.ErrNotExist) holds.
	RealPath(path string) (string, error)
}

// ErrNotRegular is the error of reading something that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// FileKind is what a path is, after following symbolic links.
type FileKind uint8

// The kinds of file. Only regular files are read; directories are listed.
const (
	KindRegular FileKind = iota
	KindDirectory
	KindFIFO
	KindSocket
	KindDevice
	KindOther
)

// String names the kind for diagnostics.
func (k FileKind) String() string {
	switch k {
	case KindRegular:
		return "regular file"
	case KindDirectory:
		return "directory"
	case KindFIFO:
		return "named pipe (FIFO)"
	case KindSocket:
		return "socket"
	case KindDevice:
		return "device"
	}
	return "special file"
}

// kindOf classifies an os.FileMode.
func kindOf(mode fs.FileMode) FileKind {
	switch {
	case mode.IsRegular():
		return KindRegular
	case mode.IsDir():
		return KindDirectory
	case mode&fs.ModeNamedPipe != 0:
		return KindFIFO
	case mode&fs.ModeSocket != 0:
		return KindSocket
	case mode&fs.ModeDevice != 0:
		return KindDevice
	}
	return KindOther
}

// DirEntry is one name in a directory listing.
type DirEntry struct {
	Name string
	// Kind is what the entry is after following a symbolic link.
	Kind FileKind
	// IsSymlink tells that the entry itself is a symbolic link.
	IsSymlink bool
}

// IsDir reports whether the entry is (or links to) a directory.
func (e DirEntry) IsDir() bool { return e.Kind == KindDirectory }

// FileInfo is what the engine remembers about a file to notice that it
// changed: a file whose size, modification time, change time, device and
// inode are unchanged is taken to be unchanged (the trade-off git's index
// makes; the ctime catches an mtime set back, since no program can set it).
type FileInfo struct {
	Size    int64
	ModTime int64 // nanoseconds since the Unix epoch
	Kind    FileKind
	// Device and Inode identify a directory, so that a walk recognises a
	// directory it is already inside (a symlink loop). Both are 0 where the
	// host cannot tell.
	Device, Inode uint64
	// ChangeTime is the ctime in nanoseconds (0 where the host cannot
	// tell): unlike ModTime, no program can set it back after an edit.
	ChangeTime int64
}

// IsDir reports whether the path is (or links to) a directory.
func (i FileInfo) IsDir() bool { return i.Kind == KindDirectory }

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
		e := DirEntry{Name: entry.Name(), Kind: kindOf(entry.Type())}
		if entry.Type()&fs.ModeSymlink != 0 {
			// Django's listdir uses os.scandir's is_dir(), which follows links.
			info, err := os.Stat(path + "/" + entry.Name())
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // a dangling link is no file; Django skips it too
				}
				return nil, err
			}
			e.Kind, e.IsSymlink = kindOf(info.Mode()), true
		}
		out = append(out, e)
	}
	return out, nil
}

// ReadFile implements FileSystem. The file is opened without blocking (a
// FIFO swapped in after a Stat would otherwise block the open) and checked
// with fstat before a byte is read (readRegularFile, per platform).
func (OSFileSystem) ReadFile(path string) ([]byte, error) {
	return readRegularFile(path)
}

// digestBuffers are the buffers digestRegularFile reads through: one per file
// being hashed at once (a worker's), reused across files.
var digestBuffers = sync.Pool{New: func() any {
	buf := make([]byte, 64<<10)
	return &buf
}}

// sourceBuffers are the buffers host CSS/JS sources are read into while
// they are hashed and scanned (Project.load): most are not kept (only a
// file with a reference to rewrite is, and then copied out), and a new
// buffer per file was most of what a cold build allocated, and most of its
// garbage collections. Nothing in them outlives a read (each read
// overwrites its buffer, and bytes a node keeps are copied out first:
// TestSourceBuffersKeepNoAlias). What bounds them: one per file being read
// at once, buffers over maxSourceBuffer are not kept, and sync.Pool drops
// them at a garbage collection anyway (TestSourceBuffersBounded).
var sourceBuffers sync.Pool

// maxSourceBuffer is the largest buffer sourceBuffers keeps.
const maxSourceBuffer = 4 << 20

// readSource reads a host source file into a pooled buffer; release
// returns the buffer once nothing refers to the bytes any more.
func readSource(path string) (content []byte, release func(), err error) {
	buf := getSourceBuffer()
	content, err = readRegularFileInto(path, *buf)
	if err != nil {
		sourceBuffers.Put(buf)
		return nil, func() {}, err
	}
	return content, func() { putSourceBuffer(buf, content) }, nil
}

// getSourceBuffer takes a buffer from sourceBuffers (empty if none).
func getSourceBuffer() *[]byte {
	buf, _ := sourceBuffers.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	return buf
}

// putSourceBuffer gives buf back to sourceBuffers with content, the bytes
// last read into it (perhaps a larger buffer of their own), unless it is
// over maxSourceBuffer.
func putSourceBuffer(buf *[]byte, content []byte) {
	if cap(content) <= maxSourceBuffer {
		*buf = content[:0]
		sourceBuffers.Put(buf)
	}
}

// Stat implements FileSystem.
func (OSFileSystem) Stat(path string) (FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return FileInfo{}, err
	}
	device, inode := fileIdentity(info)
	return FileInfo{Size: info.Size(), ModTime: info.ModTime().UnixNano(), Kind: kindOf(info.Mode()), Device: device, Inode: inode, ChangeTime: changeTime(info)}, nil
}

// RealPath implements FileSystem.
func (OSFileSystem) RealPath(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(abs), nil
}
