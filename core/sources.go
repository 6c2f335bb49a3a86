package core

import (
	"fmt"
	"strings"
)

// Root is one place static files come from: an entry of Django's
// STATICFILES_DIRS ("dir" or ("prefix", "dir")) or an app's static/ dir.
type Root struct {
	// Prefix is put in front of every path found under Dir ("vendor" makes
	// Dir/a.js the logical path "vendor/a.js"). Empty for none.
	Prefix string
	// Dir is the directory on the host.
	Dir string
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

// Config is everything that decides which files exist and what they are named.
// Two Projects with equal Configs over equal files give equal names.
type Config struct {
	// Roots in priority order: the first file found for a logical path wins.
	Roots []Root
	// IgnorePatterns drop files and directories (Django's fnmatch rules).
	// Nil means DefaultIgnorePatterns; an empty non-nil slice ignores nothing.
	IgnorePatterns []string
	// StaticURL is Django's STATIC_URL; references starting with it resolve
	// against the logical root. Empty means "/static/".
	StaticURL string
	// JSModules rewrites ES module imports and exports (Django's
	// support_js_module_import_aggregation) and new URL(…, import.meta.url).
	JSModules bool
	// Prehashed lists fnmatch patterns of logical paths that a bundler has
	// already named by content: they keep their names and bytes. Files listed
	// in a Vite manifest (.vite/manifest.json) are prehashed automatically.
	Prehashed []string
	// AllowMissing lists fnmatch patterns; a reference whose target path (or
	// text) matches one is left untouched with a warning when the target is
	// missing, whatever Missing says.
	AllowMissing []string
	// Missing is the policy for every other missing reference.
	Missing MissingPolicy
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
