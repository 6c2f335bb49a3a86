//go:build !linux

package writer

import (
	"errors"
	"os"

	"github.com/assetc/assetc/core"
)

// createFile opens a new file for writing: exclusive fails with
// fs.ErrExist when the path exists, otherwise the file is truncated.
func createFile(path string, exclusive bool) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE
	if exclusive {
		flags |= os.O_EXCL
	} else {
		flags |= os.O_TRUNC
	}
	return os.OpenFile(path, flags, 0o644)
}

// writeNewFile writes content to path (see newFile).
func writeNewFile(path string, content []byte, exclusive bool) (newFile, error) {
	f, err := createFile(path, exclusive)
	if err != nil {
		return newFile{}, err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return newFile{}, err
	}
	info, err := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return newFile{}, err
	}
	return newFile{stamp: fileStamp{Size: info.Size(), ModTime: info.ModTime().UnixNano()}}, nil
}

// newFile is an output file whose bytes are written. Here it is closed at
// once and its identity is not taken (no snapshot is recorded on these
// systems).
type newFile struct{ stamp fileStamp }

// finish returns the file's stamp.
func (f *newFile) finish() (fileStamp, error) { return f.stamp, nil }

// discard does nothing: the file is closed.
func (f *newFile) discard() {}

// errCannotCopy says a source cannot be copied by the kernel: the caller
// writes the checked bytes instead.
var errCannotCopy = errors.New("cannot copy in the kernel")

// copyNewFile is not available here: the caller writes the checked bytes.
func copyNewFile(string, string, core.FileInfo, bool) (newFile, error) {
	return newFile{}, errCannotCopy
}

// lstamp is the stamp of the file at path, without following a link;
// regular says it is a regular file.
func lstamp(path string) (fileStamp, bool, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return fileStamp{}, false, err
	}
	return fileStamp{Size: info.Size(), ModTime: info.ModTime().UnixNano()}, info.Mode().IsRegular(), nil
}
