//go:build !linux

package writer

import (
	"errors"
	"os"
)

// statOne is not implemented here: without a ctime in nanoseconds that no
// program can set back, the snapshot could not prove anything, so it is
// never recorded and every build plans (see snapshotFile).
func statOne(snapshotEntry) (fileID, error) {
	return fileID{}, errors.New("no snapshot on this platform")
}

// openedIdentity is not implemented here either (see statOne).
func openedIdentity(*os.File) (fileID, error) {
	return fileID{}, errors.New("no snapshot on this platform")
}
