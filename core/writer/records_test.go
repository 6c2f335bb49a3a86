package writer

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/scan"
)

// TestScanCacheFileRoundTrip: the scan cache, written a record at a time, reads
// back equal; a file of another layout reads as no cache.
func TestScanCacheFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o755); err != nil {
		t.Fatal(err)
	}
	c := &core.ScanCache{Format: "1 test", Records: map[string]core.ScanRecord{
		"/s/a.css": {LogicalPath: "a.css", Size: 10, References: []scan.Reference{{Value: "b.png", Start: 4, End: 9}}, Targets: map[string]string{"b.png": "b.123.png"}, HashedName: "a.456.css"},
		"/s/b.js":  {LogicalPath: "b.js", Rewritten: true, RewrittenMD5: "m"},
	}}
	path := filepath.Join(dir, stateDir, scansFile)
	if err := writeFileStream(path, func(w io.Writer) error { return encodeScanCache(w, c) }); err != nil {
		t.Fatal(err)
	}
	if got := readScanCache(dir); !reflect.DeepEqual(got, c) {
		t.Errorf("read back %+v, want %+v", got, c)
	}
	if err := os.WriteFile(path, []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readScanCache(dir); got != nil {
		t.Errorf("a damaged file read as %+v", got)
	}
}
