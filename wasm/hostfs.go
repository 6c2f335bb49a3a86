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
// follow links the way core.OSFileSystem does.

// Status codes of fs_stat.
const (
	statOK       = 0
	statNotFound = 1 // also "a path component is not a directory" (ENOTDIR)
	statFailed   = 2
)

// Negative results of fs_read and fs_read_dir.
const (
	readNotFound = -1
	readFailed   = -2
)

// statRecordSize is the size of what fs_stat writes: size i64, mtime_ns i64,
// is_dir u32, 4 bytes of padding (so the record stays 8-byte aligned).
const statRecordSize = 24

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
	// stat writes a 24-byte record into out and returns a status code.
	stat(path string, out []byte) int32
	// read returns the size of the file and copies it into buf only if it
	// fits; a negative result is readNotFound or readFailed.
	read(path string, buf []byte) int64
	// readDir is read for a directory listing (see decodeDirEntries).
	readDir(path string, buf []byte) int64
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
		return core.FileInfo{
			Size:    int64(binary.LittleEndian.Uint64(record[0:8])),
			ModTime: int64(binary.LittleEndian.Uint64(record[8:16])),
			IsDir:   binary.LittleEndian.Uint32(record[16:20]) != 0,
		}, nil
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

// decodeDirEntries parses fs_read_dir's listing: for each entry a type byte
// ('d' for a directory, after following symlinks; 'f' for anything else),
// the name, and a NUL.
func decodeDirEntries(listing []byte) ([]core.DirEntry, error) {
	var entries []core.DirEntry
	for len(listing) > 0 {
		kind := listing[0]
		if kind != 'd' && kind != 'f' {
			return nil, fmt.Errorf("bad directory listing from the host: entry type %q", kind)
		}
		name, rest, found := bytes.Cut(listing[1:], []byte{0})
		if !found || len(name) == 0 {
			return nil, fmt.Errorf("bad directory listing from the host: unterminated or empty name")
		}
		entries = append(entries, core.DirEntry{Name: string(name), IsDir: kind == 'd'})
		listing = rest
	}
	return entries, nil
}
