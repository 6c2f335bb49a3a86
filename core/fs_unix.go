//go:build unix

package core

import (
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
