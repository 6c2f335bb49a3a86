package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Root is one place static files come from: an entry of Django's
// STATICFILES_DIRS ("dir" or ("prefix", "dir")) or an app's static/ dir.
type Root struct {
	// Prefix is put in front of every path found under Dir ("vendor" makes
	// Dir/a.js the logical path "vendor/a.js"). Empty for none.
	Prefix string `json:"prefix"`
	// Dir is the directory on the host.
	Dir string `json:"dir"`
}

// String gives the root in the CLI's -s syntax.
func (r Root) String() string {
	if r.Prefix == "" {
		return r.Dir
	}
	return r.Prefix + "=" + r.Dir
}

// MissingPolicy says what a reference to a file that does not exist does.
type MissingPolicy int

const (
	// MissingError fails the build (the default), listing every such reference.
	MissingError MissingPolicy = iota
	// MissingWarn leaves such references untouched and reports a warning.
	MissingWarn
)

// String is the policy's name in configuration: "error" or "warn".
func (m MissingPolicy) String() string {
	switch m {
	case MissingError:
		return "error"
	case MissingWarn:
		return "warn"
	}
	return fmt.Sprintf("MissingPolicy(%d)", int(m))
}

// MarshalText writes the policy as "error" or "warn".
func (m MissingPolicy) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "error" or "warn" (empty means "error", the default).
// Every face parses the policy here: the CLI's --missing flag and the
// "missing" member of a configuration document.
func (m *MissingPolicy) UnmarshalText(text []byte) error {
	switch string(text) {
	case "", "error":
		*m = MissingError
	case "warn":
		*m = MissingWarn
	default:
		return fmt.Errorf("the missing-reference policy must be \"error\" or \"warn\", not %q", text)
	}
	return nil
}

// Config is everything that decides which files exist and what they are named.
// Two Projects with equal Configs over equal files give equal names.
//
// Its JSON is the configuration document every face shares: the wasm ABI's
// configure request and `assetc build --config FILE` (see wasm/README.md);
// DecodeConfig reads it.
type Config struct {
	// Roots in priority order: the first file found for a logical path wins.
	Roots []Root `json:"roots"`
	// IgnorePatterns drop files and directories (Django's fnmatch rules).
	// Nil (JSON null or absent) means DefaultIgnorePatterns; an empty
	// non-nil slice ignores nothing.
	IgnorePatterns []string `json:"ignore_patterns"`
	// StaticURL is Django's STATIC_URL; references starting with it resolve
	// against the logical root. Empty means "/static/".
	StaticURL string `json:"static_url"`
	// JSModules rewrites ES module imports and exports (Django's
	// support_js_module_import_aggregation) and new URL(…, import.meta.url).
	JSModules bool `json:"js_modules"`
	// Prehashed lists fnmatch patterns of logical paths that a bundler has
	// already named by content: they keep their names and bytes. Files listed
	// in a Vite manifest (.vite/manifest.json) are prehashed automatically.
	Prehashed []string `json:"prehashed"`
	// AllowMissing lists fnmatch patterns; a reference whose target path (or
	// text) matches one is left untouched with a warning when the target is
	// missing, whatever Missing says.
	AllowMissing []string `json:"allow_missing"`
	// Missing is the policy for every other missing reference.
	Missing MissingPolicy `json:"missing"`
}

// DecodeConfig reads a configuration document strictly: an unknown member
// is an error, because a misspelt option would otherwise be ignored
// silently. Nothing is checked beyond the JSON; NewProject checks the rest.
func DecodeConfig(document []byte) (Config, error) {
	var cfg Config
	decoder := json.NewDecoder(bytes.NewReader(document))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&cfg); err != nil {
		return Config{}, err
	}
	if decoder.More() {
		return Config{}, errors.New("unexpected data after the configuration object")
	}
	return cfg, nil
}

// normalized returns a copy with defaults filled in, or an error describing
// the first setting that cannot work.
func (c Config) normalized() (Config, error) {
	if len(c.Roots) == 0 {
		return c, fmt.Errorf("no source roots: give at least one directory of static files")
	}
	roots := make([]Root, len(c.Roots))
	for i, r := range c.Roots {
		if r.Dir == "" {
			return c, fmt.Errorf("source root %d has an empty directory", i+1)
		}
		prefix := strings.Trim(r.Prefix, "/")
		if strings.Contains(prefix, "..") || strings.Contains(prefix, "\\") {
			return c, fmt.Errorf("source root %q: the prefix %q may not contain '..' or '\\'", r, r.Prefix)
		}
		// Django refuses a prefix ending in "/" (staticfiles.E003); trimming it
		// means the same to everyone and is friendlier than an error.
		dir := strings.TrimRight(r.Dir, "/")
		if dir == "" {
			dir = "/"
		}
		roots[i] = Root{Prefix: prefix, Dir: dir}
	}
	c.Roots = roots
	if c.IgnorePatterns == nil {
		c.IgnorePatterns = DefaultIgnorePatterns
	}
	if c.StaticURL == "" {
		c.StaticURL = "/static/"
	}
	if !strings.HasSuffix(c.StaticURL, "/") {
		return c, fmt.Errorf("static URL %q must end in '/' (Django requires it too)", c.StaticURL)
	}
	if c.Missing != MissingError && c.Missing != MissingWarn {
		return c, fmt.Errorf("unknown missing-reference policy %d", c.Missing)
	}
	return c, nil
}
