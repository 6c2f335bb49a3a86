package writer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	releases := make([]core.Release, len(records))
	for i, r := range records {
		releases[i] = core.Release{Name: r.name, Files: r.Files}
	}
	cutoff := time.Now().Add(-opts.OlderThan)
	rule := core.Retention{Keep: opts.Keep, Cutoff: cutoff, Variants: compress.AllSuffixes}
	removals := rule.ChooseRemovals(releases, out.liveManifest(), out.storedFile)
	result.Removed, result.Bytes, result.Young = removals.Removed, removals.Bytes, removals.Young
	result.KeptBuilds, result.PrunedRecords = removals.Kept, len(removals.Pruned)
	if opts.DryRun {
		return result, nil
	}
	for _, rel := range result.Removed {
		if err := os.Remove(out.path(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return result, fmt.Errorf("cannot remove %s: %w", rel, err)
		}
		out.state.remove(rel)
	}
	for _, name := range removals.Pruned {
		if err := os.Remove(filepath.Join(dir, stateDir, "builds", name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return result, err
		}
	}
	// The compression cache entries the kept builds used stay.
	keptCache := map[string]bool{}
	for _, r := range records[len(records)-removals.Kept:] {
		for _, k := range r.Compressed {
			keptCache[k] = true
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

// liveManifest is the live staticfiles.json's paths (logical to hashed),
// which a clean never removes; nil when there is none to read.
func (o *output) liveManifest() map[string]string {
	data, err := os.ReadFile(filepath.Join(o.dir, core.ManifestName))
	if err != nil {
		return nil
	}
	var m struct {
		Paths map[string]string `json:"paths"`
	}
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	return m.Paths
}

// storedFile is what the output holds at rel for a clean: only regular
// files are candidates (a directory or link there is not a file a build
// wrote).
func (o *output) storedFile(rel string) (core.StoredFile, bool) {
	info, err := os.Lstat(o.path(rel))
	if err != nil || !info.Mode().IsRegular() {
		return core.StoredFile{}, false
	}
	return core.StoredFile{Size: info.Size(), Modified: info.ModTime()}, true
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
