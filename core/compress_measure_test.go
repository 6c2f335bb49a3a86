//go:build measure

package core

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The measurement behind the default compression levels. It is not a test
// of behaviour, so it only builds with -tags measure:
//
//	go test -tags measure -run TestMeasureCompression -v -timeout 60m ./core -corpus ../bench/corpus
//
// Every compressible file of the corpus (DefaultCompressSkip applied) is
// compressed once per setting; "served" counts the variant when it passes
// the 95% rule and the original otherwise, which is what a client gets.
var measureCorpus = flag.String("corpus", "", "directory of static files to measure compression on")

func TestMeasureCompression(t *testing.T) {
	if *measureCorpus == "" {
		t.Skip("give -corpus DIR")
	}
	opts, _ := CompressOptions{}.normalized()
	var files []string
	var original int64
	filepath.WalkDir(*measureCorpus, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !opts.skips(p) {
			info, _ := d.Info()
			files = append(files, p)
			original += info.Size()
		}
		return nil
	})
	// Largest first, so the parallel tail is short.
	sort.Slice(files, func(i, j int) bool { return fileSize(files[i]) > fileSize(files[j]) })
	contents := make([][]byte, len(files))
	for i, f := range files {
		contents[i], _ = os.ReadFile(f)
	}
	t.Logf("%d compressible files, %d bytes", len(files), original)
	type setting struct {
		encoding string
		level    int
	}
	settings := []setting{
		{EncodingBrotli, 11}, {EncodingBrotli, 10}, {EncodingBrotli, 9}, {EncodingBrotli, 7}, {EncodingBrotli, 5},
		{EncodingGzip, 9}, {EncodingGzip, 7}, {EncodingGzip, 6},
		{EncodingZstd, 22}, {EncodingZstd, 7}, {EncodingZstd, 3},
	}
	t.Logf("%-8s %5s %14s %14s %10s %10s", "codec", "level", "variant bytes", "served bytes", "cpu", "wall")
	for _, s := range settings {
		var variant, served, cpu atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan int)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					t0 := time.Now()
					out, err := CompressBytes(s.encoding, s.level, contents[i])
					cpu.Add(int64(time.Since(t0)))
					if err != nil {
						t.Error(err)
						continue
					}
					if worthKeeping(len(contents[i]), len(out)) {
						variant.Add(int64(len(out)))
						served.Add(int64(len(out)))
					} else {
						served.Add(int64(len(contents[i])))
					}
				}
			}()
		}
		for i := range contents {
			next <- i
		}
		close(next)
		wg.Wait()
		t.Logf("%-8s %5d %14d %14d %10s %10s", s.encoding, s.level, variant.Load(), served.Load(),
			time.Duration(cpu.Load()).Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond))
	}
	fmt.Fprintln(os.Stderr, "files list for the zlib baseline:", writeList(t, files))
}

func fileSize(p string) int64 {
	info, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return info.Size()
}

func writeList(t *testing.T, files []string) string {
	list := filepath.Join(os.TempDir(), "assetc-measure-files.txt")
	f, err := os.Create(list)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range files {
		abs, _ := filepath.Abs(p)
		fmt.Fprintln(f, abs)
	}
	return list
}
