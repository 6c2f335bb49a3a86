package core

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
)

// Inventory is every file the roots provide, as collectstatic would collect
// them.
type Inventory struct {
	// Files maps each logical path to the file that provides it.
	Files map[string]Source
	// Duplicates lists files hidden by an earlier root's file with the same
	// logical path, in root order (Django: "Found another file with the
	// destination path …").
	Duplicates []Duplicate
	// Ignored lists files dropped by an ignore pattern.
	Ignored []IgnoredFile
	// Diagnostics say why files are not collected (a FIFO, a symlink out
	// of its root, a name no URL can hold: errors) and which directory
	// loops were not followed (warnings).
	Diagnostics []Diagnostic

	// direct holds the logical paths of files reached from their root
	// without a symbolic link (the root itself may be one): no link on
	// the way can leave the root, so a lookup of such a file right after
	// the walk can skip resolving its real path (see Project.Plan).
	direct map[string]bool

	// dirs are the directories the walk listed and missingRoots the roots
	// it did not find; linked says it followed a symbolic link below a
	// root (see Plan.Inputs).
	dirs, missingRoots []string
	linked             bool
}

// Duplicate is a file that is not collected because another root provides
// the same logical path first.
type Duplicate struct {
	LogicalPath string `json:"logical_path"`
	Winner      Source `json:"winner"`
	Hidden      Source `json:"hidden"`
}

// IgnoredFile is a file or directory an ignore pattern drops.
type IgnoredFile struct {
	LogicalPath string `json:"logical_path"`
	Path        string `json:"source_path"` // the file on the host
	Root        int    `json:"root"`
	Pattern     string `json:"pattern"`
	IsDir       bool   `json:"is_dir,omitempty"`
}

// Paths returns the logical paths in sorted order.
func (inv *Inventory) Paths() []string {
	paths := make([]string, 0, len(inv.Files))
	for p := range inv.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// maxDepthWithoutIdentity bounds a walk only where the file system cannot
// tell directories apart (FileInfo.Device and Inode are 0); elsewhere loops
// are recognised by identity and any real depth works.
const maxDepthWithoutIdentity = 256

// identity is a directory's (device, inode).
type identity struct{ device, inode uint64 }

// walker lists the roots into an Inventory.
type walker struct {
	fsys FileSystem
	cfg  *Config
	inv  *Inventory
	// refused holds logical paths whose first file is not collected, so that
	// a later root does not provide them instead (find stops there too).
	refused map[string]bool
}

// walk lists every root, in order. Inside a root, entries are visited in
// sorted order so the result never depends on directory-listing order. Files
// that are not collectable (collectable.go) and directory loops become
// diagnostics in inv.Diagnostics instead of files.
func walk(fsys FileSystem, cfg *Config) (*Inventory, error) {
	w := &walker{fsys: fsys, cfg: cfg, inv: &Inventory{Files: map[string]Source{}, direct: map[string]bool{}}, refused: map[string]bool{}}
	for i, root := range cfg.Roots {
		info, err := fsys.Stat(root.Dir)
		if err != nil || !info.IsDir() {
			// Django's FileSystemFinder skips a missing root (and warns with
			// staticfiles.W004); the caller reports it.
			w.inv.missingRoots = append(w.inv.missingRoots, root.Dir)
			continue
		}
		w.inv.dirs = append(w.inv.dirs, root.Dir)
		ancestors := map[identity]string{}
		if info.Device != 0 || info.Inode != 0 {
			ancestors[identity{info.Device, info.Inode}] = root.Dir
		}
		if err := w.dir(i, "", ancestors, 0, false); err != nil {
			return nil, err
		}
	}
	return w.inv, nil
}

// dir lists one directory of root rootIndex. ancestors holds the identity
// of every directory from the root down to this one: meeting one of them
// again means a symbolic link loops back. linked says a symbolic link led
// here from the root.
func (w *walker) dir(rootIndex int, rel string, ancestors map[identity]string, depth int, linked bool) error {
	root := w.cfg.Roots[rootIndex]
	dir := root.Dir
	if rel != "" {
		dir += "/" + rel
	}
	if depth > maxDepthWithoutIdentity {
		return fmt.Errorf("%s: directories nest more than %d deep and this file system cannot tell whether a symlink loops", dir, maxDepthWithoutIdentity)
	}
	entries, err := w.fsys.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cannot list %s: %w", dir, err)
	}
	sort.Slice(entries, func(a, b int) bool { return entries[a].Name < entries[b].Name })
	for _, entry := range entries {
		childRel := entry.Name
		if rel != "" {
			childRel = rel + "/" + entry.Name
		}
		logical := joinLogical(root.Prefix, childRel)
		path := dir + "/" + entry.Name
		if entry.IsDir() {
			if pattern, ok := matchAny(w.cfg.IgnorePatterns, entry.Name); ok {
				w.inv.Ignored = append(w.inv.Ignored, IgnoredFile{LogicalPath: logical, Path: path, Root: rootIndex, Pattern: pattern, IsDir: true})
				continue
			}
		} else if pattern, ok := ignoredInWalk(w.cfg.IgnorePatterns, childRel, entry.Name); ok {
			w.inv.Ignored = append(w.inv.Ignored, IgnoredFile{LogicalPath: logical, Path: path, Root: rootIndex, Pattern: pattern})
			continue
		}
		if problem := badName(entry.Name); problem != "" {
			w.refuse(logical, badNameDiagnostic(logical, path, problem))
			continue
		}
		if entry.IsSymlink {
			escaped, err := leavesRoot(w.fsys, w.cfg, root, childRel)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				continue // dangling since the listing, as ReadDir leaves those out
			case err != nil:
				return err
			case escaped != nil:
				w.refuse(logical, escaped.diagnostic(logical, path))
				continue
			}
			w.inv.linked = true
		}
		if entry.IsDir() {
			if err := w.subdir(rootIndex, childRel, path, ancestors, depth, linked || entry.IsSymlink); err != nil {
				return err
			}
			continue
		}
		if entry.Kind != KindRegular {
			w.refuse(logical, notRegular(logical, path, entry.Kind))
			continue
		}
		if w.add(Source{LogicalPath: logical, Root: rootIndex, Path: path}) && !linked && !entry.IsSymlink {
			w.inv.direct[logical] = true
		}
	}
	return nil
}

// subdir descends into a directory unless it is one of its own ancestors.
func (w *walker) subdir(rootIndex int, rel, path string, ancestors map[identity]string, depth int, linked bool) error {
	info, err := w.fsys.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot stat %s: %w", path, err)
	}
	id := identity{info.Device, info.Inode}
	if id != (identity{}) {
		if same, loop := ancestors[id]; loop {
			logical := joinLogical(w.cfg.Roots[rootIndex].Prefix, rel)
			w.inv.Diagnostics = append(w.inv.Diagnostics, Diagnostic{Severity: SeverityWarning, Code: CodeDirectoryLoop, LogicalPath: logical, Path: path,
				Message: fmt.Sprintf("this symbolic link leads back to %s, a directory it is inside: a loop; it is not followed", same),
				Hint:    "the files are collected once, through " + same + "; remove the link to silence this"})
			return nil
		}
		ancestors[id] = path
		defer delete(ancestors, id)
	}
	w.inv.dirs = append(w.inv.dirs, path)
	return w.dir(rootIndex, rel, ancestors, depth+1, linked)
}

// add collects a file unless an earlier root provides its logical path; it
// reports whether it did.
func (w *walker) add(source Source) bool {
	logical := source.LogicalPath
	if w.refused[logical] {
		return false
	}
	if winner, taken := w.inv.Files[logical]; taken {
		w.inv.Duplicates = append(w.inv.Duplicates, Duplicate{LogicalPath: logical, Winner: winner, Hidden: source})
		return false
	}
	w.inv.Files[logical] = source
	return true
}

// refuse records a file that is not collected, with why.
func (w *walker) refuse(logical string, d Diagnostic) {
	w.inv.Diagnostics = append(w.inv.Diagnostics, d)
	if _, taken := w.inv.Files[logical]; !taken {
		w.refused[logical] = true
	}
}

func joinLogical(prefix, rel string) string {
	if prefix == "" {
		return rel
	}
	return prefix + "/" + rel
}
