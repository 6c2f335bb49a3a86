package core

import (
	"io/fs"
	"syscall"
)

// changeTime is a file's ctime in nanoseconds: the kernel sets it on every
// change of content or metadata, and no call sets it back, so a file whose
// mtime was restored after an edit still shows a new ctime.
func changeTime(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Nano()
	}
	return 0
}
