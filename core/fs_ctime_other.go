//go:build !linux

package core

import "io/fs"

// changeTime is unknown here (0): identities then rest on size, mtime and
// inode.
func changeTime(fs.FileInfo) int64 { return 0 }
