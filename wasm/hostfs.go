package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"sync"

	"github.com/assetc/assetc/core"
)

// The guest reads no file itself: every file operation is an import from
// the host module "assetc_host" (see README.md, "Host I/O"). wasmtime's WASI
// preopens refuse symlinks that are absolute or leave the preopened
// directory, and a distribution-packaged Django ships its admin files as
// exactly such symlinks; with host I/O both hosts read files natively and
// follow links the way core.OSFileSystem does, and core decides which links
// may be followed (by default none that leave a root) from fs_real_path.

// Status codes of fs_stat.
const (
	statOK       = 0
	statNotFound = 1 // also "a path component is not a directory" (ENOTDIR)
	statFailed   = 2
)

// Negative results of fs_read, fs_read_dir and fs_real_path.
const (
	readNotFound   = -1
	readFailed     = -2
	readNotRegular = -3 // fs_read only: a FIFO, device or socket, not opened for reading
)

// statRecordSize is the size of what fs_stat writes (ABI 3): size i64,
// mtime_ns i64, kind u32 (a core.FileKind: 0 regular, 1 directory, 2 FIFO,
// 3 socket, 4 device, 5 other), reserved u32 (0), device u64, inode u64,
// ctime_ns i64.
const statRecordSize = 48

// encodeStat writes a stat record; hosts written in Go (the tests' wazero
// host) use it, and decodeStat is its inverse.
func encodeStat(info core.FileInfo) [statRecordSize]byte {
	var record [statRecordSize]byte
	binary.LittleEndian.PutUint64(record[0:], uint64(info.Size))
	binary.LittleEndian.PutUint64(record[8:], uint64(info.ModTime))
	binary.LittleEndian.PutUint32(record[16:], uint32(info.Kind))
	binary.LittleEndian.PutUint64(record[24:], info.Device)
	binary.LittleEndian.PutUint64(record[32:], info.Inode)
	binary.LittleEndian.PutUint64(record[40:], uint64(info.ChangeTime))
	return record
}

// decodeStat reads a stat record.
func decodeStat(record []byte) (core.FileInfo, error) {
	kind := binary.LittleEndian.Uint32(record[16:20])
	if kind > uint32(core.KindOther) {
		return core.FileInfo{}, fmt.Errorf("bad stat record from the host: kind %d", kind)
	}
	return core.FileInfo{
		Size:       int64(binary.LittleEndian.Uint64(record[0:8])),
		ModTime:    int64(binary.LittleEndian.Uint64(record[8:16])),
		Kind:       core.FileKind(kind),
		Device:     binary.LittleEndian.Uint64(record[24:32]),
		Inode:      binary.LittleEndian.Uint64(record[32:40]),
		ChangeTime: int64(binary.LittleEndian.Uint64(record[40:48])),
	}, nil
}

// scratchSize is the buffer the first attempt of every read uses. A read
// whose result does not fit costs a second host call, so it is sized above
// almost every static file; reusing it keeps the guest heap from churning.
const scratchSize = 1 << 20

// maxReadAttempts bounds the retries of a read whose file keeps growing
// between the host's answer and the guest's next try.
const maxReadAttempts = 4

// hostFunctions is the raw import surface, separated from its wasm
// declarations (imports_wasip1.go) so that the decoding below is tested
// natively against a fake host.
type hostFunctions interface {
	// stat writes a statRecordSize-byte record into out and returns a status code.
	stat(path string, out []byte) int32
	// read returns the size of the file and copies it into buf only if it
	// fits; a negative result is readNotFound, readFailed or readNotRegular.
	read(path string, buf []byte) int64
	// readDir is read for a directory listing (see decodeDirEntries).
	readDir(path string, buf []byte) int64
	// realPath is read for the path with every symlink resolved.
	realPath(path string, buf []byte) int64
}

// hostFileSystem is the core.FileSystem of the guest.
type hostFileSystem struct {
	host hostFunctions

	// mu guards scratch, because core may read from several goroutines.
	mu      sync.Mutex
	scratch []byte
}

// newHostFileSystem returns a file system that reads through host.
func newHostFileSystem(host hostFunctions) *hostFileSystem {
	return &hostFileSystem{host: host}
}

// Stat implements core.FileSystem.
func (h *hostFileSystem) Stat(path string) (core.FileInfo, error) {
	var record [statRecordSize]byte
	switch status := h.host.stat(path, record[:]); status {
	case statOK:
		info, err := decodeStat(record[:])
		if err != nil {
			return info, &fs.PathError{Op: "stat", Path: path, Err: err}
		}
		return info, nil
	case statNotFound:
		return core.FileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
	default:
		return core.FileInfo{}, &fs.PathError{Op: "stat", Path: path, Err: fmt.Errorf("the host could not stat it (status %d)", status)}
	}
}

// ReadFile implements core.FileSystem.
func (h *hostFileSystem) ReadFile(path string) ([]byte, error) {
	return h.readAll("read", path, h.host.read)
}

// RealPath implements core.FileSystem.
func (h *hostFileSystem) RealPath(path string) (string, error) {
	real, err := h.readAll("realpath", path, h.host.realPath)
	if err != nil {
		return "", err
	}
	return string(real), nil
}

// ReadDir implements core.FileSystem.
func (h *hostFileSystem) ReadDir(path string) ([]core.DirEntry, error) {
	listing, err := h.readAll("readdir", path, h.host.readDir)
	if err != nil {
		return nil, err
	}
	entries, err := decodeDirEntries(listing)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: path, Err: err}
	}
	return entries, nil
}

// readAll runs the host's size-then-copy protocol: try the scratch buffer,
// and if the result is bigger, retry with a buffer of the size the host
// reported. The result is a fresh slice the caller owns.
func (h *hostFileSystem) readAll(op, path string, call func(string, []byte) int64) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.scratch == nil {
		h.scratch = make([]byte, scratchSize)
	}
	buf, inScratch := h.scratch, true
	for range maxReadAttempts {
		n := call(path, buf)
		switch {
		case n == readNotFound:
			return nil, &fs.PathError{Op: op, Path: path, Err: fs.ErrNotExist}
		case n == readNotRegular:
			return nil, &fs.PathError{Op: op, Path: path, Err: core.ErrNotRegular}
		case n < 0:
			return nil, &fs.PathError{Op: op, Path: path, Err: fmt.Errorf("the host could not read it (status %d)", n)}
		case n <= int64(len(buf)):
			if inScratch {
				return bytes.Clone(buf[:n]), nil // the next read reuses scratch
			}
			return buf[:n], nil
		}
		// Too big for buf: the host told us the size; ask again with room
		// for it. A file that grew in between takes another round.
		buf, inScratch = make([]byte, n), false
	}
	return nil, &fs.PathError{Op: op, Path: path, Err: fmt.Errorf("the file kept changing size during %d reads", maxReadAttempts)}
}

// Type bytes of a directory listing entry: what the entry is after
// following a symlink, in upper case when the entry is a symlink.
const (
	entryDirectory = 'd'
	entryRegular   = 'f'
	entryOther     = 'o' // a FIFO, socket or device
)

// encodeDirEntry appends one listing entry; decodeDirEntries is its inverse.
func encodeDirEntry(listing []byte, e core.DirEntry) []byte {
	kind := byte(entryOther)
	switch e.Kind {
	case core.KindDirectory:
		kind = entryDirectory
	case core.KindRegular:
		kind = entryRegular
	}
	if e.IsSymlink {
		kind -= 'a' - 'A'
	}
	return append(append(append(listing, kind), e.Name...), 0)
}

// decodeDirEntries parses fs_read_dir's listing: for each entry a type byte
// ('d' directory, 'f' regular file, 'o' anything else, after following
// symlinks; upper case when the entry is a symlink), the name, and a NUL.
func decodeDirEntries(listing []byte) ([]core.DirEntry, error) {
	var entries []core.DirEntry
	for len(listing) > 0 {
		kind := listing[0]
		isSymlink := kind >= 'A' && kind <= 'Z'
		if isSymlink {
			kind += 'a' - 'A'
		}
		var entry core.DirEntry
		switch kind {
		case entryDirectory:
			entry.Kind = core.KindDirectory
		case entryRegular:
			entry.Kind = core.KindRegular
		case entryOther:
			entry.Kind = core.KindOther
		default:
			return nil, fmt.Errorf("bad directory listing from the host: entry type %q", listing[0])
		}
		name, rest, found := bytes.Cut(listing[1:], []byte{0})
		if !found || len(name) == 0 {
			return nil, fmt.Errorf("bad directory listing from the host: unterminated or empty name")
		}
		entry.Name, entry.IsSymlink = string(name), isSymlink
		entries = append(entries, entry)
		listing = rest
	}
	return entries, nil
}
