package main

// The integrity and importmap exports (ABI 1.1) must answer what the native
// core computes, which is what `assetc build` writes in
// staticfiles.integrity.json.

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/assetc/assetc/core"
)

// integrityReply is a decoded integrity response.
type integrityReply struct {
	OK      bool       `json:"ok"`
	Error   *wireError `json:"error"`
	Results []struct {
		LogicalPath string     `json:"logical_path"`
		Integrity   string     `json:"integrity"`
		Error       *wireError `json:"error"`
	} `json:"results"`
}

// importMapReply is a decoded importmap response.
type importMapReply struct {
	OK        bool       `json:"ok"`
	Error     *wireError `json:"error"`
	ImportMap *struct {
		Imports   map[string]string `json:"imports"`
		Integrity map[string]string `json:"integrity"`
	} `json:"importmap"`
}

// callExport calls a named JSON export and decodes its response into out.
func callExport(t *testing.T, g *guest, name string, request any, out any) {
	t.Helper()
	fn := g.module.ExportedFunction(name)
	if fn == nil {
		t.Fatalf("the module exports no %s", name)
	}
	data, _ := json.Marshal(request)
	raw, err := g.call(fn, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: bad response %q: %v", name, raw, err)
	}
}

func TestIntegrityMatchesNative(t *testing.T) {
	cfg := exampleConfig(t)
	native, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := native.Walk()
	if err != nil {
		t.Fatal(err)
	}
	paths := append(inv.Paths(), "css/sitee.css")
	g := newTestGuest(t)
	if resp, err := g.configure(cfg); err != nil || !resp.OK {
		t.Fatalf("configure: %v %+v", err, resp.Error)
	}
	for _, algorithm := range []string{"", "sha256", "sha384", "sha512"} {
		var reply integrityReply
		callExport(t, g, "integrity", map[string]any{"paths": paths, "algorithm": algorithm}, &reply)
		if !reply.OK || len(reply.Results) != len(paths) {
			t.Fatalf("%s: %+v", algorithm, reply)
		}
		for i, logical := range paths {
			got := reply.Results[i]
			want, nativeErr := native.Integrity(logical, algorithm)
			if got.LogicalPath != logical {
				t.Errorf("result %d is for %q, want %q", i, got.LogicalPath, logical)
			}
			if nativeErr != nil {
				sameError(t, logical, got.Error, wireErrorOf(nativeErr))
				continue
			}
			if got.Error != nil || got.Integrity != want {
				t.Errorf("%s %s: got %q %+v, want %q", algorithm, logical, got.Integrity, got.Error, want)
			}
		}
	}
	var reply integrityReply
	callExport(t, g, "integrity", map[string]any{"paths": []string{"js/app.js"}, "algorithm": "md5"}, &reply)
	if reply.OK || reply.Error == nil || reply.Error.Kind != kindInternal {
		t.Errorf("unknown algorithm: %+v", reply)
	}
	callExport(t, g, "integrity", map[string]any{"paths": []string{"js/app.js"}, "debug_panic": true}, &reply)
	if reply.OK || reply.Error == nil || reply.Error.Kind != kindPanic {
		t.Errorf("debug_panic: %+v", reply)
	}
	callExport(t, g, "integrity", map[string]any{"paths": []string{"js/app.js"}}, &reply)
	if !reply.OK || reply.Results[0].Integrity == "" {
		t.Errorf("after a panic: %+v", reply)
	}
}

func TestImportMapMatchesNative(t *testing.T) {
	cfg := exampleConfig(t)
	native, err := core.NewProject(core.OSFileSystem{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := newTestGuest(t)
	var before importMapReply
	callExport(t, g, "importmap", map[string]any{}, &before)
	if before.OK || before.Error == nil || before.Error.Kind != kindConfig {
		t.Errorf("before configure: %+v", before)
	}
	if resp, err := g.configure(cfg); err != nil || !resp.OK {
		t.Fatalf("configure: %v %+v", err, resp.Error)
	}
	for _, opts := range []core.ImportMapOptions{
		{},
		{StaticURL: "https://cdn.example/s/", Integrity: "sha512"},
		{Include: []string{"js/*.js"}, Aliases: map[string]string{"app": "js/app.js"}},
	} {
		want, err := native.ImportMap(opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Imports) == 0 {
			t.Fatalf("%+v: the native map is empty", opts)
		}
		var reply importMapReply
		callExport(t, g, "importmap", map[string]any{"static_url": opts.StaticURL, "include": opts.Include, "aliases": opts.Aliases, "integrity": opts.Integrity}, &reply)
		if !reply.OK || reply.ImportMap == nil {
			t.Fatalf("%+v: %+v", opts, reply.Error)
		}
		if !reflect.DeepEqual(reply.ImportMap.Imports, want.Imports) || !reflect.DeepEqual(reply.ImportMap.Integrity, want.Integrity) {
			t.Errorf("%+v: got %+v, want %+v", opts, *reply.ImportMap, want)
		}
	}
	var reply importMapReply
	callExport(t, g, "importmap", map[string]any{"aliases": map[string]string{"x": "css/site.css"}}, &reply)
	if reply.OK || reply.Error == nil || reply.Error.Kind != kindInternal {
		t.Errorf("bad alias: %+v", reply)
	}
	callExport(t, g, "importmap", map[string]any{"bogus": 1}, &reply)
	if reply.OK || reply.Error == nil || reply.Error.Kind != kindInternal {
		t.Errorf("unknown member: %+v", reply)
	}
	callExport(t, g, "importmap", map[string]any{"debug_panic": true}, &reply)
	if reply.OK || reply.Error == nil || reply.Error.Kind != kindPanic {
		t.Errorf("debug_panic: %+v", reply)
	}
}
