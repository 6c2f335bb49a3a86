//go:build measure

package compress

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The measurement behind the default compression levels. It is not a test
// of behaviour, so it only builds with -tags measure:
//
//	go test -tags "measure $(make -s print-gotags)" -run TestMeasureCompression -v -timeout 60m ./core/compress -corpus ../../bench/corpus
//
// (the tags pick the encoders the Makefile's binary has: C or Go; with
// libdeflate, -settings can add gzip:10-12).
//
// Every compressible file of the corpus (DefaultSkip applied) is
// compressed once per setting; "served" counts the variant when it passes
// the 95% rule and the original otherwise, which is what a client gets.
var (
	measureCorpus   = flag.String("corpus", "", "directory of static files to measure compression on")
	measureSample   = flag.Int("sample", 1, "measure every Nth file only (timing runs on a busy machine)")
	measureSettings = flag.String("settings", "br:11,br:10,br:9,br:7,br:5,gzip:9,gzip:7,gzip:6,zstd:22,zstd:7,zstd:3", "encoding:level pairs to measure")
)

func TestMeasureCompression(t *testing.T) {
	if *measureCorpus == "" {
		t.Skip("give -corpus DIR")
	}
	opts, _ := Options{}.Normalized()
	var files []string
	var original int64
	seen := 0
	filepath.WalkDir(*measureCorpus, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !opts.Skips(p) {
			if seen++; seen%*measureSample != 0 {
				return nil
			}
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
	var settings []setting
	for _, pair := range strings.Split(*measureSettings, ",") {
		encoding, level, _ := strings.Cut(pair, ":")
		n, err := strconv.Atoi(level)
		if err != nil {
			t.Fatalf("-settings: %q is not encoding:level", pair)
		}
		settings = append(settings, setting{encoding, n})
	}
	t.Logf("%-8s %5s %14s %14s %10s %10s", "codec", "level", "variant bytes", "served bytes", "cpu", "wall")
	for _, s := range settings {
		var variant, served atomic.Int64
		cpu0 := processCPU()
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan int)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					out, err := Bytes(s.encoding, s.level, contents[i])
					if err != nil {
						t.Error(err)
						continue
					}
					if WorthKeeping(len(contents[i]), len(out)) {
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
			(processCPU() - cpu0).Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond))
	}
	fmt.Fprintln(os.Stderr, "files list for the zlib baseline:", writeList(t, files))
}

// processCPU is the CPU time this process used (user + system): unlike the
// wall clock, it does not grow when other work shares the machine.
func processCPU() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
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
