package core

import "syscall"

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
	if data, err = readOpenFile(fd, path, st.Size, buf); err != nil {
		return nil, false, err
	}
	if syscall.Fstat(fd, &st) != nil {
		return data, false, nil // not proven: the caller checks the bytes
	}
	after := FileInfo{Size: st.Size, ModTime: st.Mtim.Nano(), ChangeTime: st.Ctim.Nano(),
		Device: uint64(st.Dev), Inode: uint64(st.Ino)} //nolint:unconvert // narrower on some platforms
	return data, int64(len(data)) == st.Size && sameIdentity(after, planned), nil
}
