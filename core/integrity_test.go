package core_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
	"github.com/assetc/assetc/internal/testtree"
)

// openssl dgst -sha384 -binary FILE | base64, in Go.
func opensslStyle(algorithm string, data []byte) string {
	var sum []byte
	switch algorithm {
	case "sha256":
		s := sha256.Sum256(data)
		sum = s[:]
	case "sha384":
		s := sha512.Sum384(data)
		sum = s[:]
	case "sha512":
		s := sha512.Sum512(data)
		sum = s[:]
	}
	return algorithm + "-" + base64.StdEncoding.EncodeToString(sum)
}

func moduleSite(t *testing.T) string {
	return testtree.Write(t, map[string]string{
		"js/app.js":     "import { mark } from \"./lib/dep.js\";\nmark();\n",
		"js/lib/dep.js": "export function mark() { document.documentElement.setAttribute(\"data-module\", \"yes\"); }\n",
		"js/extra.mjs":  "export const x = 1;\n",
		"css/site.css":  "body { background: url(../img/bg.svg) }\n#probe { width: 123px }\n",
		"img/bg.svg":    "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
	})
}

func TestIntegritySidecar(t *testing.T) {
	root := moduleSite(t)
	for _, algorithm := range []string{"", "sha256", "sha384", "sha512"} {
		out := t.TempDir()
		p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
		result, err := writer.Build(p, writer.BuildOptions{OutputDir: out, Integrity: algorithm})
		if err != nil {
			t.Fatal(err)
		}
		want := algorithm
		if want == "" {
			want = "sha384"
		}
		data, err := os.ReadFile(filepath.Join(out, core.IntegrityName))
		if err != nil {
			t.Fatal(err)
		}
		var sidecar core.IntegrityFile
		if err := json.Unmarshal(data, &sidecar); err != nil {
			t.Fatal(err)
		}
		if sidecar.Version != 1 || sidecar.Algorithm != want || len(sidecar.Files) != len(result.Manifest) {
			t.Errorf("sidecar header %d %q with %d files", sidecar.Version, sidecar.Algorithm, len(sidecar.Files))
		}
		for logical, hashed := range result.Manifest {
			content, _ := os.ReadFile(filepath.Join(out, hashed))
			if got, w := sidecar.Files[hashed], opensslStyle(want, content); got != w {
				t.Errorf("%s: sidecar %s, openssl %s", hashed, got, w)
			}
			fromSources, err := p.Integrity(logical, algorithm)
			if err != nil || fromSources != sidecar.Files[hashed] {
				t.Errorf("%s: Project.Integrity %s (%v), sidecar %s", logical, fromSources, err, sidecar.Files[hashed])
			}
		}
		// staticfiles.json is untouched: exactly Django's bytes.
		manifest, _ := os.ReadFile(filepath.Join(out, core.ManifestName))
		if !bytes.Equal(manifest, core.Manifest(result.Manifest)) {
			t.Error("staticfiles.json is not Django's bytes")
		}
	}
}

func TestIntegrityFollowsRewrittenContent(t *testing.T) {
	root := moduleSite(t)
	out := t.TempDir()
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	if _, err := writer.Build(p, writer.BuildOptions{OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	// The sidecar survives a no-change rebuild and follows an edit.
	os.WriteFile(filepath.Join(root, "img/bg.svg"), []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"><g/></svg>"), 0o644)
	p.Invalidate()
	result, err := writer.Build(p, writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	var sidecar core.IntegrityFile
	data, _ := os.ReadFile(filepath.Join(out, core.IntegrityName))
	json.Unmarshal(data, &sidecar)
	css, _ := os.ReadFile(filepath.Join(out, result.Manifest["css/site.css"]))
	if !strings.Contains(string(css), filepath.Base(result.Manifest["img/bg.svg"])) {
		t.Fatalf("the CSS does not refer to the new image: %s", css)
	}
	if sidecar.Files[result.Manifest["css/site.css"]] != opensslStyle("sha384", css) {
		t.Error("the sidecar's CSS integrity is not the rewritten CSS's")
	}
	if _, err := p.Integrity("css/site.css", "md5"); err == nil {
		t.Error("md5 is no SRI algorithm")
	}
}

func TestImportMap(t *testing.T) {
	root := moduleSite(t)
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}, StaticURL: "/assets/"})
	m, err := p.ImportMap(core.ImportMapOptions{Aliases: map[string]string{"app": "js/app.js"}})
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := p.HashedName("js/lib/dep.js")
	app, _ := p.HashedName("js/app.js")
	extra, _ := p.HashedName("js/extra.mjs")
	want := map[string]string{
		"/assets/js/app.js":     "/assets/" + app,
		"/assets/js/lib/dep.js": "/assets/" + dep,
		"/assets/js/extra.mjs":  "/assets/" + extra,
		"app":                   "/assets/" + app,
	}
	if len(m.Imports) != len(want) {
		t.Errorf("imports %v, want %v", m.Imports, want)
	}
	for k, v := range want {
		if m.Imports[k] != v {
			t.Errorf("imports[%q] = %q, want %q", k, m.Imports[k], v)
		}
	}
	source, _ := os.ReadFile(filepath.Join(root, "js/lib/dep.js"))
	if m.Integrity["/assets/"+dep] != opensslStyle("sha384", source) || len(m.Integrity) != 3 {
		t.Errorf("integrity %v", m.Integrity)
	}

	only, err := p.ImportMap(core.ImportMapOptions{Include: []string{"*.mjs"}, StaticURL: "https://cdn.example/s/"})
	if err != nil || len(only.Imports) != 1 || only.Imports["https://cdn.example/s/js/extra.mjs"] != "https://cdn.example/s/"+extra {
		t.Errorf("--include '*.mjs': %v %v", only.Imports, err)
	}
	if _, err := p.ImportMap(core.ImportMapOptions{Aliases: map[string]string{"x": "css/site.css"}}); err == nil {
		t.Error("an alias to a file that is not a module should fail")
	}
}
