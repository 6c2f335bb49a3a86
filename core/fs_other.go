//go:build !unix

package core

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// openNonBlocking is not needed where FIFOs cannot be opened by name
// (Windows) or files are read through the host (wasip1).
const openNonBlocking = 0

// fileIdentity is unknown here: loops are then caught by a depth bound
// (see walk).
func fileIdentity(fs.FileInfo) (uint64, uint64) { return 0, 0 }

// readRegularFileInto is readRegularFile; buf is not used here.
func readRegularFileInto(path string, _ []byte) ([]byte, error) { return readRegularFile(path) }

// readRegularFile reads a whole regular file through package os.
func readRegularFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is a %s", ErrNotRegular, kindOf(info.Mode()))}
	}
	// Read what fstat reported plus whatever a writer appends meanwhile;
	// the buffer is sized once, so memory is the file's size (os.ReadFile's
	// approach).
	data := make([]byte, 0, info.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// digestRegularFile writes a regular file's bytes to w a buffer at a time
// (see digestBuffers), checked as readRegularFile checks them.
func digestRegularFile(path string, w io.Writer) error {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is a %s", ErrNotRegular, kindOf(info.Mode()))}
	}
	buf := digestBuffers.Get().(*[]byte)
	defer digestBuffers.Put(buf)
	_, err = io.CopyBuffer(w, f, *buf)
	return err
}
