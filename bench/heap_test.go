package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
)

// TestHeapAtPeak builds the tree BENCH_HEAP_TREE into a new directory, or
// into BENCH_HEAP_OUT (an earlier build's output measures a rebuild; without
// its .assetc/snapshot.bin, a planned one), and
// writes a heap profile (inuse_space) each time the live heap grows by a
// fiftieth, after a collection, so the last profile is what the build held
// at its peak (BENCH_HEAP_KEEP=1 keeps every one, named by its MB):
//
//	BENCH_HEAP_TREE=/dev/shm/assetc-bench/gen-100000 go test -run HeapAtPeak -v ./bench
//	go tool pprof -sample_index=inuse_space -top $TMPDIR/assetc-heap.pprof
//
// The collections it forces slow the build: it measures memory, not time.
// Skipped without BENCH_HEAP_TREE.
func TestHeapAtPeak(t *testing.T) {
	tree := os.Getenv("BENCH_HEAP_TREE")
	if tree == "" {
		t.Skip("BENCH_HEAP_TREE is not set: no tree to profile")
	}
	project, err := core.NewProject(core.OSFileSystem{}, core.Config{Roots: []core.Root{{Dir: tree}}})
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(os.TempDir(), "assetc-heap.pprof")
	done, sampled := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-done:
				sampled <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
			if metrics.Read(live); live[0].Value.Uint64() > peak+peak/50 {
				runtime.GC()
				metrics.Read(live)
				peak = live[0].Value.Uint64()
				if f, err := os.Create(profile); err == nil {
					if os.Getenv("BENCH_HEAP_KEEP") != "" {
						g, _ := os.Create(fmt.Sprintf("%s.%d", profile, peak>>20))
						_ = pprof.Lookup("heap").WriteTo(g, 0)
						g.Close()
					}
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}()
	out := os.Getenv("BENCH_HEAP_OUT")
	if out == "" {
		out = t.TempDir()
	}
	_, err = writer.Build(project, writer.BuildOptions{OutputDir: out})
	close(done)
	peak := <-sampled
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("live heap at most %d MB; profile of the peak: %s", peak>>20, profile)
}
