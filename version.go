// Package assetc holds the one version number of the project: the CLI
// (`assetc version`), the wasm core (its assetc_version export) and both
// Python packages (django-assetc and the assetc CLI wheels) read the file
// VERSION beside this one.
package assetc

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var versionFile string

// Version is the release version, e.g. "0.1.0", from the file VERSION.
var Version = strings.TrimSpace(versionFile)
