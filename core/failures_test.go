package core_test

// Where Django 6.1 fails or misbehaves (testdata/failures, with Django's
// recorded behaviour in each django.json), assetc must do the right thing.

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/scan"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

func failureCase(t *testing.T, name string) fixtureCase {
	t.Helper()
	for _, c := range loadCases(t, "../testdata/failures/*") {
		if filepath.Base(c.Dir) == name {
			return c
		}
	}
	t.Fatalf("no failure case %s", name)
	return fixtureCase{}
}

// buildOK builds a case and returns the output dir and result.
func buildOK(t *testing.T, c fixtureCase) (string, *writer.Result) {
	t.Helper()
	out := t.TempDir()
	result, err := c.build(t, out, 4)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return out, result
}

// checkReferencesExist asserts that every local reference in the hashed
// CSS/JS copies names a file that exists in the output. It finds them with
// the scanners themselves, so it checks the rewriting, not a regex's idea of
// CSS.
func checkReferencesExist(t *testing.T, out string, manifest map[string]string) {
	t.Helper()
	for _, hashed := range manifest {
		isCSS, isJS := strings.HasSuffix(hashed, ".css"), strings.HasSuffix(hashed, ".js")
		if !isCSS && !isJS {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, hashed))
		if err != nil {
			t.Fatal(err)
		}
		var refs []scan.Reference
		if isCSS {
			refs, err = scan.CSS(data)
		} else {
			refs, err = scan.JS(data, true)
		}
		if err != nil {
			continue // not scannable as a module; its source maps were checked when built
		}
		for _, r := range refs {
			ref := r.Value
			if strings.Contains(ref, ":") || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "/") || ref == "" {
				continue
			}
			if isJS && r.Kind != scan.JSSourceMap && r.Kind != scan.JSNewURL &&
				!strings.HasPrefix(ref, "./") && !strings.HasPrefix(ref, "../") {
				continue // a bare specifier ("react") names a package, not a file
			}
			ref, _, _ = strings.Cut(ref, "#")
			ref, _, _ = strings.Cut(ref, "?")
			ref = strings.NewReplacer("%25", "%", "%3F", "?", "%23", "#").Replace(ref)
			target := filepath.Join(out, filepath.Dir(hashed), ref)
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s:%d:%d references %q, which is not in the output", hashed, r.Line, r.Col, r.Value)
			}
		}
	}
}

func TestCyclesGetStableNames(t *testing.T) {
	for _, name := range []string{"self-reference", "import-cycle"} {
		t.Run(name, func(t *testing.T) {
			c := failureCase(t, name)
			out, result := buildOK(t, c)
			if result.Cycles == 0 {
				t.Errorf("no file was named as a cycle member")
			}
			checkReferencesExist(t, out, result.Manifest)
			// The same sources give the same names, whatever the workers.
			_, again := buildOK(t, c)
			for k, v := range result.Manifest {
				if again.Manifest[k] != v {
					t.Errorf("%s: %s then %s", k, v, again.Manifest[k])
				}
			}
		})
	}
}

func TestDeepChainsHaveNoLimit(t *testing.T) {
	for _, name := range []string{"chain-6-deep", "chain-7-deep"} {
		t.Run(name, func(t *testing.T) {
			out, result := buildOK(t, failureCase(t, name))
			checkReferencesExist(t, out, result.Manifest)
			assertNamesAreContentHashes(t, out, result.Manifest)
		})
	}
	t.Run("50-deep", func(t *testing.T) {
		files := map[string]string{}
		for i := 0; i < 50; i++ {
			files[filepath.Join("css", strings.Repeat("d/", i), "c.css")] = `@import url("d/c.css"); .x{}`
		}
		files["css/"+strings.Repeat("d/", 50)+"c.css"] = `.end { background: url(i.png) }`
		files["css/"+strings.Repeat("d/", 50)+"i.png"] = "png"
		root := testtree.Write(t, files)
		out := t.TempDir()
		p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
		result, err := writer.Build(p, writer.BuildOptions{OutputDir: out})
		if err != nil {
			t.Fatal(err)
		}
		checkReferencesExist(t, out, result.Manifest)
		assertNamesAreContentHashes(t, out, result.Manifest)
	})
}

// assertNamesAreContentHashes checks Django's rule for files outside cycles:
// the name holds the MD5 of the hashed copy's bytes.
func assertNamesAreContentHashes(t *testing.T, out string, manifest map[string]string) {
	t.Helper()
	for logical, hashed := range manifest {
		data, err := os.ReadFile(filepath.Join(out, hashed))
		if err != nil {
			t.Fatal(err)
		}
		if want := core.HashedName(logical, core.ContentHash(data)); want != hashed {
			t.Errorf("%s is named %s but its bytes hash to %s", logical, hashed, want)
		}
	}
}

func TestMissingReferenceStopsTheBuild(t *testing.T) {
	c := failureCase(t, "missing-map")
	out := t.TempDir()
	result, err := c.build(t, out, 2)
	var de *core.DiagnosticsError
	if !errors.As(err, &de) {
		t.Fatalf("want a DiagnosticsError, got %v", err)
	}
	d := de.Diagnostics[0]
	if d.Code != core.CodeMissingReference || d.Line == 0 || d.Col == 0 || !strings.Contains(d.Message, "app.js.map") {
		t.Errorf("diagnostic = %+v", d)
	}
	if !strings.Contains(d.String(), "js/app.js:") {
		t.Errorf("diagnostic does not name file:line:col: %s", d)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a failed build wrote %d entries", len(entries))
	}
	if result == nil || len(result.Diagnostics) == 0 {
		t.Errorf("the result should carry the diagnostics")
	}

	// Allowed, the reference is left as written, with a warning.
	cfg := c.config(t)
	cfg.AllowMissing = []string{"*.map"}
	p := newProject(t, cfg)
	result, err = writer.Build(p, writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatalf("with --allow-missing '*.map': %v", err)
	}
	if len(result.Diagnostics) == 0 || result.Diagnostics[0].Severity != core.SeverityWarning {
		t.Errorf("want a warning, got %+v", result.Diagnostics)
	}
	hashed, _ := os.ReadFile(filepath.Join(out, result.Manifest["js/app.js"]))
	if !strings.Contains(string(hashed), "sourceMappingURL=app.js.map") {
		t.Errorf("the allowed missing reference was changed: %s", hashed)
	}
}

func TestSchemesInAnyCaseAreLeftAlone(t *testing.T) {
	for _, name := range []string{"uppercase-data-scheme", "uppercase-http-scheme", "chrome-extension-scheme"} {
		t.Run(name, func(t *testing.T) {
			out, result := buildOK(t, failureCase(t, name))
			for logical, hashed := range result.Manifest {
				if !strings.HasSuffix(logical, ".css") {
					continue
				}
				src, _ := os.ReadFile(filepath.Join(out, logical))
				dst, _ := os.ReadFile(filepath.Join(out, hashed))
				for _, scheme := range []string{"DATA:", "HTTP:", "chrome-extension:"} {
					if strings.Contains(string(src), scheme) && !strings.Contains(string(dst), scheme) {
						t.Errorf("%s: the %s URL was changed", logical, scheme)
					}
				}
			}
		})
	}
}

func TestEscapingTheRootIsADiagnostic(t *testing.T) {
	_, err := failureCase(t, "escape-root").build(t, t.TempDir(), 1)
	var de *core.DiagnosticsError
	if !errors.As(err, &de) || de.Diagnostics[0].Code != core.CodeEscapesRoot {
		t.Fatalf("want an escapes-root diagnostic, got %v", err)
	}
}

func TestNonUTF8IsAClearError(t *testing.T) {
	_, err := failureCase(t, "non-utf8-css").build(t, t.TempDir(), 1)
	var de *core.DiagnosticsError
	if !errors.As(err, &de) {
		t.Fatalf("want a DiagnosticsError, got %v", err)
	}
	d := de.Diagnostics[0]
	if d.Code != core.CodeNotUTF8 || d.Line != 1 || d.Col != 7 {
		t.Errorf("diagnostic = %s (want not-utf8 at 1:7, where Django's decoder fails: position 6)", d)
	}
}

func TestQueryReferenceToCSSPointsAtTheFinalName(t *testing.T) {
	out, result := buildOK(t, failureCase(t, "query-css-import"))
	a, _ := os.ReadFile(filepath.Join(out, result.Manifest["css/a.css"]))
	want := filepath.Base(result.Manifest["css/b.css"]) + "?v=1"
	if !strings.Contains(string(a), want) {
		t.Errorf("a.css = %q, want a reference to %s (Django points at the pre-rewrite name)", a, want)
	}
	checkReferencesExist(t, out, result.Manifest)
}

func TestCRLFSourceMaps(t *testing.T) {
	out, result := buildOK(t, failureCase(t, "crlf-source-maps"))
	checkReferencesExist(t, out, result.Manifest)
	for logical, hashed := range result.Manifest {
		if strings.HasSuffix(logical, ".css") || strings.HasSuffix(logical, ".js") {
			data, _ := os.ReadFile(filepath.Join(out, hashed))
			if strings.Contains(string(data), ".css.map ") || strings.Contains(string(data), "=app.js.map") {
				t.Errorf("%s still points at an unhashed map: %q", hashed, data)
			}
		}
	}
}

func TestJSImportWithoutSemicolonDoesNotSwallowCode(t *testing.T) {
	out, result := buildOK(t, failureCase(t, "js-import-swallows-string"))
	for logical, hashed := range result.Manifest {
		if !strings.HasSuffix(logical, ".js") {
			continue
		}
		src, _ := os.ReadFile(filepath.Join(out, logical))
		dst, _ := os.ReadFile(filepath.Join(out, hashed))
		if strings.Contains(string(src), `loaded from './b.js'`) && !strings.Contains(string(dst), `loaded from './b.js'`) {
			t.Errorf("a string literal was rewritten: %s", dst)
		}
	}
}
