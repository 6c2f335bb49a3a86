package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"
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
	// AllowSymlinksInto lists host directories that symbolic links in a root
	// may lead into. A link whose target (its real path) lies outside its
	// own root and outside all of these is refused with a diagnostic.
	AllowSymlinksInto []string `json:"allow_symlinks_into"`
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
		if err := checkPrefix(prefix); err != nil {
			return c, fmt.Errorf("source root %q: the prefix %q %v", r, r.Prefix, err)
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
	allowed := make([]string, 0, len(c.AllowSymlinksInto))
	for _, dir := range c.AllowSymlinksInto {
		if !strings.HasPrefix(dir, "/") && !(len(dir) > 2 && dir[1] == ':') {
			return c, fmt.Errorf("allowed symlink target %q must be an absolute directory", dir)
		}
		if trimmed := strings.TrimRight(dir, "/"); trimmed != "" {
			dir = trimmed
		}
		allowed = append(allowed, dir)
	}
	c.AllowSymlinksInto = allowed
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

// checkPrefix accepts a prefix that is a clean relative path ("vendor",
// "a/b"): every logical path starts with it, and a logical path is clean
// (lookup.go), so "." or "a//b" would name files nothing can ask for.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if strings.Contains(prefix, "\\") {
		return fmt.Errorf("may not contain '\\' (Django's URLs turn it into '/')")
	}
	if !utf8.ValidString(prefix) {
		return fmt.Errorf("is not valid UTF-8")
	}
	for _, part := range strings.Split(prefix, "/") {
		switch part {
		case "", ".", "..":
			return fmt.Errorf("may not contain an empty, '.' or '..' component; write it as a plain path like \"vendor/lib\"")
		}
	}
	return nil
}

// CheckOutputDir refuses an output directory that is a source root, lies
// inside one, or contains one: each build would collect its own output again
// (or write over its sources). Django refuses the first case as
// staticfiles.E002 ("The STATICFILES_DIRS setting should not contain the
// STATIC_ROOT setting."). Paths are compared as real paths, so a symlink
// to a root is caught too; the output need not exist yet.
func (p *Project) CheckOutputDir(outputDir string) error {
	out, err := realPathOfNew(p.fsys, outputDir)
	if err != nil {
		return fmt.Errorf("output directory %s: %w", outputDir, err)
	}
	for _, root := range p.cfg.Roots {
		dir, err := p.fsys.RealPath(root.Dir)
		if err != nil {
			continue // a missing root provides nothing (Django's W004)
		}
		switch {
		case out == dir:
			return fmt.Errorf("the output directory %s is the source root %s: every build would collect its own output again; write to a directory outside every source (Django refuses this too: staticfiles.E002)", outputDir, root)
		case within(out, dir):
			return fmt.Errorf("the output directory %s is inside the source root %s: every build would collect its own output again; write to a directory outside every source (Django refuses STATIC_ROOT in STATICFILES_DIRS: staticfiles.E002)", outputDir, root)
		case within(dir, out):
			return fmt.Errorf("the source root %s is inside the output directory %s: writing and cleaning the output would touch the sources; write to a directory outside every source", root, outputDir)
		}
	}
	return nil
}

// realPathOfNew is the real path a directory has or would have once
// created: the real path of its nearest existing ancestor plus the rest.
func realPathOfNew(fsys FileSystem, dir string) (string, error) {
	dir = strings.TrimRight(dir, "/")
	var rest []string
	for {
		if dir == "" {
			dir = "/"
		}
		real, err := fsys.RealPath(dir)
		if err == nil {
			for i := len(rest) - 1; i >= 0; i-- {
				real = strings.TrimRight(real, "/") + "/" + rest[i]
			}
			return path.Clean(real), nil
		}
		if !errors.Is(err, fs.ErrNotExist) || dir == "/" || dir == "." {
			return "", err
		}
		i := strings.LastIndex(dir, "/")
		rest = append(rest, dir[i+1:])
		if dir = dir[:max(i, 0)]; i < 0 {
			dir = "." // a relative path: its first component is missing
		}
	}
}
