package core_test

import (
	"os"
	"path/filepath"
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
