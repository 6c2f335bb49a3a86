package publish

import (
	"path"
	"strings"
)

// Cache-Control of each kind of object.
const (
	// HashedCacheControl is for keys whose name is their content: a year,
	// the longest RFC 9111 §5.2.2.1 advises, and immutable (RFC 8246) so
	// browsers do not revalidate on reload.
	HashedCacheControl = "public, max-age=31536000, immutable"
	// DefaultUnhashedCacheControl is for the unhashed copies, which change
	// in place from one release to the next: a CDN may keep them a minute.
	DefaultUnhashedCacheControl = "public, max-age=60"
	// metadataCacheControl is for staticfiles.json and the sidecar, which
	// must be current the moment a release is published.
	metadataCacheControl = "no-cache"
)

// contentTypes is the type of each extension, the same table the bridge
// serves with (bridge responders.py): fixed, so a publish does not depend on
// the machine's /etc/mime.types.
var contentTypes = map[string]string{
	".css":         "text/css",
	".js":          "text/javascript", // RFC 9239
	".mjs":         "text/javascript",
	".cjs":         "text/javascript",
	".map":         "application/json",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".eot":         "application/vnd.ms-fontobject",
	".svg":         "image/svg+xml",
	".avif":        "image/avif",
	".webp":        "image/webp",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".ico":         "image/vnd.microsoft.icon",
	".html":        "text/html",
	".txt":         "text/plain",
	".xml":         "application/xml",
	".pdf":         "application/pdf",
	".gz":          "application/gzip",
	".br":          "application/x-brotli",
	".zst":         "application/zstd",
	".zip":         "application/zip",
	".mp4":         "video/mp4",
	".webm":        "video/webm",
}

// textTypes get "; charset=utf-8": static text is served as UTF-8, as the
// bridge does.
var textTypes = []string{"text/", "application/json", "application/manifest+json", "application/xml", "image/svg+xml"}

// ContentType is the Content-Type of a file name: its extension decides.
// A precompressed variant has its original's type (its Content-Encoding
// says how it is compressed), so pass the original's name.
func ContentType(name string) string {
	ctype, ok := contentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		return "application/octet-stream"
	}
	for _, prefix := range textTypes {
		if strings.HasPrefix(ctype, prefix) {
			return ctype + "; charset=utf-8"
		}
	}
	return ctype
}
