package writer_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
)

// A static root from one source directory: a stylesheet and the image it
// references, each written under its name and its hashed name, the
// reference rewritten in the hashed copy, and staticfiles.json naming both as Django's
// ManifestStaticFilesStorage would. The second build finds nothing changed
// and writes nothing.
func ExampleBuild() {
	tmp, err := os.MkdirTemp("", "assetc-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	static, out := filepath.Join(tmp, "static"), filepath.Join(tmp, "staticfiles")
	must(os.MkdirAll(filepath.Join(static, "css"), 0o755))
	must(os.MkdirAll(filepath.Join(static, "img"), 0o755))
	must(os.WriteFile(filepath.Join(static, "img", "logo.svg"), []byte("<svg/>"), 0o644))
	must(os.WriteFile(filepath.Join(static, "css", "site.css"), []byte(`h1 { background: url("../img/logo.svg") }`), 0o644))

	for build := 1; build <= 2; build++ {
		project, err := core.NewProject(core.OSFileSystem{}, core.Config{Roots: []core.Root{{Dir: static}}})
		if err != nil {
			panic(err)
		}
		result, err := writer.Build(project, writer.BuildOptions{OutputDir: out})
		if err != nil {
			panic(err) // a *core.DiagnosticsError says file:line:col of every error
		}
		fmt.Printf("build %d: %d files written, %d unchanged\n", build, result.Written, result.Unchanged)
	}
	manifest, _ := os.ReadFile(filepath.Join(out, "staticfiles.json"))
	fmt.Println(string(manifest))
	// The hashed copy names the hashed image; the unhashed one keeps the
	// source's bytes, as Django's does.
	css, _ := os.ReadFile(filepath.Join(out, "css", "site.4faad672ee3e.css"))
	fmt.Println(string(css))
	// Output:
	// build 1: 4 files written, 0 unchanged
	// build 2: 0 files written, 4 unchanged
	// {"paths": {"css/site.css": "css/site.4faad672ee3e.css", "img/logo.svg": "img/logo.677433a0892a.svg"}, "version": "1.1", "hash": "0bb36ad4f705"}
	// h1 { background: url("../img/logo.677433a0892a.svg") }
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
