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
// Supported, found in any directory from the file's own up to its root:
//   - Vite's .vite/manifest.json (Vite 5+), whose paths are relative to the
//     directory holding .vite/;
//   - an esbuild metafile named metafile.json or meta.json, whose "outputs"
//     keys are relative to where esbuild ran, so a key names a file when it
//     ends with the file's path relative to the metafile's directory. Guessing from names alone is off:
// "theme-twilight.js" looks like "name-hash.js" and is not one.

// The bundler manifests looked for in each directory.
var (
	esbuildMetafiles = []string{"metafile.json", "meta.json"}
	viteManifestPath = ".vite/manifest.json"
)

// bundlerProbes are the paths a Plan looks at in dir for bundler manifests,
// which may be absent: the manifests and the directory holding Vite's (a
// manifest created there changes that directory, not dir).
func bundlerProbes(dir string) []string {
	probes := make([]string, 0, len(esbuildMetafiles)+2)
	for _, name := range esbuildMetafiles {
		probes = append(probes, dir+"/"+name)
	}
	return append(probes, dir+"/"+path.Dir(viteManifestPath), dir+"/"+viteManifestPath)
}

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
	for _, name := range esbuildMetafiles {
		data, err := fsys.ReadFile(dir + "/" + name)
		if err != nil {
			continue
		}
		var meta struct {
			Outputs map[string]json.RawMessage `json:"outputs"`
		}
		if json.Unmarshal(data, &meta) == nil && len(meta.Outputs) > 0 {
			if files == nil {
				files = map[string]bool{}
			}
			for out := range meta.Outputs {
				// Index every suffix of the output path, so the lookup by
				// the path relative to dir is one map access.
				for p := path.Clean(out); p != "." && p != "/"; {
					files[p] = true
					_, rest, found := strings.Cut(p, "/")
					if !found {
						break
					}
					p = rest
				}
			}
		}
	}
	if data, err := fsys.ReadFile(dir + "/" + viteManifestPath); err == nil {
		var m viteManifest
		if json.Unmarshal(data, &m) == nil {
			if files == nil {
				files = map[string]bool{}
			}
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
