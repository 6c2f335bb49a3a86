package core

import (
	"encoding/json"
	"path"
	"strings"
	"sync"
)

// A bundler that already names its output by content (Vite's
// "main-B7PI925R.js") lists those files in a manifest. assetc reads the
// manifest and leaves the listed files alone: hashing them again would only
// make names longer and break the bundler's own references between them.
//
// Supported: Vite's .vite/manifest.json (Vite 5+), found in any directory
// from the file's own up to its root. Guessing from names alone is off:
// "theme-twilight.js" looks like "name-hash.js" and is not one.

// bundlerManifests caches parsed manifests per directory.
type bundlerManifests struct {
	mu   sync.Mutex
	dirs map[string]map[string]bool // dir on host -> files it lists (relative to dir); nil: no manifest
}

func newBundlerManifests() *bundlerManifests {
	return &bundlerManifests{dirs: map[string]map[string]bool{}}
}

func (b *bundlerManifests) invalidate() {
	b.mu.Lock()
	b.dirs = map[string]map[string]bool{}
	b.mu.Unlock()
}

// viteManifest is the part of Vite's manifest.json that names output files.
type viteManifest map[string]struct {
	File    string   `json:"file"`
	CSS     []string `json:"css"`
	Assets  []string `json:"assets"`
	Imports []string `json:"imports"`
}

// listed returns the files the Vite manifest in dir lists, or nil.
func (b *bundlerManifests) listed(fsys FileSystem, dir string) map[string]bool {
	b.mu.Lock()
	files, cached := b.dirs[dir]
	b.mu.Unlock()
	if cached {
		return files
	}
	files = nil
	if data, err := fsys.ReadFile(dir + "/.vite/manifest.json"); err == nil {
		var m viteManifest
		if json.Unmarshal(data, &m) == nil {
			files = map[string]bool{}
			for _, chunk := range m {
				if chunk.File != "" {
					files[chunk.File] = true
				}
				for _, f := range append(append([]string(nil), chunk.CSS...), chunk.Assets...) {
					files[f] = true
				}
			}
		}
	}
	b.mu.Lock()
	b.dirs[dir] = files
	b.mu.Unlock()
	return files
}

// isPrehashed reports whether a bundler manifest lists the file or a
// configured pattern matches it.
func (p *Project) isPrehashed(source Source) (bool, error) {
	for _, pattern := range p.cfg.Prehashed {
		if fnmatch(pattern, source.LogicalPath) {
			return true, nil
		}
	}
	root := p.cfg.Roots[source.Root].Dir
	rel := strings.TrimPrefix(source.Path, root+"/")
	for dir := path.Dir(rel); ; dir = path.Dir(dir) {
		hostDir := root
		inner := rel
		if dir != "." {
			hostDir = root + "/" + dir
			inner = strings.TrimPrefix(rel, dir+"/")
		}
		if p.bundlers.listed(p.fsys, hostDir)[inner] {
			return true, nil
		}
		if dir == "." || dir == "/" {
			return false, nil
		}
	}
}
