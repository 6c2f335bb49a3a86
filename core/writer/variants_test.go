package writer_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

var allEncodings = []string{compress.Brotli, compress.Gzip, compress.Zstd}

// compressibleSite has text worth compressing, a CSS file referencing an
// image, an image in a skipped format, a file too random to shrink and a
// file too small to gain 5%.
func compressibleSite(t *testing.T) (string, map[string][]byte) {
	random := make([]byte, 4096)
	rand.Read(random)
	files := map[string]string{
		"css/site.css":   strings.Repeat("body { color: red; background: url('../img/logo.svg'); }\n", 200),
		"js/app.js":      strings.Repeat("export function hello(name) { return 'hello ' + name; }\n", 200),
		"img/logo.svg":   "<svg xmlns='http://www.w3.org/2000/svg'>" + strings.Repeat("<rect width='1' height='1'/>", 100) + "</svg>",
		"img/photo.png":  strings.Repeat("compressible but skipped by extension ", 200),
		"data/noise.bin": string(random),
		"tiny.txt":       "hi",
	}
	root := testtree.Write(t, files)
	raw := map[string][]byte{}
	for k, v := range files {
		raw[k] = []byte(v)
	}
	return root, raw
}

func buildCompressed(t *testing.T, root, out string, opts compress.Options) *writer.Result {
	t.Helper()
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	result, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Compress: opts})
	if err != nil {
		t.Fatal(err)
	}
	return result
}

func TestVariantsDecompressToTheOutputFile(t *testing.T) {
	root, _ := compressibleSite(t)
	out := t.TempDir()
	result := buildCompressed(t, root, out, compress.Options{Encodings: allEncodings})
	checked := 0
	for logical, hashed := range result.Manifest {
		for _, rel := range []string{logical, hashed} {
			original, err := os.ReadFile(filepath.Join(out, rel))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range allEncodings {
				variant, err := os.ReadFile(filepath.Join(out, rel+compress.Suffix(e)))
				if os.IsNotExist(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := testtree.Decompress(t, e, variant); !bytes.Equal(got, original) {
					t.Errorf("%s%s does not decompress to %s", rel, compress.Suffix(e), rel)
				}
				if len(variant)*100 > len(original)*95 {
					t.Errorf("%s%s is %d bytes for %d: the 95%% rule should have dropped it", rel, compress.Suffix(e), len(variant), len(original))
				}
				checked++
			}
		}
	}
	// css (unhashed + rewritten hashed), js and svg (2 copies each): 6 paths × 3.
	if checked != 18 {
		t.Errorf("checked %d variants, want 18", checked)
	}
	// Six distinct contents (the rewritten CSS differs from its source; the
	// noise and the tiny file are tried and dropped) × 3 encodings.
	if result.Compressed != 18 || result.CompressionReused != 0 || result.Variants != 18 {
		t.Errorf("compressed %d, reused %d, variants %d; want 18, 0, 18", result.Compressed, result.CompressionReused, result.Variants)
	}
}

func TestSkipListAndFivePercentRule(t *testing.T) {
	root, _ := compressibleSite(t)
	out := t.TempDir()
	result := buildCompressed(t, root, out, compress.Options{Encodings: allEncodings})
	for _, logical := range []string{"img/photo.png", "data/noise.bin", "tiny.txt"} {
		for _, rel := range []string{logical, result.Manifest[logical]} {
			for _, e := range allEncodings {
				if _, err := os.Stat(filepath.Join(out, rel+compress.Suffix(e))); err == nil {
					t.Errorf("%s has a %s variant; it should be skipped", rel, e)
				}
			}
		}
	}
	// An empty skip list compresses the png too.
	out = t.TempDir()
	result = buildCompressed(t, root, out, compress.Options{Encodings: []string{compress.Gzip}, SkipExtensions: []string{}})
	if _, err := os.Stat(filepath.Join(out, "img/photo.png.gz")); err != nil {
		t.Errorf("with no skip list the png is not compressed: %v", err)
	}
	_ = result
}

func TestCompressionIsIncremental(t *testing.T) {
	root, _ := compressibleSite(t)
	out := t.TempDir()
	opts := compress.Options{Encodings: allEncodings}
	first := buildCompressed(t, root, out, opts)
	variantBytes := map[string][]byte{}
	for _, rel := range []string{"js/app.js.br", "css/site.css.gz", first.Manifest["js/app.js"] + ".zst"} {
		variantBytes[rel], _ = os.ReadFile(filepath.Join(out, rel))
	}

	second := buildCompressed(t, root, out, opts)
	if second.Compressed != 0 {
		t.Errorf("a rebuild with no change compressed %d contents", second.Compressed)
	}
	if second.CompressionReused != first.Compressed+first.CompressionReused {
		t.Errorf("reused %d, want %d", second.CompressionReused, first.Compressed+first.CompressionReused)
	}
	for rel, want := range variantBytes {
		if got, _ := os.ReadFile(filepath.Join(out, rel)); !bytes.Equal(got, want) {
			t.Errorf("%s changed on a rebuild", rel)
		}
	}

	// Editing the JS changes one content (the unhashed and hashed copies
	// share it): three compressions, one per encoding, nothing else.
	appJS := filepath.Join(root, "js/app.js")
	os.WriteFile(appJS, []byte(strings.Repeat("export const answer = 42; // edited\n", 100)), 0o644)
	third := buildCompressed(t, root, out, opts)
	if third.Compressed != 3 {
		t.Errorf("after editing one file, compressed %d contents, want 3", third.Compressed)
	}
	edited, _ := os.ReadFile(appJS)
	for _, rel := range []string{"js/app.js", third.Manifest["js/app.js"]} {
		variant, err := os.ReadFile(filepath.Join(out, rel+".br"))
		if err != nil || !bytes.Equal(testtree.Decompress(t, compress.Brotli, variant), edited) {
			t.Errorf("%s.br is not the edited content (%v)", rel, err)
		}
	}

	// Mtimes that lie do not fool it: going back to the first content, with
	// a fresh state, reuses the cache instead of compressing again.
	os.Remove(filepath.Join(out, ".assetc", "state.json"))
	os.WriteFile(appJS, []byte(strings.Repeat("export function hello(name) { return 'hello ' + name; }\n", 200)), 0o644)
	fourth := buildCompressed(t, root, out, opts)
	if fourth.Compressed != 0 {
		t.Errorf("returning to compressed content compressed %d contents", fourth.Compressed)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "js/app.js.br")); !bytes.Equal(got, variantBytes["js/app.js.br"]) {
		t.Error("js/app.js.br is not the first build's variant after returning to its content")
	}
}

// A deploy that builds into an empty directory each time (a fresh
// container) compresses nothing it compressed before when the cache lives
// outside the output; builds of two outputs at once may share the cache.
func TestSharedCacheServesFreshOutputs(t *testing.T) {
	root, _ := compressibleSite(t)
	opts := compress.Options{Encodings: allEncodings, CacheDir: filepath.Join(t.TempDir(), "cache")}
	first := buildCompressed(t, root, t.TempDir(), opts)
	if first.Compressed == 0 {
		t.Fatal("the first build compressed nothing")
	}

	outs := []string{t.TempDir(), t.TempDir()}
	results := make([]*writer.Result, len(outs))
	var wg sync.WaitGroup
	for i, out := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = buildCompressed(t, root, out, opts)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Compressed != 0 || r.CompressionReused != first.Compressed {
			t.Errorf("build %d into an empty output compressed %d and reused %d; want 0 and %d", i, r.Compressed, r.CompressionReused, first.Compressed)
		}
		original, _ := os.ReadFile(filepath.Join(root, "js/app.js"))
		for _, rel := range []string{"js/app.js", r.Manifest["js/app.js"]} {
			variant, err := os.ReadFile(filepath.Join(outs[i], rel+".br"))
			if err != nil || !bytes.Equal(testtree.Decompress(t, compress.Brotli, variant), original) {
				t.Errorf("%s.br in output %d does not decompress to the source (%v)", rel, i, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(outs[0], ".assetc", "compressed")); !os.IsNotExist(err) {
		t.Errorf("with a cache directory the output still has its own cache (%v)", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(opts.CacheDir, "*.assetc-tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left in the cache: %v", leftovers)
	}
}

func TestStaleVariantIsRemoved(t *testing.T) {
	root, _ := compressibleSite(t)
	out := t.TempDir()
	opts := compress.Options{Encodings: []string{compress.Gzip}}
	buildCompressed(t, root, out, opts)
	if _, err := os.Stat(filepath.Join(out, "js/app.js.gz")); err != nil {
		t.Fatal(err)
	}
	// New content too small to be worth compressing: the old .gz of
	// js/app.js would now serve the old script.
	os.WriteFile(filepath.Join(root, "js/app.js"), []byte("x"), 0o644)
	result := buildCompressed(t, root, out, opts)
	if _, err := os.Stat(filepath.Join(out, "js/app.js.gz")); !os.IsNotExist(err) {
		t.Errorf("js/app.js.gz still exists after js/app.js changed to incompressible content (%v)", err)
	}
	// The old hashed copy's variant still matches its file: it stays for
	// pages rendered before the deploy.
	entries, _ := filepath.Glob(filepath.Join(out, "js", "app.*.js.gz"))
	if len(entries) != 1 {
		t.Errorf("want the old hashed copy's variant kept, found %v", entries)
	}
	// A build without compression drops variants that no longer match too.
	os.WriteFile(filepath.Join(root, "css/site.css"), []byte(strings.Repeat("p { margin: 0 }\n", 300)), 0o644)
	buildCompressed(t, root, out, compress.Options{})
	if _, err := os.Stat(filepath.Join(out, "css/site.css.gz")); !os.IsNotExist(err) {
		t.Errorf("css/site.css.gz survived a change of css/site.css (%v)", err)
	}
	_ = result
}

func TestUnknownEncodingIsAnError(t *testing.T) {
	root, _ := compressibleSite(t)
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	_, err := writer.Build(p, writer.BuildOptions{OutputDir: t.TempDir(), Compress: compress.Options{Encodings: []string{"lzma"}}})
	if err == nil || !strings.Contains(err.Error(), "lzma") {
		t.Errorf("want an error naming lzma, got %v", err)
	}
}
