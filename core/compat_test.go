package core_test

// These tests hold assetc to Django 6.1: on every fixture where Django
// succeeds, `assetc build` must write the same staticfiles.json bytes and the
// same files with the same bytes. The Django side comes from two places:
//
//   - golden files recorded by testdata/django/record.sh (always checked);
//   - a live run of real Django's collectstatic through the oracle
//     testdata/django/collectstatic.py, when $ASSETC_PYTHON names a Python
//     with Django installed (make test sets it to the project's venv), so a
//     stale golden file cannot hide a difference.

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
)

// fixtureCase is a testdata/compat or testdata/failures case.
type fixtureCase struct {
	Dir       string
	Roots     []string `json:"roots"`
	StaticURL string   `json:"static_url"`
	JSModules bool     `json:"js_modules"`
	Note      string   `json:"note"`
}

func loadCases(t *testing.T, pattern string) []fixtureCase {
	t.Helper()
	dirs, err := filepath.Glob(pattern)
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures match %s", pattern)
	}
	var cases []fixtureCase
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, "case.json"))
		if err != nil {
			t.Fatal(err)
		}
		c := fixtureCase{Dir: dir}
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// config turns the case's roots ("dir" or "prefix=dir", relative to roots/)
// into a core.Config.
func (c fixtureCase) config(t *testing.T) core.Config {
	t.Helper()
	cfg := core.Config{StaticURL: c.StaticURL, JSModules: c.JSModules}
	for _, spec := range c.Roots {
		prefix, dir, ok := strings.Cut(spec, "=")
		if !ok {
			prefix, dir = "", spec
		}
		abs, err := filepath.Abs(filepath.Join(c.Dir, "roots", dir))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Roots = append(cfg.Roots, core.Root{Prefix: prefix, Dir: filepath.ToSlash(abs)})
	}
	return cfg
}

func (c fixtureCase) build(t *testing.T, out string, workers int) (*writer.Result, error) {
	t.Helper()
	p, err := core.NewProject(core.OSFileSystem{}, c.config(t))
	if err != nil {
		t.Fatal(err)
	}
	return writer.Build(p, writer.BuildOptions{OutputDir: out, Workers: workers})
}

// outputFiles maps every file under dir to the MD5 of its bytes, except the
// manifest and what assetc writes beside Django's files: its bookkeeping
// (.assetc/) and the integrity sidecar.
func outputFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".assetc" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == core.ManifestName || rel == "staticfiles.integrity.json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[rel] = fmt.Sprintf("%x", md5.Sum(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestCompatWithRecordedDjango(t *testing.T) {
	for _, c := range loadCases(t, "../testdata/compat/*") {
		t.Run(filepath.Base(c.Dir), func(t *testing.T) {
			out := t.TempDir()
			if _, err := c.build(t, out, 4); err != nil {
				t.Fatalf("build: %v", err)
			}
			want, err := os.ReadFile(filepath.Join(c.Dir, "staticfiles.json"))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(out, core.ManifestName))
			if !bytes.Equal(got, want) {
				t.Errorf("staticfiles.json differs from Django's\n got: %s\nwant: %s", got, want)
			}
			var golden struct {
				Files map[string]string `json:"files"`
			}
			data, _ := os.ReadFile(filepath.Join(c.Dir, "django.json"))
			if err := json.Unmarshal(data, &golden); err != nil {
				t.Fatal(err)
			}
			compareTrees(t, outputFiles(t, out), golden.Files)
		})
	}
}

func compareTrees(t *testing.T, got, want map[string]string) {
	t.Helper()
	var names []string
	for name := range want {
		names = append(names, name)
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		g, inGot := got[name]
		w, inWant := want[name]
		switch {
		case !inGot:
			t.Errorf("Django wrote %s, assetc did not", name)
		case !inWant:
			t.Errorf("assetc wrote %s, Django did not", name)
		case g != w:
			t.Errorf("%s: content md5 %s, Django's %s", name, g, w)
		}
	}
}

// djangoPython returns the interpreter with Django installed, or skips.
func djangoPython(t *testing.T) string {
	t.Helper()
	python := os.Getenv("ASSETC_PYTHON")
	if python == "" {
		t.Skip("ASSETC_PYTHON is not set: run through 'make test' to compare against live Django")
	}
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("ASSETC_PYTHON=%s: %v (run 'make venv')", python, err)
	}
	return python
}

// runDjango runs real collectstatic on the case into out.
func runDjango(t *testing.T, python string, c fixtureCase, out string) map[string]any {
	t.Helper()
	args := []string{"../testdata/django/collectstatic.py", "--out", out, "--static-url", c.StaticURL}
	if c.JSModules {
		args = append(args, "--js-modules")
	}
	for _, spec := range c.Roots {
		prefix, dir, ok := strings.Cut(spec, "=")
		abs, _ := filepath.Abs(filepath.Join(c.Dir, "roots", map[bool]string{true: dir, false: spec}[ok]))
		if ok {
			abs = prefix + "=" + abs
		}
		args = append(args, abs)
	}
	cmd := exec.Command(python, args...)
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, stdout)
	}
	var result map[string]any
	if err := json.Unmarshal(stdout, &result); err != nil {
		t.Fatalf("oracle output %q: %v", stdout, err)
	}
	return result
}

func TestCompatWithLiveDjango(t *testing.T) {
	python := djangoPython(t)
	for _, c := range loadCases(t, "../testdata/compat/*") {
		t.Run(filepath.Base(c.Dir), func(t *testing.T) {
			t.Parallel()
			djangoOut, assetcOut := t.TempDir(), t.TempDir()
			if result := runDjango(t, python, c, djangoOut); result["ok"] != true {
				t.Fatalf("Django failed on a compat case: %v", result)
			}
			if _, err := c.build(t, assetcOut, 2); err != nil {
				t.Fatalf("build: %v", err)
			}
			want, _ := os.ReadFile(filepath.Join(djangoOut, core.ManifestName))
			got, _ := os.ReadFile(filepath.Join(assetcOut, core.ManifestName))
			if !bytes.Equal(got, want) {
				t.Errorf("staticfiles.json differs from live Django's\n got: %s\nwant: %s", got, want)
			}
			compareTrees(t, outputFiles(t, assetcOut), outputFiles(t, djangoOut))
		})
	}
}

// TestManifestReadByDjango loads assetc's staticfiles.json with Django's own
// ManifestStaticFilesStorage and asks it for every URL.
func TestManifestReadByDjango(t *testing.T) {
	python := djangoPython(t)
	for _, c := range loadCases(t, "../testdata/compat/*") {
		t.Run(filepath.Base(c.Dir), func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			result, err := c.build(t, out, 2)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"../testdata/django/read_manifest.py", "--root", out, "--static-url", c.StaticURL}
			var names []string
			for name := range result.Manifest {
				names = append(names, name)
			}
			sort.Strings(names)
			stdout, err := exec.Command(python, append(args, names...)...).Output()
			if err != nil {
				t.Fatalf("read_manifest: %v", err)
			}
			var urls map[string]any
			if err := json.Unmarshal(stdout, &urls); err != nil {
				t.Fatal(err)
			}
			for _, name := range names {
				want := c.StaticURL + result.Manifest[name]
				if got, ok := urls[name].(string); !ok || unescapeURL(got) != want {
					t.Errorf("Django's storage.url(%q) = %v, want %q", name, urls[name], want)
				}
			}
		})
	}
}

// unescapeURL undoes the percent-encoding Django's storage.url applies to
// non-ASCII and spaces, to compare with plain paths.
func unescapeURL(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &c); err == nil {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
