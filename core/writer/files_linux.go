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

// writeNewFile writes content to path; the file stays open (see newFile).
func writeNewFile(path string, content []byte, exclusive bool) (newFile, error) {
	fd, err := createFile(path, exclusive)
	if err != nil {
		return newFile{}, err
	}
	for rest := content; len(rest) > 0; {
		n, err := unix.Write(fd, rest)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return newFile{}, err
		}
		rest = rest[n:]
	}
	return written(fd)
}

// newFile is an output file whose bytes are written, still open so that
// its identity can be taken once every link to it is made (finish): the
// snapshot then records it without a stat of each of its paths.
type newFile struct {
	fd   int
	open bool // fd is open (the zero newFile holds none)
}

// written closes a file whose bytes are all written, so that a failed
// close (a delayed write error) fails the write before any path links to
// it, and keeps a duplicate of its descriptor for finish.
func written(fd int) (newFile, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		if dup >= 0 {
			unix.Close(dup)
		}
		return newFile{}, err
	}
	return newFile{fd: dup, open: true}, nil
}

// finish closes the file and returns its stamp and identity as they are
// now: link(2) and rename(2) move an inode's ctime, so it comes after the
// last of them.
func (f *newFile) finish() (fileStamp, error) {
	var st unix.Stat_t
	var err error = unix.EBADF
	if f.open {
		err = unix.Fstat(f.fd, &st)
	}
	f.discard()
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{Size: st.Size, ModTime: st.Mtim.Nano(), Device: uint64(st.Dev), Inode: uint64(st.Ino), ChangeTime: st.Ctim.Nano()}, nil //nolint:unconvert // widths differ by platform
}

// discard closes the file if finish has not.
func (f *newFile) discard() {
	if f.open {
		unix.Close(f.fd)
		f.open = false
	}
}

// errCannotCopy says a source cannot be copied by the kernel (not the
// planned file any more, or copy_file_range unsupported between these file
// systems): the caller writes the checked bytes instead.
var errCannotCopy = errors.New("cannot copy in the kernel")

// copyNewFile copies source to path with copy_file_range(2), without the
// bytes passing through the process, after checking that the open source
// is the file planned (core.Plan.SourceInfo); the file stays open (see
// newFile).
func copyNewFile(path, source string, want core.FileInfo, exclusive bool) (newFile, error) {
	in, err := unix.Open(source, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return newFile{}, errCannotCopy
	}
	defer unix.Close(in)
	var st unix.Stat_t
	if unix.Fstat(in, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != want.Size || st.Mtim.Nano() != want.ModTime ||
		st.Ctim.Nano() != want.ChangeTime || uint64(st.Ino) != want.Inode || uint64(st.Dev) != want.Device { //nolint:unconvert // widths differ by platform
		return newFile{}, errCannotCopy
	}
	out, err := createFile(path, exclusive)
	if err != nil {
		return newFile{}, err
	}
	for copied := int64(0); copied < want.Size; {
		n, err := unix.CopyFileRange(in, nil, out, nil, int(want.Size-copied), 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil && copied == 0 && (err == unix.EXDEV || err == unix.EINVAL || err == unix.ENOSYS || err == unix.EOPNOTSUPP):
			unix.Close(out)
			unix.Unlink(path)
			return newFile{}, errCannotCopy
		case err != nil:
			unix.Close(out)
			return newFile{}, err
		case n == 0:
			unix.Close(out)
			return newFile{}, fmt.Errorf("%s shrank during the build; run the build again", source)
		}
		copied += int64(n)
	}
	return written(out)
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
