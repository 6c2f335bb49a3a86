package main

// What the module costs a host, each next to the native core doing the same
// work. Run with
//
//	go test ./wasm -run '^$' -bench . -benchtime 3x   (compile benchmarks are slow)

import (
	"context"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/tetratelabs/wazero"
)

// BenchmarkCompile is wazero compiling the module to machine code: cold
// (what a host pays once per machine and module version) and from a warm
// compilation cache (what every later process pays). The native core has
// no equivalent: it is compiled ahead of time.
func BenchmarkCompile(b *testing.B) {
	wasm, err := wasmModule()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	compile := func(cache wazero.CompilationCache) {
		host, err := newWasmHost(ctx, wasm, cache)
		if err != nil {
			b.Fatal(err)
		}
		host.runtime.Close(ctx)
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportMetric(float64(len(wasm)), "module-bytes")
		for b.Loop() {
			compile(nil)
		}
	})
	b.Run("cached", func(b *testing.B) {
		cache, err := wazero.NewCompilationCacheWithDir(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		compile(cache) // fill the cache
		for b.Loop() {
			compile(cache)
		}
	})
}

// BenchmarkInstantiate is a new instance with _initialize and a configure:
// what a host pays per worker thread. Natively that is core.NewProject.
func BenchmarkInstantiate(b *testing.B) {
	cfg := core.Config{Roots: []core.Root{{Dir: writeFontTree(b, 0)}}}
	b.Run("wasm", func(b *testing.B) {
		host := testHost(b)
		ctx := context.Background()
		for b.Loop() {
			g, err := host.newGuest(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if resp, err := g.configure(cfg); err != nil || !resp.OK {
				b.Fatal(err, resp.Error)
			}
			b.StopTimer()
			g.module.Close(ctx)
			b.StartTimer()
		}
	})
	b.Run("native", func(b *testing.B) {
		for b.Loop() {
			if _, err := core.NewProject(core.OSFileSystem{}, cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFirstResolve names a stylesheet with ten font and image
// dependencies on a freshly configured project: everything is read, hashed
// and rewritten (the OS page cache is warm in both cases).
func BenchmarkFirstResolve(b *testing.B) {
	cfg := core.Config{Roots: []core.Root{{Dir: writeFontTree(b, 0)}}}
	b.Run("wasm", func(b *testing.B) {
		g := newTestGuest(b)
		for b.Loop() {
			b.StopTimer()
			if resp, err := g.configure(cfg); err != nil || !resp.OK {
				b.Fatal(err, resp.Error)
			}
			b.StartTimer()
			if r := resolveOne(b, g, "css/site.css"); r.Error != nil {
				b.Fatal(r.Error)
			}
		}
	})
	b.Run("native", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			p, err := core.NewProject(core.OSFileSystem{}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := p.HashedName("css/site.css"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// batchTree is a tree of 211 files (the font tree with 200 filler files)
// and its paths, for the batch benchmarks.
func batchTree(b *testing.B) (core.Config, []string) {
	cfg := core.Config{Roots: []core.Root{{Dir: writeFontTree(b, 10)}}}
	p, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	inventory, err := p.Walk()
	if err != nil {
		b.Fatal(err)
	}
	return cfg, inventory.Paths()
}

// BenchmarkWarmBatch resolves a batch of names the project already knows
// (a production page render), reported per name.
func BenchmarkWarmBatch(b *testing.B) {
	benchmarkBatch(b, false)
}

// BenchmarkRevalidatedBatch is the same batch after invalidate, with no file
// changed: a development server's cost per request (a stat per file).
func BenchmarkRevalidatedBatch(b *testing.B) {
	benchmarkBatch(b, true)
}

func benchmarkBatch(b *testing.B, invalidate bool) {
	cfg, paths := batchTree(b)
	b.Run("wasm", func(b *testing.B) {
		g := configuredGuest(b, cfg)
		resolveBatch := func() {
			if invalidate {
				if err := g.invalidate(); err != nil {
					b.Fatal(err)
				}
			}
			if resp, err := g.resolve(paths...); err != nil || !resp.OK {
				b.Fatal(err, resp.Error)
			}
		}
		resolveBatch() // warm
		for b.Loop() {
			resolveBatch()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(paths)), "ns/name")
	})
	b.Run("native", func(b *testing.B) {
		p, err := core.NewProject(core.OSFileSystem{}, cfg)
		if err != nil {
			b.Fatal(err)
		}
		resolveBatch := func() {
			if invalidate {
				p.Invalidate()
			}
			for _, r := range p.Resolve(paths) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
		resolveBatch()
		for b.Loop() {
			resolveBatch()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(paths)), "ns/name")
	})
}
