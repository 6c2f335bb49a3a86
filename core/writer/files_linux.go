//go:build linux

package writer

import (
	"errors"
	"fmt"

	"github.com/assetc/assetc/core"
	"golang.org/x/sys/unix"
)

// Plain files are written with raw system calls: os.File registers every
// file it opens with the runtime's poller (an fcntl and a failing
// epoll_ctl per regular file) and wraps each call in locking a writer of
// whole files does not need.

// createFile opens a new file for writing: exclusive fails with
// fs.ErrExist (EEXIST) when the path exists, otherwise the file is
// truncated.
func createFile(path string, exclusive bool) (int, error) {
	flags := unix.O_WRONLY | unix.O_CREAT | unix.O_CLOEXEC
	if exclusive {
		flags |= unix.O_EXCL
	} else {
		flags |= unix.O_TRUNC
	}
	for {
		fd, err := unix.Open(path, flags, 0o644)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// writeNewFile writes content to path and returns its stamp.
func writeNewFile(path string, content []byte, exclusive bool) (fileStamp, error) {
	fd, err := createFile(path, exclusive)
	if err != nil {
		return fileStamp{}, err
	}
	for rest := content; len(rest) > 0; {
		n, err := unix.Write(fd, rest)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return fileStamp{}, err
		}
		rest = rest[n:]
	}
	return closeWithStamp(fd)
}

// closeWithStamp stats and closes a file just written; a failed close
// (a delayed write error) fails the write.
func closeWithStamp(fd int) (fileStamp, error) {
	var st unix.Stat_t
	err := unix.Fstat(fd, &st)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return fileStamp{Size: st.Size, ModTime: st.Mtim.Nano()}, err
}

// errCannotCopy says a source cannot be copied by the kernel (not the
// planned file any more, or copy_file_range unsupported between these file
// systems): the caller writes the checked bytes instead.
var errCannotCopy = errors.New("cannot copy in the kernel")

// copyNewFile copies source to path with copy_file_range(2), without the
// bytes passing through the process, after checking that the open source
// is the file planned (core.Plan.SourceInfo).
func copyNewFile(path, source string, want core.FileInfo, exclusive bool) (fileStamp, error) {
	in, err := unix.Open(source, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return fileStamp{}, errCannotCopy
	}
	defer unix.Close(in)
	var st unix.Stat_t
	if unix.Fstat(in, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != want.Size || st.Mtim.Nano() != want.ModTime ||
		st.Ctim.Nano() != want.ChangeTime || uint64(st.Ino) != want.Inode || uint64(st.Dev) != want.Device { //nolint:unconvert // widths differ by platform
		return fileStamp{}, errCannotCopy
	}
	out, err := createFile(path, exclusive)
	if err != nil {
		return fileStamp{}, err
	}
	for copied := int64(0); copied < want.Size; {
		n, err := unix.CopyFileRange(in, nil, out, nil, int(want.Size-copied), 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil && copied == 0 && (err == unix.EXDEV || err == unix.EINVAL || err == unix.ENOSYS || err == unix.EOPNOTSUPP):
			unix.Close(out)
			unix.Unlink(path)
			return fileStamp{}, errCannotCopy
		case err != nil:
			unix.Close(out)
			return fileStamp{}, err
		case n == 0:
			unix.Close(out)
			return fileStamp{}, fmt.Errorf("%s shrank during the build; run the build again", source)
		}
		copied += int64(n)
	}
	return closeWithStamp(out)
}

// lstamp is the stamp of the file at path, without following a link;
// regular says it is a regular file.
func lstamp(path string) (stamp fileStamp, regular bool, err error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fileStamp{}, false, err
	}
	return fileStamp{Size: st.Size, ModTime: st.Mtim.Nano()}, st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}
