package core_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
)

// writeTree writes files (path -> content) under a new temp dir and returns
// it with "/" separators.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.ToSlash(root)
}

func newProject(t testing.TB, cfg core.Config) *core.Project {
	t.Helper()
	p, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sampleFiles picks text files spread over a tree, up to budget bytes.
func sampleFiles(t *testing.T, root string, budget int64) []string {
	t.Helper()
	var all []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".css", ".js", ".mjs", ".map", ".svg", ".json", ".html", ".txt", ".ttf", ".eot":
				all = append(all, p)
			}
		}
		return nil
	})
	var picked []string
	var used int64
	step := len(all)/60 + 1
	for i := 0; i < len(all); i += step {
		if info, err := os.Stat(all[i]); err == nil && used+info.Size() <= budget {
			picked = append(picked, all[i])
			used += info.Size()
		}
	}
	return picked
}
