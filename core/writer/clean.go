package writer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// CleanOptions says which old hashed files Clean may remove.
type CleanOptions struct {
	// Keep is how many of the latest builds keep all their files; less
	// than 1 means 1 (the current build is never cleaned).
	Keep int
	// OlderThan spares files modified more recently than this, so pages
	// rendered by processes still rolling out keep loading them (Propshaft
	// keeps an hour, Phoenix --age 3600).
	OlderThan time.Duration
	// DryRun reports what would go and removes nothing.
	DryRun bool
	// LockWait is how long to wait for a running build; 0 fails at once.
	LockWait time.Duration
}

// CleanResult says what Clean removed (or, in a dry run, would remove).
type CleanResult struct {
	// Removed lists output-relative paths: hashed files and their
	// precompressed variants, sorted.
	Removed []string `json:"removed"`
	// Bytes is their total size.
	Bytes int64 `json:"bytes"`
	// Young counts files of older builds spared because they are newer than
	// OlderThan.
	Young int `json:"young"`
	// KeptBuilds is the number of builds whose files were all kept.
	KeptBuilds int `json:"kept_builds"`
	// PrunedRecords counts build records dropped because nothing they list
	// is left to clean.
	PrunedRecords int  `json:"pruned_records"`
	DryRun        bool `json:"dry_run"`
	// Recovered says that an unfinished build's files and temporaries were
	// removed first.
	Recovered bool `json:"recovered"`
	// IntegrityError, when set, says why staticfiles.integrity.json cannot
	// be trusted (it is not the sidecar of the live manifest): build again.
	IntegrityError string `json:"integrity_error,omitempty"`
}

// Clean removes hashed files that earlier builds wrote into dir and that
// the last opts.Keep builds no longer use, once they are older than
// opts.OlderThan. Only files a build record lists are candidates, so files
// assetc did not write are never touched, and neither are the files of the
// latest build, the unhashed copies its manifest names, the manifest and
// the integrity sidecar. It takes the build lock, so it cannot race a build.
// First (unless DryRun) it removes what an unfinished build left: the files
// it created and every temporary file, even when no build ever committed.
// It fails when dir was never an assetc build's output (no state directory:
// nothing is known to be safe).
func Clean(dir string, opts CleanOptions) (*CleanResult, error) {
	keep := max(opts.Keep, 1)
	if _, err := os.Stat(filepath.Join(dir, stateDir)); err != nil {
		return nil, fmt.Errorf("%s has no assetc build records: clean only removes what assetc builds wrote", dir)
	}
	out, err := openOutput(dir, opts.LockWait)
	if err != nil {
		return nil, err
	}
	defer out.close()
	result := &CleanResult{DryRun: opts.DryRun}
	if !opts.DryRun {
		if result.Recovered, err = out.removeUnfinished(); err != nil {
			return nil, err
		}
	}
	records, err := readBuildRecords(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if len(records) == 0 {
		// Only builds that never committed wrote here: what they left is
		// gone, and nothing else is assetc's.
		return result, nil
	}
	if _, err := ReadIntegrity(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		result.IntegrityError = err.Error()
	}
	result.KeptBuilds = min(keep, len(records))
	split := max(len(records)-keep, 0)
	kept, keptCache := out.keptByRecentBuilds(records[split:])
	cutoff := time.Now().Add(-opts.OlderThan)
	remaining := out.chooseRemovals(records[:split], kept, cutoff, result)
	if opts.DryRun {
		return result, nil
	}
	for _, rel := range result.Removed {
		if err := os.Remove(out.path(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return result, fmt.Errorf("cannot remove %s: %w", rel, err)
		}
		delete(out.state, rel)
	}
	for _, r := range records[:split] {
		if !remaining[r.name] {
			if err := os.Remove(filepath.Join(dir, stateDir, "builds", r.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return result, err
			}
		}
	}
	if err := cleanCompressionCache(dir, keptCache, cutoff); err != nil {
		return result, err
	}
	return result, out.saveState()
}

// removeUnfinished removes what an unfinished build left, whatever else is
// known: even a first build stopped by a full disk leaves a clean root.
// It reports whether there was such a build.
func (o *output) removeUnfinished() (bool, error) {
	_, err := os.Stat(o.statePath(pendingFile))
	unfinished := err == nil
	if err := o.recover(); err != nil {
		return unfinished, err
	}
	return unfinished, o.removeTemporaries()
}

// keptByRecentBuilds lists what Clean never removes: the files and cache
// entries of the builds it keeps, the unhashed copies the live manifest's
// keys name, the manifest and the sidecar.
func (o *output) keptByRecentBuilds(recent []namedRecord) (files, cache map[string]bool) {
	files = map[string]bool{core.ManifestName: true, core.IntegrityName: true}
	cache = map[string]bool{}
	for _, r := range recent {
		for _, f := range r.Files {
			files[f] = true
		}
		for _, k := range r.Compressed {
			cache[k] = true
		}
	}
	if data, err := os.ReadFile(filepath.Join(o.dir, core.ManifestName)); err == nil {
		var m struct {
			Paths map[string]string `json:"paths"`
		}
		if json.Unmarshal(data, &m) == nil {
			for logical := range m.Paths {
				files[logical] = true
			}
		}
	}
	return files, cache
}

// chooseRemovals fills result with the files of old builds that no kept
// build uses and that are older than cutoff, with their variants, and
// returns the names of the old records that still list younger files.
func (o *output) chooseRemovals(old []namedRecord, kept map[string]bool, cutoff time.Time, result *CleanResult) map[string]bool {
	removable := func(rel string) (os.FileInfo, bool) {
		info, err := os.Lstat(o.path(rel))
		if err != nil || !info.Mode().IsRegular() {
			return nil, false
		}
		return info, true
	}
	remaining := map[string]bool{}
	removed := map[string]bool{}
	add := func(rel string, info os.FileInfo) {
		removed[rel] = true
		result.Removed = append(result.Removed, rel)
		result.Bytes += info.Size()
	}
	for _, r := range old {
		for _, f := range r.Files {
			if kept[f] || removed[f] {
				continue
			}
			info, ok := removable(f)
			if !ok {
				continue // already gone
			}
			if info.ModTime().After(cutoff) {
				result.Young++
				remaining[r.name] = true
				continue
			}
			add(f, info)
			for _, suffix := range compress.AllSuffixes {
				if info, ok := removable(f + suffix); ok && !kept[f+suffix] {
					add(f+suffix, info)
				}
			}
		}
		if !remaining[r.name] {
			result.PrunedRecords++
		}
	}
	sort.Strings(result.Removed)
	return remaining
}

// cleanCompressionCache drops cache entries no kept build used, once they
// are old enough: only the speed of a rebuild that returns to old content
// depends on them, never an output file (variants are links or copies).
func cleanCompressionCache(dir string, keep map[string]bool, cutoff time.Time) error {
	cache := filepath.Join(dir, stateDir, compressionCache)
	entries, err := os.ReadDir(cache)
	if err != nil {
		return nil // no cache: nothing was compressed
	}
	for _, e := range entries {
		if keep[e.Name()] || strings.HasSuffix(e.Name(), tmpSuffix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			if err := os.Remove(filepath.Join(cache, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
