package core_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with the current output")

// checkGolden compares got with testdata/<name>, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./core -run %s -update' to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("rendering differs from %s (rerun with -update if the change is meant):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestRenderDiagnostics resolves files with problems and compares the
// rendered diagnostics with testdata/diagnostics/<case>.txt. Host paths are
// shown as $ROOT.
func TestRenderDiagnostics(t *testing.T) {
	long := strings.Repeat("a{color:red}", 30)
	cases := []struct {
		name  string
		files map[string]string
		ask   string
		cfg   func(*core.Config)
		max   int
	}{
		{name: "missing-reference", ask: "css/site.css", files: map[string]string{
			"css/site.css": "body {\n  background: url(\"../img/logo.png\");\n}\n",
			"img/lgo.png":  "png",
		}},
		{name: "in-dependency", ask: "css/site.css", files: map[string]string{
			"css/site.css":         "@import \"parts/header.css\";\nbody { color: red }\n",
			"css/parts/header.css": "h1 { background: url(gone.png) }\n",
		}},
		{name: "minified-line", ask: "css/min.css", files: map[string]string{
			"css/min.css": long + "b{background:url(nope.svg)}" + long + "\n",
		}},
		{name: "tabs-and-utf8", ask: "css/site.css", files: map[string]string{
			"css/site.css": "p {\n\tcontent: \"é→\"; background: url(nope.png);\n}\n",
		}},
		{name: "crlf", ask: "css/site.css", files: map[string]string{
			"css/site.css": "p {\r\n  background: url(nope.png);\r\n}\r\n",
		}},
		{name: "not-utf8", ask: "css/site.css", files: map[string]string{
			"css/site.css": "p { content: \"caf\xe9\" }\n",
		}},
		{name: "binary", ask: "css/site.css", files: map[string]string{
			"css/site.css": "p {}\n\x00\x01\x02",
		}},
		{name: "allowed-missing", ask: "css/site.css", cfg: func(c *core.Config) { c.AllowMissing = []string{"*.map"} },
			files: map[string]string{
				"css/site.css": "p{}\n/*# sourceMappingURL=site.css.map */\n",
			}},
		{name: "limit", ask: "css/site.css", max: 2, files: map[string]string{
			"css/site.css": "a { background: url(a.png) }\nb { background: url(b.png) }\nc { background: url(c.png) }\n",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := testtree.Write(t, tc.files)
			cfg := core.Config{Roots: []core.Root{{Dir: root}}}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			asset, err := newProject(t, cfg).Asset(tc.ask)
			diags := asset.Diagnostics
			var de *core.DiagnosticsError
			if errors.As(err, &de) {
				diags = de.Diagnostics
			} else if err != nil {
				t.Fatal(err)
			}
			if len(diags) == 0 {
				t.Fatal("no diagnostics")
			}
			got := strings.ReplaceAll(core.RenderDiagnostics(diags, tc.max), root, "$ROOT")
			checkGolden(t, "diagnostics/"+tc.name+".txt", got)
		})
	}
}

// TestRenderWithoutPosition: a diagnostic about a whole file names the file
// alone ("path:"), never "path:0:0", and one without a host path names the
// logical path.
func TestRenderWithoutPosition(t *testing.T) {
	for _, tc := range []struct {
		d    core.Diagnostic
		want string
	}{
		{core.Diagnostic{Path: "/srv/static/css/a.css", LogicalPath: "css/a.css", Message: "cannot read it"},
			"/srv/static/css/a.css: error: cannot read it"},
		{core.Diagnostic{LogicalPath: "css/a.css", Severity: core.SeverityWarning, Message: "odd", Hint: "look"},
			"css/a.css: warning: odd\n  hint: look"},
		{core.Diagnostic{Path: "/a.css", Line: 3, Message: "m"}, "/a.css:3: error: m"},
		{core.Diagnostic{Path: "/a.css", Line: 3, Col: 7, Message: "m", Notes: []core.Note{{Message: "referenced from /b.css:1:9"}}},
			"/a.css:3:7: error: m\n  note: referenced from /b.css:1:9"},
	} {
		if got := tc.d.Render(); got != tc.want {
			t.Errorf("Render() = %q, want %q", got, tc.want)
		}
	}
}

// TestDiagnosticJSONCarriesRendering: the JSON of a diagnostic has its
// structured fields and the text Render prints, so hosts print that.
func TestDiagnosticJSONCarriesRendering(t *testing.T) {
	d := core.Diagnostic{Path: "/a.css", LogicalPath: "a.css", Line: 2, Col: 5, EndCol: 9, Message: "m", Code: "c"}
	data, err := d.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"severity":"error","code":"c","logical_path":"a.css","path":"/a.css","line":2,"col":5,"end_col":9,"message":"m","rendered":"/a.css:2:5: error: m"}`
	if string(data) != want {
		t.Errorf("JSON = %s\nwant   %s", data, want)
	}
}
