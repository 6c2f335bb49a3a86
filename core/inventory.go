package core

import (
	"fmt"
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

// maxWalkDepth stops a walk that a symlink loop would make endless; no real
// static tree nests this deep.
const maxWalkDepth = 64

// walk lists every root, in order. Inside a root, entries are visited in
// sorted order so the result never depends on directory-listing order.
func walk(fsys FileSystem, cfg *Config) (*Inventory, error) {
	inv := &Inventory{Files: map[string]Source{}}
	for i, root := range cfg.Roots {
		info, err := fsys.Stat(root.Dir)
		if err != nil || !info.IsDir {
			// Django's FileSystemFinder skips a missing root (and warns with
			// staticfiles.W004); the caller reports it.
			continue
		}
		if err := walkDir(fsys, cfg, inv, i, "", 0); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

func walkDir(fsys FileSystem, cfg *Config, inv *Inventory, rootIndex int, rel string, depth int) error {
	root := cfg.Roots[rootIndex]
	dir := root.Dir
	if rel != "" {
		dir += "/" + rel
	}
	if depth > maxWalkDepth {
		return fmt.Errorf("%s: directories nest more than %d deep; is there a symlink loop?", dir, maxWalkDepth)
	}
	entries, err := fsys.ReadDir(dir)
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
		if entry.IsDir {
			if pattern, ok := matchAny(cfg.IgnorePatterns, entry.Name); ok {
				inv.Ignored = append(inv.Ignored, IgnoredFile{LogicalPath: logical, Path: dir + "/" + entry.Name, Root: rootIndex, Pattern: pattern, IsDir: true})
				continue
			}
			if err := walkDir(fsys, cfg, inv, rootIndex, childRel, depth+1); err != nil {
				return err
			}
			continue
		}
		source := Source{LogicalPath: logical, Root: rootIndex, Path: dir + "/" + entry.Name}
		if pattern, ok := ignoredBy(cfg.IgnorePatterns, childRel); ok {
			inv.Ignored = append(inv.Ignored, IgnoredFile{LogicalPath: logical, Path: source.Path, Root: rootIndex, Pattern: pattern})
			continue
		}
		if winner, taken := inv.Files[logical]; taken {
			inv.Duplicates = append(inv.Duplicates, Duplicate{LogicalPath: logical, Winner: winner, Hidden: source})
			continue
		}
		inv.Files[logical] = source
	}
	return nil
}

func joinLogical(prefix, rel string) string {
	if prefix == "" {
		return rel
	}
	return prefix + "/" + rel
}
