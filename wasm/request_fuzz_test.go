package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
)

// FuzzRequests sends any bytes to every export that reads a request, on an
// instance that runs natively (the exports' logic is the same Go code). The
// answer must always be a well-formed response — JSON with "ok", framed for
// content — and never a recovered panic unless the request asked for one:
// a malformed request is the host's bug and must come back as an error.
func FuzzRequests(f *testing.F) {
	dir, err := filepath.Abs("../testdata/example/static")
	if err != nil {
		f.Fatal(err)
	}
	configuration := []byte(`{"roots": [{"prefix": "", "dir": "` + filepath.ToSlash(dir) + `"}], "js_modules": true}`)
	exports := []string{"configure", "resolve", "content", "integrity", "importmap"}
	for export, request := range []string{
		string(configuration), `{"paths": ["css/site.css", "img/nope.png"]}`, `{"logical_path": "css/site.css"}`,
		`{"paths": ["js/app.js"], "algorithm": "sha512"}`, `{"include": ["*.js"], "aliases": {"app": "js/app.js"}}`,
	} {
		f.Add(uint8(export), []byte(request))
	}
	f.Add(uint8(2), []byte(`{"hashed_name": "css/site.0123456789ab.css"}`))
	f.Add(uint8(1), []byte(`{"paths": [1]}`))
	f.Add(uint8(0), []byte(`{"roots": [{"dir": "/"}], "missing": "maybe"}`))
	f.Fuzz(func(t *testing.T, export uint8, request []byte) {
		in := &instance{fsys: core.OSFileSystem{}}
		name := exports[int(export)%len(exports)]
		if name != "configure" {
			if ok := in.configure(configuration, nil); !bytes.Equal(ok, []byte(`{"ok":true}`)) {
				t.Fatalf("configure: %s", ok)
			}
		}
		var response []byte
		switch name {
		case "configure":
			response = in.configure(request, nil)
		case "resolve":
			response = in.resolve(request, nil)
		case "content":
			framed := in.content(request, nil)
			if len(framed) < 4 || uint64(binary.LittleEndian.Uint32(framed))+4 > uint64(len(framed)) {
				t.Fatalf("content %q: badly framed response %q", request, framed)
			}
			response = framed[4 : 4+binary.LittleEndian.Uint32(framed)]
		case "integrity":
			response = in.integrity(request, nil)
		case "importmap":
			response = in.importMap(request, nil)
		}
		var answer struct {
			OK    *bool `json:"ok"`
			Error *struct {
				Kind    string `json:"kind"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(response, &answer); err != nil || answer.OK == nil {
			t.Fatalf("%s %q: response %q is not a response (%v)", name, request, response, err)
		}
		if !*answer.OK && (answer.Error == nil || answer.Error.Message == "") {
			t.Fatalf("%s %q: a failure without an error message: %s", name, request, response)
		}
		if answer.Error != nil && answer.Error.Kind == kindPanic && !strings.Contains(answer.Error.Message, "debug_panic was set") {
			t.Fatalf("%s %q: the guest panicked: %s", name, request, response)
		}
	})
}
