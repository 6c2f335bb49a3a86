package writer_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// outputFiles lists the files of a static root outside assetc's state, with
// their bytes.
func outputFiles(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		if d.IsDir() && rel == ".assetc" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			data, _ := os.ReadFile(path)
			files[filepath.ToSlash(rel)] = data
		}
		return nil
	})
	return files
}

func names(files map[string][]byte) []string {
	var out []string
	for k := range files {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// temporaries lists the temporary files anywhere under out.
func temporaries(out string) []string {
	var tmps []string
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(d.Name(), ".assetc-tmp") {
			tmps = append(tmps, path)
		}
		return nil
	})
	return tmps
}

// siteV1 and siteV2 are two versions of a small site: v2 edits the CSS
// (new hashed names) and adds an image (new paths).
var (
	siteV1 = map[string]string{
		"css/site.css": strings.Repeat("body { background: url(../img/a.svg) }\n", 50),
		"img/a.svg":    "<svg>" + strings.Repeat("<g/>", 200) + "</svg>",
		"js/app.js":    strings.Repeat("console.log('v1');\n", 100),
	}
	siteV2 = map[string]string{
		"css/site.css": strings.Repeat("body { background: url(../img/b.svg) }\n", 60),
		"img/a.svg":    "<svg>" + strings.Repeat("<g/>", 200) + "</svg>",
		"img/b.svg":    "<svg>" + strings.Repeat("<b/>", 300) + "</svg>",
		"js/app.js":    strings.Repeat("console.log('v2');\n", 100),
	}
)

var gzipOnly = compress.Options{Encodings: []string{compress.Gzip}}

func writeSite(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKillsAroundTheSwitch stops a build at every step of its write, as a
// kill would, and checks the guarantees: the previous output stays usable;
// staticfiles.json and the integrity sidecar are never a split pair that a
// reader trusts (ReadIntegrity refuses a sidecar whose manifest never
// arrived); Clean removes every file and temporary the stopped build
// created; and the next build, with or without a clean first, succeeds and
// writes what a build into an empty directory writes.
func TestKillsAroundTheSwitch(t *testing.T) {
	fresh := t.TempDir()
	freshRoot := testtree.Write(t, siteV2)
	if _, err := writer.Build(newProject(t, core.Config{Roots: []core.Root{{Dir: freshRoot}}}), writer.BuildOptions{OutputDir: fresh, Compress: gzipOnly}); err != nil {
		t.Fatal(err)
	}
	want := outputFiles(t, fresh)
	steps := []struct {
		step      string
		n         int
		committed bool
	}{
		{"write", 1, false}, {"write", 4, false}, {"compress", 1, false}, {"compress", 3, false},
		{"integrity", 1, false}, {"record", 1, false}, {"manifest", 1, false},
		{"state", 1, true}, {"snapshot", 1, true}, {"pending", 1, true},
	}
	for _, s := range steps {
		for _, cleanFirst := range []bool{true, false} {
			root := testtree.Write(t, siteV1)
			out := t.TempDir()
			cfg := core.Config{Roots: []core.Root{{Dir: root}}}
			if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out, Compress: gzipOnly}); err != nil {
				t.Fatal(err)
			}
			before := outputFiles(t, out)
			writeSite(t, root, siteV2)
			plan, err := newProject(t, cfg).Plan(core.PlanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = writer.Write(out, plan, writer.KillAt(writer.Options{Compress: gzipOnly}, s.step, s.n), nil)
			if !writer.IsKilled(err) {
				t.Fatalf("%s #%d: not stopped: %v", s.step, s.n, err)
			}
			live := testtree.UsableOutput(t, out)
			if _, err := writer.ReadIntegrity(out); err != nil {
				if s.step != "record" && s.step != "manifest" {
					t.Errorf("%s #%d: %v", s.step, s.n, err)
				}
				if !strings.Contains(err.Error(), "does not belong to") {
					t.Errorf("%s #%d: %v", s.step, s.n, err)
				}
			} else if s.step == "record" || s.step == "manifest" {
				t.Errorf("%s #%d: a sidecar without its manifest was trusted", s.step, s.n)
			}
			if committed := live["css/site.css"] != testtree.UsableOutput(t, fresh)["css/site.css"]; committed == s.committed {
				t.Errorf("%s #%d: committed = %v, want %v", s.step, s.n, !committed, s.committed)
			}
			if cleanFirst {
				if _, err := writer.Clean(out, writer.CleanOptions{Keep: 10}); err != nil {
					t.Fatalf("%s #%d: clean: %v", s.step, s.n, err)
				}
				if tmps := temporaries(out); len(tmps) > 0 {
					t.Errorf("%s #%d: clean left %v", s.step, s.n, tmps)
				}
				got := outputFiles(t, out)
				if !s.committed && strings.Join(names(got), " ") != strings.Join(names(before), " ") {
					t.Errorf("%s #%d: after clean\n%v\nwant the previous build's\n%v", s.step, s.n, names(got), names(before))
				}
			}
			if _, err := writer.Build(newProject(t, cfg), writer.BuildOptions{OutputDir: out, Compress: gzipOnly}); err != nil {
				t.Fatalf("%s #%d: the next build: %v", s.step, s.n, err)
			}
			if _, err := writer.ReadIntegrity(out); err != nil {
				t.Errorf("%s #%d: after the next build: %v", s.step, s.n, err)
			}
			got := outputFiles(t, out)
			for name, data := range want {
				if !bytes.Equal(got[name], data) {
					t.Errorf("%s #%d: %s differs from a fresh build's", s.step, s.n, name)
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					if _, old := before[name]; !old {
						t.Errorf("%s #%d: %s is neither this build's nor the previous one's", s.step, s.n, name)
					}
				}
			}
			if tmps := temporaries(out); len(tmps) > 0 {
				t.Errorf("%s #%d: temporaries left: %v", s.step, s.n, tmps)
			}
		}
	}
}
