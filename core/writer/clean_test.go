package writer_test

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// deployedVersion is what a page rendered by one release loads: every
// hashed URL of its manifest and every URL its rewritten CSS refers to.
type deployedVersion struct {
	manifest map[string]string
	urls     []string // output-relative paths
}

var cssURL = regexp.MustCompile(`url\("?([^")]+)"?\)`)

func deploy(t *testing.T, root, out string) deployedVersion {
	t.Helper()
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	result, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Compress: compress.Options{Encodings: []string{compress.Gzip}}})
	if err != nil {
		t.Fatal(err)
	}
	v := deployedVersion{manifest: result.Manifest}
	for _, hashed := range result.Manifest {
		v.urls = append(v.urls, hashed)
		if !strings.HasSuffix(hashed, ".css") {
			continue
		}
		css, err := os.ReadFile(filepath.Join(out, hashed))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cssURL.FindAllStringSubmatch(string(css), -1) {
			v.urls = append(v.urls, path.Join(path.Dir(hashed), m[1]))
		}
	}
	sort.Strings(v.urls)
	return v
}

func (v deployedVersion) assertLoadable(t *testing.T, out, name string) {
	t.Helper()
	for _, u := range v.urls {
		if _, err := os.Stat(filepath.Join(out, u)); err != nil {
			t.Errorf("%s page: %s is gone", name, u)
		}
	}
}

func rollingDeploy(t *testing.T) (out string, v1, v2 deployedVersion) {
	big := strings.Repeat("/* padding so gzip pays */\n", 50)
	root := testtree.Write(t, map[string]string{
		"css/site.css": "body { background: url(../img/bg.svg) }\n" + big,
		"img/bg.svg":   "<svg>v1</svg>" + big,
		"img/logo.svg": "<svg>logo</svg>" + big,
		"js/app.js":    "console.log('v1');\n" + big,
		"js/vendor.js": "console.log('vendor');\n" + big,
	})
	out = t.TempDir()
	v1 = deploy(t, root, out)
	// v2 changes the image (so the CSS name changes too) and the app.
	os.WriteFile(filepath.Join(root, "img/bg.svg"), []byte("<svg>v2</svg>"+big), 0o644)
	os.WriteFile(filepath.Join(root, "js/app.js"), []byte("console.log('v2');\n"+big), 0o644)
	v2 = deploy(t, root, out)
	return out, v1, v2
}

func TestRollingDeployKeepsBothVersions(t *testing.T) {
	out, v1, v2 := rollingDeploy(t)
	if v1.manifest["css/site.css"] == v2.manifest["css/site.css"] {
		t.Fatal("the CSS name should change when its image changes")
	}
	v1.assertLoadable(t, out, "v1")
	v2.assertLoadable(t, out, "v2")
}

func TestCleanKeepsWhatItMustAndRemovesWhatItMay(t *testing.T) {
	out, v1, v2 := rollingDeploy(t)
	v1Only := map[string]bool{}
	for l, h := range v1.manifest {
		if v2.manifest[l] != h {
			v1Only[h] = true
		}
	}
	if len(v1Only) != 3 { // bg.svg, site.css, app.js
		t.Fatalf("v1-only files: %v", v1Only)
	}

	// Two builds kept: nothing goes.
	r, err := writer.Clean(out, writer.CleanOptions{Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Removed) != 0 {
		t.Errorf("--keep 2 removed %v", r.Removed)
	}
	// Too young: nothing goes, and the record stays for a later clean.
	r, err = writer.Clean(out, writer.CleanOptions{Keep: 1, OlderThan: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Removed) != 0 || r.Young != 3 {
		t.Errorf("--older-than 1h removed %v, spared %d young files; want none removed, 3 spared", r.Removed, r.Young)
	}
	// A dry run lists but removes nothing.
	r, err = writer.Clean(out, writer.CleanOptions{Keep: 1, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for h := range v1Only {
		want = append(want, h, h+".gz")
	}
	sort.Strings(want)
	if strings.Join(r.Removed, " ") != strings.Join(want, " ") {
		t.Errorf("dry run lists %v, want %v", r.Removed, want)
	}
	v1.assertLoadable(t, out, "v1 after a dry run")

	r, err = writer.Clean(out, writer.CleanOptions{Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Removed, " ") != strings.Join(want, " ") {
		t.Errorf("removed %v, want %v", r.Removed, want)
	}
	for _, rel := range want {
		if _, err := os.Stat(filepath.Join(out, rel)); !os.IsNotExist(err) {
			t.Errorf("%s survived the clean", rel)
		}
	}
	v2.assertLoadable(t, out, "v2 after the clean")
	for l := range v2.manifest { // unhashed copies and their variants stay
		if _, err := os.Stat(filepath.Join(out, l)); err != nil {
			t.Errorf("unhashed %s removed", l)
		}
	}
	for _, name := range []string{core.ManifestName, core.IntegrityName, "css/site.css.gz"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s removed", name)
		}
	}
	records, _ := filepath.Glob(filepath.Join(out, ".assetc", "builds", "*.json"))
	if len(records) != 1 {
		t.Errorf("want the v1 record pruned, %d records left", len(records))
	}
}

func TestCleanNeedsBuildRecords(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.0123456789ab.css"), nil, 0o644)
	if _, err := writer.Clean(dir, writer.CleanOptions{Keep: 1}); err == nil {
		t.Error("clean of a directory assetc never built should fail")
	}
	if _, err := os.Stat(filepath.Join(dir, "a.0123456789ab.css")); err != nil {
		t.Error("clean removed a file it knew nothing about")
	}
}

func TestCleanResultIsJSON(t *testing.T) {
	out, _, _ := rollingDeploy(t)
	r, err := writer.Clean(out, writer.CleanOptions{Keep: 1, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(r)
	if !strings.Contains(string(data), `"dry_run":true`) {
		t.Errorf("unexpected JSON %s", data)
	}
}
