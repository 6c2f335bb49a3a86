// Package testtree holds what the tests of several packages need to set up
// real files: a temporary source tree, a sample of a tree's files, and the
// decoders that check a precompressed variant.
package testtree

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Write writes files (path -> content) under a new temporary directory and
// returns it with "/" separators.
func Write(t testing.TB, files map[string]string) string {
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

// Sample picks text files spread over a tree, up to budget bytes.
func Sample(t testing.TB, root string, budget int64) []string {
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

// Decompress decodes a variant made with an encoding ("br", "gzip",
// "zstd"), and fails the test when a gzip header names a file or a time
// (RFC 1952 §2.3.1: either would make rebuilds differ).
func Decompress(t testing.TB, encoding string, data []byte) []byte {
	t.Helper()
	var r io.Reader
	switch encoding {
	case "br":
		r = brotli.NewReader(bytes.NewReader(data))
	case "gzip":
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if gz.Name != "" || !bytes.Equal(data[4:8], []byte{0, 0, 0, 0}) {
			t.Errorf("gzip header has name %q, mtime %x: not deterministic", gz.Name, data[4:8])
		}
		r = gz
	case "zstd":
		d, err := zstd.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		return out
	default:
		t.Fatalf("unknown encoding %q", encoding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// BuildCLI compiles the assetc command into a temporary directory and
// returns its path; it skips in -short runs.
func BuildCLI(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	bin := filepath.Join(t.TempDir(), "assetc")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/assetc/assetc/cmd/assetc")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// UsableOutput checks that a static root's staticfiles.json parses and that
// every file it names exists, and returns its paths.
func UsableOutput(t testing.TB, out string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "staticfiles.json"))
	if err != nil {
		t.Fatalf("no manifest: %v", err)
	}
	var m struct {
		Paths map[string]string `json:"paths"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("manifest does not parse: %v", err)
	}
	for logical, hashed := range m.Paths {
		for _, name := range []string{logical, hashed} {
			if _, err := os.Stat(filepath.Join(out, name)); err != nil {
				t.Errorf("manifest names %s, which is missing", name)
			}
		}
	}
	return m.Paths
}
