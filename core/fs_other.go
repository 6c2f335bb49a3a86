//go:build !unix

package core

import "io/fs"

// openNonBlocking is not needed where FIFOs cannot be opened by name
// (Windows) or files are read through the host (wasip1).
const openNonBlocking = 0

// fileIdentity is unknown here: loops are then caught by a depth bound
// (see walk).
func fileIdentity(fs.FileInfo) (uint64, uint64) { return 0, 0 }
