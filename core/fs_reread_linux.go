package core

import (
	"io/fs"
	"syscall"
)

// readRegularFileAgain reads a regular file and reports whether, once read,
// it still has the identity planned (size, mtime, ctime, device, inode):
// fstat after the read, so a write during the read is seen too (it sets
// the ctime, which no call sets back). It reads into buf as
// readRegularFileInto does.
func readRegularFileAgain(path string, planned FileInfo, buf []byte) (data []byte, same bool, err error) {
	fd, st, err := openRegularFile(path)
	if err != nil {
		return nil, false, err
	}
	defer syscall.Close(fd)
	before := FileInfo{Size: st.Size, ModTime: st.Mtim.Nano(), ChangeTime: st.Ctim.Nano(),
		Device: uint64(st.Dev), Inode: uint64(st.Ino)} //nolint:unconvert // narrower on some platforms
	if !sameIdentity(before, planned) {
		// Changed since planning: the caller checks whatever it holds now.
		data, err = readOpenFile(fd, path, st.Size, buf)
		return data, false, err
	}
	if data, err = readPlannedSize(fd, path, st.Size, buf); err != nil {
		return nil, false, err
	}
	if syscall.Fstat(fd, &st) != nil {
		return data, false, nil // not proven: the caller checks the bytes
	}
	after := FileInfo{Size: st.Size, ModTime: st.Mtim.Nano(), ChangeTime: st.Ctim.Nano(),
		Device: uint64(st.Dev), Inode: uint64(st.Ino)} //nolint:unconvert // narrower on some platforms
	return data, int64(len(data)) == st.Size && sameIdentity(after, planned), nil
}

// readPlannedSize reads the size bytes fstat reported, into buf when it
// has room, without the read that would find the end of the file: a file
// re-read at 100,000 files paid that extra system call for each CSS/JS
// file over the budget, twice. Bytes appended meanwhile are not read; the
// fstat after the read sees them (size and ctime), so the caller does not
// take what it read for the whole file.
func readPlannedSize(fd int, path string, size int64, buf []byte) ([]byte, error) {
	data := buf[:0]
	if int64(cap(buf)) < size {
		data = make([]byte, 0, size)
	}
	for int64(len(data)) < size {
		n, err := syscall.Read(fd, data[len(data):size])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			break // shrank: the fstat after the read shows it
		}
		data = data[:len(data)+n]
	}
	return data, nil
}
