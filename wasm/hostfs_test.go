package main

// The host-FS adapter, natively, against a fake host that answers like the
// wazero harness (same encoders) and can misbehave on purpose.

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
)

// fakeHost answers the imports from the OS, optionally growing the file
// between calls.
type fakeHost struct {
	reads int
	grow  func(call int, data []byte) []byte // changes what each read returns
}

func (f *fakeHost) stat(path string, out []byte) int32 {
	record, status := statRecord(path)
	copy(out, record[:])
	return status
}

func (f *fakeHost) read(path string, buf []byte) int64 {
	f.reads++
	data, status := fileContent(path)
	if status == 0 && f.grow != nil {
		data = f.grow(f.reads, data)
	}
	return fakeWrite(data, status, buf)
}

func (f *fakeHost) readDir(path string, buf []byte) int64 {
	data, status := dirListing(path)
	return fakeWrite(data, status, buf)
}

func (f *fakeHost) realPath(path string, buf []byte) int64 {
	data, status := realPathOf(path)
	return fakeWrite(data, status, buf)
}

// fakeWrite is writeIfFits on a Go slice.
func fakeWrite(data []byte, status int64, buf []byte) int64 {
	if status != 0 {
		return status
	}
	if len(data) <= len(buf) {
		copy(buf, data)
	}
	return int64(len(data))
}

// TestHostFileSystemMatchesOS checks the adapter against core.OSFileSystem
// on a tree with a big file, a missing path and a path through a file.
func TestHostFileSystemMatchesOS(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", scratchSize+10)
	writeFiles(t, dir, map[string]string{"a/small.css": "a{}", "a/big.js": big, "b/empty": ""})
	fake := &fakeHost{}
	host := newHostFileSystem(fake)
	var native core.OSFileSystem
	for _, name := range []string{"a/small.css", "a/big.js", "b/empty"} {
		path := filepath.ToSlash(filepath.Join(dir, name))
		got, err := host.ReadFile(path)
		want, _ := native.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("ReadFile %s: %d bytes, %v; want %d bytes", name, len(got), err, len(want))
		}
		gotInfo, err := host.Stat(path)
		wantInfo, _ := native.Stat(path)
		if err != nil || gotInfo != wantInfo {
			t.Errorf("Stat %s: %+v %v, want %+v", name, gotInfo, err, wantInfo)
		}
	}
	if fake.reads != 4 {
		t.Errorf("%d host reads for 3 files, want 4 (the big one twice)", fake.reads)
	}
	gotDir, err := host.ReadDir(filepath.ToSlash(dir))
	wantDir, _ := native.ReadDir(dir)
	if err != nil || !reflect.DeepEqual(gotDir, wantDir) {
		t.Errorf("ReadDir: %+v %v, want %+v", gotDir, err, wantDir)
	}
	for _, missing := range []string{"nope", "a/small.css/under-a-file"} {
		path := filepath.ToSlash(filepath.Join(dir, missing))
		if _, err := host.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat %s: %v, want not-exist", missing, err)
		}
		if _, err := host.ReadFile(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile %s: %v, want not-exist", missing, err)
		}
		if _, err := host.ReadDir(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadDir %s: %v, want not-exist", missing, err)
		}
	}
}

// TestHostFileSystemGrowingFile: a file that grows between the host's
// answer and the retry is retried, and one that never settles is an error.
func TestHostFileSystemGrowingFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"f": "x"})
	path := filepath.ToSlash(filepath.Join(dir, "f"))
	growTwice := &fakeHost{grow: func(call int, data []byte) []byte {
		return bytes.Repeat([]byte("y"), scratchSize+min(call, 3)*100)
	}}
	got, err := newHostFileSystem(growTwice).ReadFile(path)
	if err != nil || len(got) != scratchSize+300 {
		t.Errorf("got %d bytes, %v; want the size of the third read", len(got), err)
	}
	forever := &fakeHost{grow: func(call int, data []byte) []byte {
		return bytes.Repeat([]byte("y"), scratchSize+call*100)
	}}
	if _, err := newHostFileSystem(forever).ReadFile(path); err == nil || !strings.Contains(err.Error(), "kept changing size") {
		t.Errorf("a file that never settles: %v", err)
	}
}

func TestDecodeDirEntries(t *testing.T) {
	got, err := decodeDirEntries([]byte("dcss\x00fa b.png\x00opipe\x00Dlinked\x00Fl.css\x00"))
	want := []core.DirEntry{{Name: "css", Kind: core.KindDirectory}, {Name: "a b.png"}, {Name: "pipe", Kind: core.KindOther},
		{Name: "linked", Kind: core.KindDirectory, IsSymlink: true}, {Name: "l.css", IsSymlink: true}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v", got, err)
	}
	var listing []byte
	for _, e := range want {
		listing = encodeDirEntry(listing, e)
	}
	if again, err := decodeDirEntries(listing); err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("round trip: got %+v %v", again, err)
	}
	for _, bad := range []string{"xname\x00", "fname", "f\x00", "Xname\x00"} {
		if _, err := decodeDirEntries([]byte(bad)); err == nil {
			t.Errorf("%q decoded without error", bad)
		}
	}
}
