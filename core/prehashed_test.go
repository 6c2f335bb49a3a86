package core_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

func TestBundlerOutputIsNotHashedAgain(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"dist/.vite/manifest.json":     `{"src/main.js": {"file": "assets/main-B7PI925R.js", "css": ["assets/main-Cx9aZ1.css"]}}`,
		"dist/assets/main-B7PI925R.js": `import "./dep.js"; //# sourceMappingURL=main-B7PI925R.js.map`,
		"dist/assets/main-Cx9aZ1.css":  `a{background:url(x.png)}`,
		"dist/assets/x.png":            "x",
		"js/theme-twilight.js":         "// not a hash, whatever its name looks like",
		"vendor/lib.0123abcd.js":       "lib",
		"esb/meta.json":                `{"inputs": {}, "outputs": {"static/esb/out/app-5XQ2ZP3M.js": {}, "static/esb/out/app-5XQ2ZP3M.js.map": {}}}`,
		"esb/out/app-5XQ2ZP3M.js":      "app()",
		"esb/out/other.js":             "other()",
	})
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}, Prehashed: []string{"vendor/*.????????.js"}})
	for logical, want := range map[string]string{
		"dist/assets/main-B7PI925R.js": "dist/assets/main-B7PI925R.js",
		"dist/assets/main-Cx9aZ1.css":  "dist/assets/main-Cx9aZ1.css",
		"vendor/lib.0123abcd.js":       "vendor/lib.0123abcd.js",
		"esb/out/app-5XQ2ZP3M.js":      "esb/out/app-5XQ2ZP3M.js",
	} {
		if got, err := p.HashedName(logical); err != nil || got != want {
			t.Errorf("%s: %q, %v; want its own name kept", logical, got, err)
		}
	}
	if got, _ := p.HashedName("js/theme-twilight.js"); got == "js/theme-twilight.js" {
		t.Errorf("theme-twilight.js was taken for a hashed name")
	}
	if got, _ := p.HashedName("esb/out/other.js"); got == "esb/out/other.js" {
		t.Errorf("a file the esbuild metafile does not list kept its name")
	}
	if got, _ := p.HashedName("dist/assets/x.png"); got == "dist/assets/x.png" {
		t.Errorf("a file the Vite manifest does not list kept its name")
	}
}

func TestBinaryJunkNamedCSS(t *testing.T) {
	root := testtree.Write(t, map[string]string{"css/junk.css": "PK\x03\x04\x00\x00binary"})
	_, err := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}}).HashedName("css/junk.css")
	var de *core.DiagnosticsError
	if !errors.As(err, &de) || de.Diagnostics[0].Code != core.CodeBinary || !strings.Contains(err.Error(), "junk.css:1:5") {
		t.Fatalf("want a binary-content diagnostic at 1:5, got %v", err)
	}
}
