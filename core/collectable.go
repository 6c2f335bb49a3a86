package core

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// What a file found under a root must be to be collected: a regular file
// (after following links), with a name Django can put in a URL, reached
// without a symbolic link that leaves the root (unless the configuration
// allows the place it leads to). Find and Walk apply the same rules, so a
// build collects exactly what the runtime resolves and serves.

// Diagnostic codes of files that are not collected.
const (
	CodeSymlinkLeavesRoot = "symlink-leaves-root"
	CodeNotRegularFile    = "not-regular-file"
	CodeBadFileName       = "bad-file-name"
	CodeDirectoryLoop     = "directory-loop"
)

// allowHint names every way to allow a link out of a root.
func allowHint(target string) string {
	return fmt.Sprintf("if the files in %s are meant to be collected, allow it: "+
		"--allow-symlinks-into %s (configuration allow_symlinks_into, Django setting ASSETC_ALLOW_SYMLINKS_INTO); "+
		"a distribution-packaged Django links its admin files into /usr/share/javascript this way", target, target)
}

// escape is a symbolic link that leads out of its root.
type escape struct {
	link, target string // the link on the host, and its real path
}

// leavesRoot reports whether rel under root reaches, through a symbolic
// link, a place outside the root and outside every allowed directory. Both
// sides are compared as real paths, so a root that is itself a symlink is
// fine. It costs one RealPath call when no link is involved (the real path
// is the path itself), a second for the root otherwise, plus one per path
// component when the answer is yes (to name the link).
func leavesRoot(fsys FileSystem, cfg *Config, root Root, rel string) (*escape, error) {
	full := root.Dir + "/" + rel
	real, err := fsys.RealPath(full)
	if err != nil {
		return nil, err
	}
	if real == full {
		return nil, nil // no link anywhere on the path, the root's included
	}
	rootReal, err := fsys.RealPath(root.Dir)
	if err != nil {
		return nil, err
	}
	if within(real, rootReal) || allowedTarget(fsys, cfg, real) {
		return nil, nil
	}
	// Name the link: the first component whose real path is outside.
	prefix := root.Dir
	for _, part := range strings.Split(rel, "/") {
		prefix += "/" + part
		if r, err := fsys.RealPath(prefix); err == nil && !within(r, rootReal) {
			return &escape{link: prefix, target: r}, nil
		}
	}
	return &escape{link: full, target: real}, nil
}

// allowedTarget reports whether a real path lies in an allowed directory.
func allowedTarget(fsys FileSystem, cfg *Config, real string) bool {
	for _, dir := range cfg.AllowSymlinksInto {
		if r, err := fsys.RealPath(dir); err == nil {
			dir = r
		}
		if within(real, dir) {
			return true
		}
	}
	return false
}

// within reports whether path is dir or lies below it.
func within(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

func (e *escape) diagnostic(logical, path string) Diagnostic {
	msg := fmt.Sprintf("this symbolic link points to %s, outside its source root: links out of a root are not followed", e.target)
	if e.link != path {
		msg = fmt.Sprintf("this file is reached through the symbolic link %s, which points to %s, outside its source root: links out of a root are not followed", e.link, e.target)
	}
	return Diagnostic{Severity: SeverityError, Code: CodeSymlinkLeavesRoot, LogicalPath: logical, Path: path,
		Message: msg, Hint: allowHint(e.target)}
}

// notRegular is the diagnostic of a path that is a FIFO, socket or device:
// reading it would block (a FIFO) or never end (/dev/zero).
func notRegular(logical, path string, kind FileKind) Diagnostic {
	return Diagnostic{Severity: SeverityError, Code: CodeNotRegularFile, LogicalPath: logical, Path: path,
		Message: fmt.Sprintf("this is a %s, not a regular file: it is not read", kind),
		Hint:    "remove it from the source directory, or ignore it with an ignore pattern (-i / STATICFILES_IGNORE_PATTERNS)"}
}

// badName describes a file name Django cannot turn into a working URL, or
// "" when the name is fine.
func badName(name string) string {
	switch {
	case !utf8.ValidString(name):
		return fmt.Sprintf("the name %q is not valid UTF-8: no URL or manifest entry can name it", name)
	case strings.Contains(name, "\\"):
		// django.utils.encoding.filepath_to_uri turns "\" into "/", so
		// Django's URL names another file.
		return fmt.Sprintf("the name %q contains a backslash, which Django's URLs turn into '/'", name)
	}
	return ""
}

func badNameDiagnostic(logical, path, problem string) Diagnostic {
	return Diagnostic{Severity: SeverityError, Code: CodeBadFileName, LogicalPath: strings.ToValidUTF8(logical, "\uFFFD"), Path: strings.ToValidUTF8(path, "\uFFFD"),
		Message: problem + "; it is not collected",
		Hint:    "rename it (UTF-8, no backslash), or ignore it with an ignore pattern (-i / STATICFILES_IGNORE_PATTERNS)"}
}

// refuse makes the error of Find for a file it will not provide.
func refuse(d Diagnostic) error { return &DiagnosticsError{Diagnostics: []Diagnostic{d}} }

// refusedFiles gathers the diagnostics of lookups that refused a file.
func refusedFiles(errs []error) []Diagnostic {
	var out []Diagnostic
	for _, err := range errs {
		var de *DiagnosticsError
		if errors.As(err, &de) {
			out = append(out, de.Diagnostics...)
		}
	}
	return out
}
