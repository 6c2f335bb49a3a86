package writer

import (
	"os"
	"syscall"
)

// statOne describes an entry's path as it is now (absent is no error).
func statOne(e snapshotEntry) (fileID, error) {
	var st syscall.Stat_t
	var err error
	for {
		if e.own {
			err = syscall.Lstat(e.path, &st)
		} else {
			err = syscall.Stat(e.path, &st)
		}
		if err != syscall.EINTR {
			break
		}
	}
	switch err {
	case nil:
		return fileID{Present: true, Device: uint64(st.Dev), Inode: st.Ino, Size: st.Size, ModTime: st.Mtim.Nano(), ChgTime: st.Ctim.Nano()}, nil //nolint:unconvert // Dev's type varies by platform
	case syscall.ENOENT, syscall.ENOTDIR:
		return fileID{}, nil
	}
	return fileID{}, err
}

// openedIdentity is the identity of an open file (fstat(2)).
func openedIdentity(f *os.File) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return fileID{}, err
	}
	return fileID{Present: true, Device: uint64(st.Dev), Inode: st.Ino, Size: st.Size, ModTime: st.Mtim.Nano(), ChgTime: st.Ctim.Nano()}, nil //nolint:unconvert // Dev's type varies by platform
}
