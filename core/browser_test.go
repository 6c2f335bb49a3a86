package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/writer"
)

// The browser-level check: a page that loads a stylesheet and an ES module
// graph with SRI and an import map, exactly as the bridge's template tags
// will write it, must load everything in a real browser; and the same page
// with one wrong integrity value must not (the negative control shows the
// check can fail).
//
// It needs Debian's Chromium: apt-get install -y chromium
func TestBrowserLoadsPageWithIntegrityAndImportMap(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not on PATH; install it with: apt-get install -y chromium")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	root := moduleSite(t)
	out := t.TempDir()
	p := newProject(t, core.Config{Roots: []core.Root{{Dir: root}}})
	result, err := writer.Build(p, writer.BuildOptions{OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	var sidecar core.IntegrityFile
	data, _ := os.ReadFile(out + "/" + core.IntegrityName)
	if err := json.Unmarshal(data, &sidecar); err != nil {
		t.Fatal(err)
	}
	importMap, err := p.ImportMap(core.ImportMapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const wrong = "sha384-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	cssURL := "/static/" + result.Manifest["css/site.css"]
	appURL := "/static/" + result.Manifest["js/app.js"]
	depURL := "/static/" + result.Manifest["js/lib/dep.js"]

	pages := map[string]func(m core.ImportMap, css, app string) (core.ImportMap, string, string){
		"good": func(m core.ImportMap, css, app string) (core.ImportMap, string, string) { return m, css, app },
		"wrong-dependency": func(m core.ImportMap, css, app string) (core.ImportMap, string, string) {
			m.Integrity = map[string]string{}
			for k, v := range importMap.Integrity {
				m.Integrity[k] = v
			}
			m.Integrity[depURL] = wrong
			return m, css, app
		},
		"wrong-stylesheet": func(m core.ImportMap, css, app string) (core.ImportMap, string, string) { return m, wrong, app },
		"wrong-entry":      func(m core.ImportMap, css, app string) (core.ImportMap, string, string) { return m, css, wrong },
	}
	mux := http.NewServeMux()
	var mu sync.Mutex
	var notFound, requested []string
	static := http.StripPrefix("/static/", http.FileServer(http.Dir(out)))
	mux.Handle("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requested = append(requested, r.URL.Path)
		if _, err := os.Stat(out + "/" + strings.TrimPrefix(r.URL.Path, "/static/")); err != nil {
			notFound = append(notFound, r.URL.Path)
		}
		mu.Unlock()
		static.ServeHTTP(w, r)
	}))
	for name, variant := range pages {
		m, css, app := variant(importMap, sidecar.Files[result.Manifest["css/site.css"]], sidecar.Files[result.Manifest["js/app.js"]])
		mapJSON, _ := json.Marshal(m)
		page := fmt.Sprintf(`<!doctype html>
<html><head>
<script type="importmap">%s</script>
<link rel="stylesheet" href="%s" integrity="%s" crossorigin="anonymous">
<script type="module" src="%s" integrity="%s" crossorigin="anonymous"></script>
<script>
window.addEventListener("load", () => {
  const w = getComputedStyle(document.getElementById("probe")).width;
  document.documentElement.setAttribute("data-css", w === "123px" ? "yes" : "no:" + w);
});
</script>
</head><body><div id="probe"></div></body></html>`, mapJSON, html.EscapeString(cssURL), css, html.EscapeString(appURL), app)
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page)
		})
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: mux}
	go server.Serve(listener)
	defer server.Close()
	base := "http://" + listener.Addr().String()

	want := map[string][2]bool{ // page -> module loaded, stylesheet applied
		"good":             {true, true},
		"wrong-dependency": {false, true},
		"wrong-stylesheet": {true, false},
		"wrong-entry":      {false, true},
	}
	for name, expect := range want {
		dom := dumpDOM(t, chromium, base+"/"+name)
		module := strings.Contains(dom, `data-module="yes"`)
		css := strings.Contains(dom, `data-css="yes"`)
		if module != expect[0] || css != expect[1] {
			t.Errorf("%s page: module loaded %v (want %v), stylesheet applied %v (want %v)\n%s", name, module, expect[0], css, expect[1], dom)
		}
	}
	// The import map did the work: "./lib/dep.js" in the hashed app went to
	// the hashed dependency, never to the unhashed copy.
	if !contains(requested, depURL) || contains(requested, "/static/js/lib/dep.js") {
		t.Errorf("requests %v: want %s through the import map, not the unhashed copy", requested, depURL)
	}
	if len(notFound) > 0 {
		t.Errorf("the browser asked for files the build did not write: %v", notFound)
	}
}

// dumpDOM loads a URL in headless Chromium and returns the DOM after the
// page's scripts ran.
func dumpDOM(t *testing.T, chromium, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000", "--dump-dom", url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	return string(dom)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
