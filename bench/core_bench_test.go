// Package bench measures assetc; its Go benchmarks time the core's hot paths
// through the public API, on the example site in testdata/example:
//
//	go test -run '^$' -bench . -benchmem ./bench
//
// The scanner micro-benchmarks (CSS, JS) live beside the scanners in
// core/scan; the comparison with Django is bench/run.sh (see README.md).
package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
)

// exampleConfig is the roots of `make run`: the example site, a prefixed
// vendor package and an app's static dir.
func exampleConfig(b *testing.B) core.Config {
	b.Helper()
	abs := func(rel string) string {
		dir, err := filepath.Abs(filepath.Join("..", "testdata", "example", rel))
		if err != nil {
			b.Fatal(err)
		}
		return filepath.ToSlash(dir)
	}
	return core.Config{
		Roots: []core.Root{
			{Dir: abs("static")},
			{Prefix: "vendor", Dir: abs("node_modules/widget/dist")},
			{Dir: abs("apps/blog/static")},
		},
		IgnorePatterns: core.DefaultIgnorePatterns,
	}
}

func newExampleProject(b *testing.B) *core.Project {
	b.Helper()
	project, err := core.NewProject(core.OSFileSystem{}, exampleConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	return project
}

// BenchmarkBuildExample is a whole cold build of the example site into an
// empty directory: walk, read, scan, name, rewrite, write, manifest.
func BenchmarkBuildExample(b *testing.B) {
	files := 0
	for b.Loop() {
		b.StopTimer()
		out := b.TempDir()
		project := newExampleProject(b)
		b.StartTimer()
		result, err := writer.Build(project, writer.BuildOptions{OutputDir: out})
		if err != nil {
			b.Fatal(err)
		}
		files = result.Files
	}
	b.ReportMetric(float64(files), "files")
}

// BenchmarkRebuildExample is a no-change rebuild into a directory that
// already holds the output (every file is compared, none written).
func BenchmarkRebuildExample(b *testing.B) {
	out := b.TempDir()
	if _, err := writer.Build(newExampleProject(b), writer.BuildOptions{OutputDir: out}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := writer.Build(newExampleProject(b), writer.BuildOptions{OutputDir: out}); err != nil {
			b.Fatal(err)
		}
	}
}

// exampleNames is every logical path of the example site.
func exampleNames(b *testing.B) []string {
	b.Helper()
	inventory, err := newExampleProject(b).Walk()
	if err != nil {
		b.Fatal(err)
	}
	return inventory.Paths()
}

// BenchmarkHashedNameCold names every file of the example site with a fresh
// Project each time: every file is read, scanned and hashed (what the bridge
// pays on the first {% static %} of each file after a start).
func BenchmarkHashedNameCold(b *testing.B) {
	names := exampleNames(b)
	for b.Loop() {
		project := newExampleProject(b)
		for _, name := range names {
			if _, err := project.HashedName(name); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(names)), "names/op")
}

// BenchmarkHashedNameWarm asks an already-warm Project for one name: the
// cost of each further {% static %} in production.
func BenchmarkHashedNameWarm(b *testing.B) {
	names := exampleNames(b)
	project := newExampleProject(b)
	for _, name := range names {
		if _, err := project.HashedName(name); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if _, err := project.HashedName(names[i%len(names)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkHashedNameRevalidated asks for a name after Invalidate: every
// file the name depends on is re-checked by stat (DEBUG's per-request cost).
func BenchmarkHashedNameRevalidated(b *testing.B) {
	names := exampleNames(b)
	project := newExampleProject(b)
	for _, name := range names {
		if _, err := project.HashedName(name); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		project.Invalidate()
		if _, err := project.HashedName(names[i%len(names)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkContentHash is the content hash (MD5) over 1 MiB.
func BenchmarkContentHash(b *testing.B) {
	data := make([]byte, 1<<20)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		core.ContentHash(data)
	}
}

// corpusProject is a Project over the whole corpus (bench/corpus) as one
// root, as row 1 of bench.py builds it, or over the tree $BENCH_TREE (a
// gen_tree.py tree, say); the benchmark is skipped without either. Profile
// with
//
//	go test -run '^$' -bench Corpus -cpuprofile cpu.out ./bench
func corpusProject(b *testing.B) *core.Project {
	b.Helper()
	dir, err := filepath.Abs("corpus")
	if err != nil {
		b.Fatal(err)
	}
	if tree := os.Getenv("BENCH_TREE"); tree != "" {
		dir = tree
	} else if _, err := os.Stat(filepath.Join(dir, "admin")); err != nil {
		b.Skip("no corpus: bench/run.sh fetches it")
	}
	project, err := core.NewProject(core.OSFileSystem{}, core.Config{Roots: []core.Root{{Dir: filepath.ToSlash(dir)}}, IgnorePatterns: core.DefaultIgnorePatterns})
	if err != nil {
		b.Fatal(err)
	}
	return project
}

// BenchmarkBuildCorpus is a cold build of the corpus into a new directory,
// in a fresh Project (what one `assetc build` process does).
func BenchmarkBuildCorpus(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		out := b.TempDir()
		project := corpusProject(b)
		b.StartTimer()
		if _, err := writer.Build(project, writer.BuildOptions{OutputDir: out}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRebuildCorpus is a no-change rebuild of the corpus in a fresh
// Project (a second `assetc build` process into the same output).
func BenchmarkRebuildCorpus(b *testing.B) {
	out := b.TempDir()
	if _, err := writer.Build(corpusProject(b), writer.BuildOptions{OutputDir: out}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		project := corpusProject(b)
		b.StartTimer()
		if _, err := writer.Build(project, writer.BuildOptions{OutputDir: out}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneChangeCorpus is a rebuild after one file changed, in a fresh
// Project: before each iteration (untimed) the file $BENCH_CHANGE, relative
// to the tree, gets a comment appended, in place, as bench/one_change.sh
// does. Skipped without BENCH_CHANGE, since it edits the tree. Profile the
// 100k tree with a copy of it:
//
//	BENCH_TREE=/dev/shm/x/gen-100000 BENCH_CHANGE=pkg0000/img/svg-03.svg \
//	  go test -run '^$' -bench OneChange -cpuprofile cpu.out ./bench
func BenchmarkOneChangeCorpus(b *testing.B) {
	change := os.Getenv("BENCH_CHANGE")
	if change == "" {
		b.Skip("BENCH_CHANGE is not set: no file to edit")
	}
	out := b.TempDir()
	project := corpusProject(b)
	source := filepath.Join(project.Config().Roots[0].Dir, filepath.FromSlash(change))
	if _, err := writer.Build(project, writer.BuildOptions{OutputDir: out}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		f, err := os.OpenFile(source, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		_, err = f.WriteString("<!-- edit " + time.Now().Format(time.RFC3339Nano) + " -->\n")
		if err := errors.Join(err, f.Close()); err != nil {
			b.Fatal(err)
		}
		project := corpusProject(b)
		b.StartTimer()
		// Labelled so that a profile can leave the cold build out:
		// go tool pprof -tagfocus build=one-change.
		var result *writer.Result
		pprof.Do(context.Background(), pprof.Labels("build", "one-change"), func(context.Context) {
			result, err = writer.Build(project, writer.BuildOptions{OutputDir: out})
		})
		if err != nil {
			b.Fatal(err)
		}
		if !result.FromRecord {
			b.Fatal("the rebuild did not plan from the record")
		}
	}
}
