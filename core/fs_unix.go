//go:build unix

package core

import (
	"fmt"
	"io"
	"io/fs"
	"syscall"
)

// openNonBlocking makes opening a FIFO return at once instead of waiting for
// a writer; it changes nothing for a regular file.
const openNonBlocking = syscall.O_NONBLOCK

// fileIdentity is the (device, inode) pair of a file.
func fileIdentity(info fs.FileInfo) (uint64, uint64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino) //nolint:unconvert // int32 on some platforms
	}
	return 0, 0
}

// readRegularFile reads a whole regular file with plain system calls:
// os.File would register it with the runtime's poller first (an fcntl and
// a failing epoll_ctl per file, a tenth of a cold build's system calls).
func readRegularFile(path string) ([]byte, error) { return readRegularFileInto(path, nil) }

// readRegularFileInto is readRegularFile into buf when it has room for the
// file and one byte more, else into a new buffer of that size.
func readRegularFileInto(path string, buf []byte) ([]byte, error) {
	fd, st, err := openRegularFile(path)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	return readOpenFile(fd, path, st.Size, buf)
}

// readOpenFile reads an open regular file of the given size (fstat's) to
// its end, into buf when it has room for the file and one byte more.
func readOpenFile(fd int, path string, size int64, buf []byte) ([]byte, error) {
	// Read what fstat reported plus whatever a writer appends meanwhile;
	// the buffer is sized once, so memory is the file's size.
	data := buf[:0]
	if int64(cap(buf)) < size+1 {
		data = make([]byte, 0, size+1)
	}
	for {
		n, err := syscall.Read(fd, data[len(data):cap(data)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return data, nil
		}
		data = data[:len(data)+n]
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// digestRegularFile writes a regular file's bytes to w a buffer at a time
// (see digestBuffers), checked as readRegularFile checks them.
func digestRegularFile(path string, w io.Writer) error {
	fd, _, err := openRegularFile(path)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	buf := digestBuffers.Get().(*[]byte)
	defer digestBuffers.Put(buf)
	for {
		n, err := syscall.Read(fd, *buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return nil
		}
		w.Write((*buf)[:n]) // hashes never fail
	}
}

// openRegularFile opens a file for reading if it is a regular file,
// without blocking on a FIFO.
func openRegularFile(path string) (int, syscall.Stat_t, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|openNonBlocking, 0)
		if err != syscall.EINTR {
			break
		}
	}
	var st syscall.Stat_t
	if err != nil {
		return 0, st, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return 0, st, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		var kind FileKind
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFDIR:
			kind = KindDirectory
		case syscall.S_IFIFO:
			kind = KindFIFO
		case syscall.S_IFSOCK:
			kind = KindSocket
		case syscall.S_IFCHR, syscall.S_IFBLK:
			kind = KindDevice
		default:
			kind = KindOther
		}
		return 0, st, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is a %s", ErrNotRegular, kind)}
	}
	return fd, st, nil
}
