package compress_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/internal/testtree"
)

// whiteNoiseSizes runs WhiteNoise's own Compressor (Brotli 11, zlib 9, the
// 95% rule) on files and returns the bytes of the variants it keeps.
const whiteNoiseSizes = `
import json, sys
from whitenoise.compress import Compressor
br = gz = 0
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    data = open(path, "rb").read()
    b = Compressor.compress_brotli(data)
    g = Compressor.compress_gzip(data)
    br += len(b) if len(b) <= len(data) * 0.95 else 0
    gz += len(g) if len(g) <= len(data) * 0.95 else 0
print(json.dumps({"br": br, "gzip": gz}))
`

// The default levels are chosen so that a build's variants take no more
// bytes in all than WhiteNoise's (compress.go). Checked here against
// WhiteNoise itself, on the fixtures and a spread of the real-world corpus.
func TestDefaultLevelsKeepTotalBytesBelowWhiteNoise(t *testing.T) {
	python := os.Getenv("ASSETC_PYTHON")
	if python == "" {
		t.Skip("ASSETC_PYTHON is not set: run 'make test' (it sets it to the venv with WhiteNoise)")
	}
	if compress.GzipImplementation != "libdeflate (C)" {
		// The pure Go gzip is within 0.5% of zlib's either way: the totals
		// hold over the whole corpus, not on every sample.
		t.Skipf("this binary's gzip is %s; the claim is checked for the libdeflate build", compress.GzipImplementation)
	}
	files := testtree.Sample(t, "../../testdata", 1<<20)
	if dir := os.Getenv("ASSETC_CORPUS"); dir != "" {
		files = append(files, testtree.Sample(t, dir, 3<<20)...)
	}
	cmd := exec.Command(python, "-c", whiteNoiseSizes)
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("WhiteNoise's compressor: %v", err)
	}
	var theirs map[string]int
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}

	ours := map[string]int{}
	levels := map[string]int{compress.Brotli: compress.DefaultBrotliLevel, compress.Gzip: compress.DefaultGzipLevel}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for encoding, level := range levels {
			c, err := compress.Bytes(encoding, level, data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(testtree.Decompress(t, encoding, c), data) {
				t.Fatalf("%s of %s does not decompress to the original", encoding, f)
			}
			if float64(len(c)) <= float64(len(data))*0.95 {
				ours[encoding] += len(c)
			}
		}
	}
	total := func(m map[string]int) int { return m["br"] + m["gzip"] }
	t.Logf("%d files: assetc br %d + gzip %d = %d; WhiteNoise br %d + gzip %d = %d (%.2f%%)", len(files),
		ours["br"], ours["gzip"], total(ours), theirs["br"], theirs["gzip"], total(theirs),
		100*float64(total(ours)-total(theirs))/float64(total(theirs)))
	if total(ours) > total(theirs) {
		t.Errorf("the default levels make %d bytes of variants, WhiteNoise %d", total(ours), total(theirs))
	}
}
