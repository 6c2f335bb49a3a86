package core_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
)

var updateBridge = flag.Bool("update-bridge", false, "rewrite the bridge's content_types.py from contenttypes.json")

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"js/app.4f1a.js":          "text/javascript; charset=utf-8", // RFC 9239
		"css/site.CSS":            "text/css; charset=utf-8",        // the extension's case does not matter
		"img/logo.svg":            "image/svg+xml; charset=utf-8",
		"img/logo.png":            "image/png",
		"fonts/a.woff2":           "font/woff2",
		"js/app.js.map":           "application/json; charset=utf-8",
		"site.webmanifest":        "application/manifest+json; charset=utf-8",
		"audio/ding.mp3":          "audio/mpeg",
		"README":                  "application/octet-stream",
		"scss/_mixins.scss":       "application/octet-stream",
		"staticfiles.json":        "application/json; charset=utf-8",
		"dir.with.dots/file.wasm": "application/wasm",
	} {
		if got := core.ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}

// bridgeContentTypes is where the Django bridge's rendering of the table lives.
const bridgeContentTypes = "../bridge/django/src/assetc_django/content_types.py"

// TestBridgeContentTypesAreGenerated keeps the bridge's table the one in
// contenttypes.json: `go test ./core -run BridgeContentTypes -update-bridge`
// rewrites it after an edit of the JSON.
func TestBridgeContentTypesAreGenerated(t *testing.T) {
	data, err := os.ReadFile("contenttypes.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Types map[string]string `json:"types"`
		Text  []string          `json:"text"`
	}
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatalf("contenttypes.json: %v", err)
	}
	var b strings.Builder
	b.WriteString(`"""The Content-Type of each extension: generated from core/contenttypes.json, the table
assetc publish uploads with, by ` + "`go test ./core -run BridgeContentTypes -update-bridge`" + `. Do not edit."""

TYPES: dict[str, str] = {
`)
	exts := make([]string, 0, len(table.Types))
	for ext := range table.Types {
		exts = append(exts, ext)
	}
	sort.Strings(exts)
	for _, ext := range exts {
		fmt.Fprintf(&b, "    %q: %q,\n", ext, table.Types[ext])
	}
	b.WriteString("}\n\n# Types with these prefixes get \"; charset=utf-8\".\nTEXT_PREFIXES: tuple[str, ...] = (")
	for i, prefix := range table.Text {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", prefix)
	}
	b.WriteString(")\n")
	want := []byte(b.String())
	if *updateBridge {
		if err := os.WriteFile(bridgeContentTypes, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(bridgeContentTypes)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is not contenttypes.json's table (%v): run go test ./core -run BridgeContentTypes -update-bridge", bridgeContentTypes, err)
	}
}
