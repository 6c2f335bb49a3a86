package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/internal/testtree"
)

// runCLI runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// tree writes files under a new temporary directory.
func tree(t *testing.T, files map[string]string) string { return testtree.Write(t, files) }

func TestExitCodes(t *testing.T) {
	good := tree(t, map[string]string{"css/a.css": "a{background:url(../img/x.png)}", "img/x.png": "x"})
	bad := tree(t, map[string]string{"js/app.js": "x()\n//# sourceMappingURL=app.js.map\n"})
	out := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout+stderr
	}{
		{"no command", nil, exitUsage, "Usage:"},
		{"unknown command", []string{"bild"}, exitUsage, `unknown command "bild"`},
		{"unknown flag", []string{"build", "--nope"}, exitUsage, "unknown flag"},
		{"no output", []string{"build", "-s", good}, exitUsage, "-o DIR"},
		{"missing source dir", []string{"build", "-s", good + "/nope", "-o", out}, exitUsage, "does not exist; check the -s path"},
		{"help", []string{"build", "--help"}, exitOK, "Examples:"},
		{"version", []string{"version"}, exitOK, "brotli: "},
		{"build", []string{"build", "-s", good, "-o", out}, exitOK, "2 files collected, 2 hashed, 1 rewritten"},
		{"missing reference", []string{"build", "-s", bad, "-o", t.TempDir()}, exitDiagnostics, "app.js:2:22: error:"},
		{"allowed missing", []string{"build", "-s", bad, "-o", t.TempDir(), "--allow-missing", "*.map"}, exitOK, "warning:"},
		{"resolve", []string{"resolve", "-s", good, "img/x.png"}, exitOK, "img/x.9dd4e461268c.png"},
		{"resolve missing", []string{"resolve", "-s", good, "img/y.png"}, exitDiagnostics, `did you mean "img/x.png"`},
		{"explain", []string{"explain", "-s", good, "img/x.png"}, exitOK, "referenced by"},
		{"refs", []string{"refs", "-s", good, filepath.Join(good, "css/a.css")}, exitOK, "css-url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d (want %d); output does not contain %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
		})
	}
}

func TestJSONOutput(t *testing.T) {
	root := tree(t, map[string]string{"css/a.css": "a{background:url(../img/x.png)}", "img/x.png": "x"})
	code, stdout, _ := runCLI(t, "build", "-s", root, "-o", t.TempDir(), "--json")
	var build struct {
		OK       bool              `json:"ok"`
		Files    int               `json:"files"`
		Manifest map[string]string `json:"manifest"`
	}
	if err := json.Unmarshal([]byte(stdout), &build); err != nil || code != exitOK || !build.OK || build.Files != 2 {
		t.Errorf("build --json: exit %d, %+v, %v\n%s", code, build, err, stdout)
	}
	code, stdout, _ = runCLI(t, "resolve", "-s", root, "--json", "css/a.css", "nope.css")
	var answers []map[string]any
	if err := json.Unmarshal([]byte(stdout), &answers); err != nil || code != exitDiagnostics || len(answers) != 2 ||
		answers[0]["hashed_name"] != build.Manifest["css/a.css"] || answers[1]["error"] == nil {
		t.Errorf("resolve --json: exit %d, %v, %v", code, answers, err)
	}
	code, stdout, _ = runCLI(t, "explain", "-s", root, "--json", "img/x.png")
	var ex map[string]any
	if err := json.Unmarshal([]byte(stdout), &ex); err != nil || code != exitOK || ex["hashed_name"] != build.Manifest["img/x.png"] {
		t.Errorf("explain --json: exit %d, %v, %v", code, ex, err)
	}
}

// TestBuildPrintsRenderedDiagnostics: build prints core's rendering (the
// source line, a caret under the reference) at most --max-diagnostics
// times, and --json carries every diagnostic with the same text.
func TestBuildPrintsRenderedDiagnostics(t *testing.T) {
	root := tree(t, map[string]string{"css/a.css": "a{background:url(x.png)}\nb{background:url(y.png)}\nc{background:url(z.png)}\n"})
	code, _, stderr := runCLI(t, "build", "-s", root, "-o", t.TempDir(), "--max-diagnostics", "1")
	for _, want := range []string{"a.css:1:18: error:", "    1 | a{background:url(x.png)}\n      |                  ^~~~~\n", "…and 2 more\n", "3 errors"} {
		if code != exitDiagnostics || !strings.Contains(stderr, want) {
			t.Errorf("exit %d; stderr does not contain %q:\n%s", code, want, stderr)
		}
	}
	if strings.Contains(stderr, "y.png") {
		t.Errorf("--max-diagnostics 1 printed the second diagnostic:\n%s", stderr)
	}
	_, stdout, _ := runCLI(t, "build", "-s", root, "-o", t.TempDir(), "--json", "--max-diagnostics", "1")
	var out struct {
		Diagnostics []struct {
			Line     int    `json:"line"`
			Rendered string `json:"rendered"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || len(out.Diagnostics) != 3 {
		t.Fatalf("build --json: %v, %d diagnostics\n%s", err, len(out.Diagnostics), stdout)
	}
	if !strings.Contains(out.Diagnostics[1].Rendered, "2 | b{background:url(y.png)}") {
		t.Errorf("rendered = %q", out.Diagnostics[1].Rendered)
	}
}

// TestConfigFile: --config reads the configuration document of the wasm
// ABI; relative root directories are relative to the file, and mistakes
// are usage errors that say what is wrong.
func TestConfigFile(t *testing.T) {
	project := tree(t, map[string]string{
		"static/css/a.css":          "a{background:url(../img/x.png)}",
		"static/img/x.png":          "x",
		"vendor/w.js":               "w()",
		"good.json":                 `{"roots": [{"dir": "static"}, {"prefix": "vendor", "dir": "vendor"}], "missing": "error"}`,
		"unknown.json":              `{"roots": [{"dir": "static"}], "ignore": ["*.x"]}`,
		"policy.json":               `{"roots": [{"dir": "static"}], "missing": "ignore"}`,
		"nodir.json":                `{"roots": [{"dir": "nope"}]}`,
		"sub/relative-to-file.json": `{"roots": [{"dir": "../static"}]}`,
	})
	config := func(name string) string { return filepath.Join(project, name) }
	code, withFlags, _ := runCLI(t, "resolve", "-s", filepath.Join(project, "static"), "-s", "vendor="+filepath.Join(project, "vendor"), "css/a.css", "vendor/w.js")
	if code != exitOK {
		t.Fatal("resolve with -s failed")
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"good", []string{"resolve", "--config", config("good.json"), "css/a.css", "vendor/w.js"}, exitOK, withFlags},
		{"relative to the file", []string{"resolve", "--config", config("sub/relative-to-file.json"), "img/x.png"}, exitOK, "img/x.9dd4e461268c.png"},
		{"unknown member", []string{"resolve", "--config", config("unknown.json"), "css/a.css"}, exitUsage, `unknown field "ignore"`},
		{"bad policy", []string{"resolve", "--config", config("policy.json"), "css/a.css"}, exitUsage, `must be "error" or "warn", not "ignore"`},
		{"no such root", []string{"resolve", "--config", config("nodir.json"), "css/a.css"}, exitUsage, `root 1 ("nope")`},
		{"no such file", []string{"resolve", "--config", config("none.json"), "css/a.css"}, exitUsage, "none.json"},
		{"with a source flag", []string{"resolve", "--config", config("good.json"), "-s", project, "css/a.css"}, exitUsage, "--source and --config cannot be used together"},
		{"build", []string{"build", "--config", config("good.json"), "-o", t.TempDir()}, exitOK, "3 files collected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d (want %d); output does not contain %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
		})
	}
}
