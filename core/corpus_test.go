package core_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// corpusConfig returns the real-world tree that make corpus fetches into
// bench/corpus (the Makefile exports ASSETC_CORPUS), one root per package,
// or skips.
func corpusConfig(t testing.TB) core.Config {
	t.Helper()
	dir := os.Getenv("ASSETC_CORPUS")
	if dir == "" {
		t.Skip("ASSETC_CORPUS is not set: run 'make corpus' (make test does) to fetch the corpus")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ASSETC_CORPUS=%s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name()[0] != '.' {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var cfg core.Config
	for _, name := range names {
		abs, _ := filepath.Abs(filepath.Join(dir, name))
		cfg.Roots = append(cfg.Roots, core.Root{Dir: filepath.ToSlash(abs)})
	}
	if len(cfg.Roots) < 5 {
		t.Fatalf("the corpus at %s has only %d packages; is it fetched completely?", dir, len(cfg.Roots))
	}
	return cfg
}

// TestCorpusBuild builds the real-world corpus and checks that every
// reference in every rewritten CSS and JS file names a file of the output.
func TestCorpusBuild(t *testing.T) {
	cfg := corpusConfig(t)
	out := t.TempDir()
	result, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if result.Files < 5000 || result.Rewritten < 50 {
		t.Errorf("only %d files, %d rewritten: the corpus looks incomplete", result.Files, result.Rewritten)
	}
	checkReferencesExist(t, out, result.Manifest)
	testtree.UsableOutput(t, out)
	t.Logf("%d files, %d rewritten, %d duplicates, %d warnings in %s",
		result.Files, result.Rewritten, len(result.Duplicates), len(result.Diagnostics), result.Duration)
}
