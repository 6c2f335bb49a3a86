package main

// Every failure comes back through the ABI as a structured error, and the
// instance keeps working; only a trap costs an instance.

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
)

// exampleConfig is the example site's configuration.
func exampleConfig(t testing.TB) core.Config {
	return configOf(t, "../testdata/example", []string{"static", "vendor=node_modules/widget/dist", "apps/blog/static"})
}

// configuredGuest is a fresh instance configured with cfg.
func configuredGuest(t testing.TB, cfg core.Config) *guest {
	t.Helper()
	g := newTestGuest(t)
	if resp, err := g.configure(cfg); err != nil || !resp.OK {
		t.Fatalf("configure: %v %+v", err, resp.Error)
	}
	return g
}

// resolveOne resolves a single path.
func resolveOne(t testing.TB, g *guest, logical string) wireResult {
	t.Helper()
	resp, err := g.resolve(logical)
	if err != nil || !resp.OK || len(resp.Results) != 1 {
		t.Fatalf("resolve %s: %v %+v", logical, err, resp)
	}
	return resp.Results[0]
}

func TestMissingFileHasSuggestions(t *testing.T) {
	cfg := exampleConfig(t)
	g := configuredGuest(t, cfg)
	got := resolveOne(t, g, "css/sitee.css").Error
	if got == nil || got.Kind != kindNotFound {
		t.Fatalf("got %+v, want a not_found error", got)
	}
	if !reflect.DeepEqual(got.Suggestions, []string{"css/site.css"}) {
		t.Errorf("suggestions %q, want css/site.css", got.Suggestions)
	}
	wantSearched := []string{cfg.Roots[0].Dir, cfg.Roots[2].Dir} // not vendor=: its prefix cannot match
	if !reflect.DeepEqual(got.Searched, wantSearched) {
		t.Errorf("searched %q, want %q", got.Searched, wantSearched)
	}
	native, _ := core.NewProject(core.OSFileSystem{}, cfg)
	_, nativeErr := native.Asset("css/sitee.css")
	sameError(t, "css/sitee.css", got, wireErrorOf(nativeErr))

	// content answers the same, by path and by a hashed name.
	for _, request := range []map[string]any{{"logical_path": "css/sitee.css"}, {"hashed_name": "css/site.0123456789ab.css"}} {
		reply, err := g.content(request)
		if err != nil || reply.OK || reply.Error == nil || reply.Error.Kind != kindNotFound || len(reply.Body) != 0 {
			t.Errorf("content %v: %v %+v", request, err, reply)
		}
	}
}

func TestMissingReferenceIsPlaced(t *testing.T) {
	cfg := configOf(t, "../testdata/failures/missing-map/roots", []string{"main"})
	g := configuredGuest(t, cfg)
	got := resolveOne(t, g, "js/app.js").Error
	if got == nil || got.Kind != kindDiagnostics || len(got.Diagnostics) != 1 {
		t.Fatalf("got %+v, want one diagnostic", got)
	}
	d := got.Diagnostics[0]
	if d.Severity != "error" || d.Code != core.CodeMissingReference || d.LogicalPath != "js/app.js" ||
		!strings.HasSuffix(d.Path, "/js/app.js") || d.Line != 2 || d.Col != 22 || d.Reference != "app.js.map" {
		t.Errorf("diagnostic %+v, want a missing-reference error at js/app.js:2:22", d)
	}
	if !strings.Contains(got.Message, "app.js:2:22: error:") {
		t.Errorf("message %q does not place the error as file:line:col", got.Message)
	}
	// With the missing policy "warn" the same file resolves, with a warning.
	cfg.Missing = core.MissingWarn
	g = configuredGuest(t, cfg)
	result := resolveOne(t, g, "js/app.js")
	if result.Error != nil || result.HashedName == "" || len(result.Warnings) != 1 || result.Warnings[0].Severity != "warning" {
		t.Errorf("with missing=warn: %+v", result)
	}
}

func TestCycleIsNamed(t *testing.T) {
	g := configuredGuest(t, configOf(t, "../testdata/failures/import-cycle/roots", []string{"main"}))
	resp, err := g.resolve("css/a.css", "css/b.css")
	if err != nil || !resp.OK {
		t.Fatal(err, resp.Error)
	}
	for _, r := range resp.Results {
		if r.Error != nil || !strings.HasPrefix(r.HashedName, strings.TrimSuffix(r.LogicalPath, ".css")+".") {
			t.Errorf("%s: %+v, want a hashed name", r.LogicalPath, r)
		}
	}
}

func TestBadConfiguration(t *testing.T) {
	g := newTestGuest(t)
	// Before any configure, requests fail with an error, not a trap.
	if resp, err := g.resolve("css/site.css"); err != nil || resp.OK || resp.Error.Kind != kindConfig {
		t.Errorf("resolve before configure: %v %+v", err, resp)
	}
	if reply, err := g.content(map[string]any{"logical_path": "css/site.css"}); err != nil || reply.OK || reply.Error.Kind != kindConfig {
		t.Errorf("content before configure: %v %+v", err, reply)
	}
	if err := g.invalidate(); err != nil {
		t.Errorf("invalidate before configure: %v", err)
	}
	dir := exampleConfig(t).Roots[0].Dir
	for name, request := range map[string]string{
		"not JSON":         `{"roots": [`,
		"no roots":         `{"roots": []}`,
		"empty dir":        `{"roots": [{"prefix": "", "dir": ""}]}`,
		"static_url":       `{"roots": [{"dir": "` + dir + `"}], "static_url": "static"}`,
		"missing policy":   `{"roots": [{"dir": "` + dir + `"}], "missing": "ignore"}`,
		"unknown option":   `{"roots": [{"dir": "` + dir + `"}], "js_module": true}`,
		"dot-dot prefix":   `{"roots": [{"prefix": "../x", "dir": "` + dir + `"}]}`,
		"trailing garbage": `{"roots": [{"dir": "` + dir + `"}]} {}`,
	} {
		raw, err := g.call(g.configureFn, []byte(request))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(string(raw), `{"ok":false,"error":{"kind":"config","message":`) {
			t.Errorf("%s: %s", name, raw)
		}
	}
	// A failed configure leaves the instance unconfigured, and usable.
	if resp, _ := g.resolve("css/site.css"); resp.OK || resp.Error.Kind != kindConfig {
		t.Errorf("resolve after a failed configure: %+v", resp)
	}
	if resp, err := g.configure(exampleConfig(t)); err != nil || !resp.OK {
		t.Fatalf("configure after failures: %v %+v", err, resp)
	}
	if r := resolveOne(t, g, "css/site.css"); r.Error != nil {
		t.Errorf("resolve after a good configure: %+v", r.Error)
	}
}

func TestBadRequests(t *testing.T) {
	g := configuredGuest(t, exampleConfig(t))
	for name, request := range map[string]string{
		"not JSON":      `{"paths": `,
		"unknown field": `{"path": ["css/site.css"]}`,
	} {
		raw, err := g.call(g.resolveFn, []byte(request))
		if err != nil || !strings.HasPrefix(string(raw), `{"ok":false,"error":{"kind":"internal","message":"bad request: `) {
			t.Errorf("%s: %v %s", name, err, raw)
		}
	}
	for _, request := range []map[string]any{{}, {"logical_path": "a.css", "hashed_name": "a.0123456789ab.css"}} {
		if reply, err := g.content(request); err != nil || reply.OK || reply.Error.Kind != kindInternal {
			t.Errorf("content %v: %v %+v", request, err, reply)
		}
	}
	// A pointer that is not an alloc buffer is refused, not dereferenced.
	ctx := context.WithValue(context.Background(), guestKey{}, g)
	for _, fn := range []string{"configure", "resolve", "content"} {
		result, err := g.module.ExportedFunction(fn).Call(ctx, 0xFFFFFF00, 64)
		if err != nil {
			t.Fatalf("%s with a bad pointer trapped: %v", fn, err)
		}
		view, _ := g.module.Memory().Read(uint32(result[0]>>32), uint32(result[0]))
		if !strings.Contains(string(view), "bad request buffer") {
			t.Errorf("%s with a bad pointer: %q", fn, view)
		}
	}
	// The refused configure counts as a failed one: it unconfigured the
	// instance, which configures again and works.
	if resp, err := g.configure(exampleConfig(t)); err != nil || !resp.OK {
		t.Fatalf("configure after bad requests: %v %+v", err, resp)
	}
	if r := resolveOne(t, g, "css/site.css"); r.Error != nil {
		t.Errorf("after bad requests: %+v", r.Error)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	g := configuredGuest(t, exampleConfig(t))
	before := resolveOne(t, g, "css/site.css")
	resp, err := g.callJSON(g.resolveFn, map[string]any{"paths": []string{"css/site.css"}, "debug_panic": true})
	if err != nil {
		t.Fatalf("a panic trapped: %v", err)
	}
	if resp.OK || resp.Error.Kind != kindPanic || !strings.Contains(resp.Error.Message, "debug_panic") || !strings.Contains(resp.Error.Stack, "goroutine") {
		t.Errorf("got %+v, want a panic error with a stack", resp.Error)
	}
	reply, err := g.content(map[string]any{"logical_path": "css/site.css", "debug_panic": true})
	if err != nil || reply.OK || reply.Error.Kind != kindPanic {
		t.Errorf("content: %v %+v", err, reply)
	}
	// The instance still works, with its caches.
	if after := resolveOne(t, g, "css/site.css"); after.HashedName != before.HashedName {
		t.Errorf("after the panic: %+v, before %+v", after, before)
	}
}

func TestTrapDiscardsInstance(t *testing.T) {
	g := configuredGuest(t, exampleConfig(t))
	g.trapNext = true // the host's fs_stat fails hard: the export traps
	if _, err := g.resolve("css/site.css"); err == nil {
		t.Fatal("the export did not trap")
	}
	if _, err := g.resolve("css/site.css"); err == nil || !strings.Contains(err.Error(), "discarded") {
		t.Errorf("the trapped instance was used again: %v", err)
	}
	second := configuredGuest(t, exampleConfig(t))
	if r := resolveOne(t, second, "css/site.css"); r.Error != nil || r.HashedName == "" {
		t.Errorf("a second instance after a trap: %+v", r)
	}
}

// TestResponseShapes pins the exact JSON a host reads, field names included.
func TestResponseShapes(t *testing.T) {
	cfg := configOf(t, "../testdata/compat/roots-and-prefixes/roots", []string{"main", "vendor=widget", "app"})
	g := newTestGuest(t)
	raw, err := g.call(g.configureFn, marshal(configureRequestOf(cfg)))
	if err != nil || string(raw) != `{"ok":true}` {
		t.Fatalf("configure: %v %s", err, raw)
	}
	raw, err = g.call(g.resolveFn, []byte(`{"paths":["nope.css"]}`))
	want := `{"ok":true,"results":[{"logical_path":"nope.css","error":{"kind":"not_found","message":"no static file \"nope.css\" in ` +
		cfg.Roots[0].Dir + `, ` + cfg.Roots[2].Dir + `","searched":["` + cfg.Roots[0].Dir + `","` + cfg.Roots[2].Dir + `"]}}]}`
	if err != nil || string(raw) != want {
		t.Errorf("resolve:\n got %s\nwant %s", raw, want)
	}
	raw, err = g.call(g.contentFn, []byte(`{"logical_path":"app/app.css"}`))
	header := `{"ok":true,"logical_path":"app/app.css","hashed_name":"app/app.`
	if err != nil || len(raw) < 4 || !strings.HasPrefix(string(raw[4:]), header) || !strings.Contains(string(raw), `"source_path":"`+cfg.Roots[2].Dir+`/app/app.css"`) {
		t.Errorf("content:\n got %q\nwant a header starting %s", raw, header)
	}
}
