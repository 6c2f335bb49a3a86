package publish_test

import (
	"testing"

	"github.com/assetc/assetc/core/publish"
)

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"js/app.4f1a.js":          "text/javascript; charset=utf-8", // RFC 9239
		"css/site.CSS":            "text/css; charset=utf-8",        // the extension's case does not matter
		"img/logo.svg":            "image/svg+xml; charset=utf-8",
		"img/logo.png":            "image/png",
		"fonts/a.woff2":           "font/woff2",
		"js/app.js.map":           "application/json; charset=utf-8",
		"site.webmanifest":        "application/manifest+json; charset=utf-8",
		"README":                  "application/octet-stream",
		"scss/_mixins.scss":       "application/octet-stream",
		"staticfiles.json":        "application/json; charset=utf-8",
		"dir.with.dots/file.wasm": "application/wasm",
	} {
		if got := publish.ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}
