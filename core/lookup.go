package core

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"
)

// Source is the file that provides a logical path.
type Source struct {
	// LogicalPath is the path under STATIC_URL ("vendor/css/a.css").
	LogicalPath string `json:"logical_path"`
	// Root is the index in Config.Roots of the root that provides it.
	Root int `json:"root"`
	// Path is the file on the host.
	Path string `json:"source_path"`
}

// probe is one place Find looked, remembered so that a cached answer can be
// re-checked with a stat per place instead of a new search.
type probe struct {
	path   string
	exists bool // a file, not a directory, is there (after following links)
	info   FileInfo
}

// lookup is Find's answer with the evidence behind it.
type lookup struct {
	source  *Source // nil when no root provides the path
	probes  []probe
	ignored []IgnoredCandidate
}

// IgnoredCandidate is a file that would provide a logical path but is dropped
// by an ignore pattern.
type IgnoredCandidate struct {
	Path    string `json:"source_path"` // the file on the host
	Root    int    `json:"root"`
	Pattern string `json:"pattern"`
}

// find looks the logical path up root by root, as Django's finders do, but
// applies the ignore patterns as collectstatic does so that what resolves at
// runtime is exactly what a build collects. It reads no directory listings.
// A file that is there but may not be collected (collectable.go: a FIFO or
// device, a symlink out of its root) is an error, a *DiagnosticsError, not a
// miss: a later root does not quietly provide the path instead.
//
// direct is a host path that a walk of this generation reached from its
// root without a symbolic link (or ""): when that is the file found, no link
// can lead out of the root, and the real path is not resolved (a lstat per
// path component, most of what a lookup cost).
func find(fsys FileSystem, cfg *Config, logical, direct string) (lookup, error) {
	var result lookup
	if !validLogicalPath(logical) {
		return result, nil
	}
	for i, root := range cfg.Roots {
		rel, ok := relativeTo(root.Prefix, logical)
		if !ok {
			continue
		}
		candidate := direct // the walk's string, not a copy of it per lookup
		if !isJoin(direct, root.Dir, rel) {
			candidate = root.Dir + "/" + rel
		}
		info, err := fsys.Stat(candidate)
		p := probe{path: candidate}
		switch {
		case err == nil:
			p.exists = !info.IsDir()
			p.info = info
		case errors.Is(err, fs.ErrNotExist) || isNotDirectory(err):
		default:
			return result, err
		}
		result.probes = append(result.probes, p)
		if !p.exists {
			continue
		}
		if candidate != direct { // the walk that vouched for direct applied the same patterns
			if pattern, ignored := ignoredBy(cfg.IgnorePatterns, rel); ignored {
				result.ignored = append(result.ignored, IgnoredCandidate{Path: candidate, Root: i, Pattern: pattern})
				continue
			}
		}
		var escaped *escape
		if candidate != direct {
			escaped, err = leavesRoot(fsys, cfg, root, rel)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // gone since the stat
		case err != nil:
			return result, err
		case escaped != nil:
			return result, refuse(escaped.diagnostic(logical, candidate))
		case info.Kind != KindRegular:
			return result, refuse(notRegular(logical, candidate, info.Kind))
		}
		result.source = &Source{LogicalPath: logical, Root: i, Path: candidate}
		// Later roots cannot change the answer, so they are not probed:
		// a lookup costs one stat per root up to the winner, and a RealPath
		// (two when a link is involved) for the winner.
		break
	}
	return result, nil
}

// isJoin reports whether path is dir + "/" + rel.
func isJoin(path, dir, rel string) bool {
	return len(path) == len(dir)+1+len(rel) && strings.HasPrefix(path, dir) && path[len(dir)] == '/' && strings.HasSuffix(path, rel)
}

// relativeTo strips a root's prefix from a logical path, the way
// FileSystemFinder.find_location does.
func relativeTo(prefix, logical string) (string, bool) {
	if prefix == "" {
		return logical, true
	}
	rest, ok := strings.CutPrefix(logical, prefix+"/")
	return rest, ok && rest != ""
}

// validLogicalPath rejects paths that could leave a root (Django's safe_join)
// or that no collected file can have.
func validLogicalPath(logical string) bool {
	if logical == "" || strings.HasPrefix(logical, "/") || strings.HasSuffix(logical, "/") ||
		strings.ContainsAny(logical, "\\\x00") {
		return false
	}
	return path.Clean(logical) == logical && !strings.HasPrefix(logical, "../") && logical != ".." &&
		utf8.ValidString(logical)
}

// isNotDirectory recognises ENOTDIR ("a/b" where a is a file), which means
// "not here" just like ENOENT.
func isNotDirectory(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not a directory")
}
