package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/assetc/assetc/core"
)

// configFromFile reads --config FILE: core's configuration document, the
// JSON the wasm ABI's configure request is, so that a host that drives the
// CLI (the Django bridge) and one that loads the module hand over the same
// document. A relative root directory is relative to the file, as in
// tsconfig.json or package.json, so that a checked-in file works from any
// working directory.
func (s *sourceFlags) configFromFile() (core.Config, error) {
	for _, name := range []string{"source", "ignore", "no-default-ignore", "static-url", "js-modules", "prehashed", "allow-missing", "missing"} {
		if s.flags != nil && s.flags.Changed(name) {
			return core.Config{}, usagef("--%s and --config cannot be used together: the configuration file says everything about the sources", name)
		}
	}
	document, err := os.ReadFile(s.configFile)
	if err != nil {
		return core.Config{}, usagef("--config: %v", err)
	}
	cfg, err := core.DecodeConfig(document)
	if err != nil {
		return core.Config{}, usagef("--config %s: %v", s.configFile, err)
	}
	base := filepath.Dir(s.configFile)
	for i, root := range cfg.Roots {
		dir := filepath.FromSlash(root.Dir)
		if dir != "" && !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		// A directory must exist, as with -s: a typo in a source is the
		// classic "collectstatic silently skipped my files".
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			return core.Config{}, usagef("--config %s: root %d (%q): %v", s.configFile, i+1, root.Dir, err)
		}
		if dir, err = filepath.Abs(dir); err != nil {
			return core.Config{}, usagef("--config %s: root %d: %v", s.configFile, i+1, err)
		}
		cfg.Roots[i].Dir = filepath.ToSlash(dir)
	}
	return cfg, nil
}
