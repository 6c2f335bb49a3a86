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
	noRecords := fmt.Errorf("%s has no assetc build records: clean only removes what assetc builds wrote", dir)
	if _, err := os.Stat(filepath.Join(dir, stateDir)); err != nil {
		return nil, noRecords
	}
	out, err := openOutput(dir, opts.LockWait)
	if err != nil {
		return nil, err
	}
	defer out.close()
	result := &CleanResult{DryRun: opts.DryRun}
	if !opts.DryRun {
		// An unfinished build's files go first, whatever else is known:
		// even a first build stopped by a full disk leaves a clean root.
		if _, err := os.Stat(out.statePath(pendingFile)); err == nil {
			result.Recovered = true
		}
		if err := out.recover(); err != nil {
			return nil, err
		}
		if err := out.removeTemporaries(); err != nil {
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
	kept := map[string]bool{core.ManifestName: true, core.IntegrityName: true}
	keptCache := map[string]bool{}
	recent, old := records[max(len(records)-keep, 0):], records[:max(len(records)-keep, 0)]
	for _, r := range recent {
		for _, f := range r.Files {
			kept[f] = true
		}
		for _, k := range r.Compressed {
			keptCache[k] = true
		}
	}
	// The unhashed copies are what the current manifest's keys name.
	if data, err := os.ReadFile(filepath.Join(dir, core.ManifestName)); err == nil {
		var m struct {
			Paths map[string]string `json:"paths"`
		}
		if json.Unmarshal(data, &m) == nil {
			for logical := range m.Paths {
				kept[logical] = true
			}
		}
	}

	cutoff := time.Now().Add(-opts.OlderThan)
	removable := func(rel string) (os.FileInfo, bool) {
		info, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil || !info.Mode().IsRegular() {
			return nil, false
		}
		return info, true
	}
	var remaining []namedRecord // old records with files still to clean later
	removed := map[string]bool{}
	for _, r := range old {
		left := false
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
				left = true
				continue
			}
			removed[f] = true
			result.Removed = append(result.Removed, f)
			result.Bytes += info.Size()
			for _, suffix := range compress.AllSuffixes {
				if kept[f+suffix] {
					continue
				}
				if info, ok := removable(f + suffix); ok {
					removed[f+suffix] = true
					result.Removed = append(result.Removed, f+suffix)
					result.Bytes += info.Size()
				}
			}
		}
		if left {
			remaining = append(remaining, r)
		} else {
			result.PrunedRecords++
		}
	}
	sort.Strings(result.Removed)
	if opts.DryRun {
		return result, nil
	}
	for _, rel := range result.Removed {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return result, fmt.Errorf("cannot remove %s: %w", rel, err)
		}
		delete(out.state, rel)
	}
	for _, r := range old {
		if !containsRecord(remaining, r.name) {
			if err := os.Remove(filepath.Join(dir, stateDir, "builds", r.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return result, err
			}
		}
	}
	if err := cleanCompressionCache(dir, keptCache, cutoff); err != nil {
		return result, err
	}
	return result, out.saveState()
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

func containsRecord(records []namedRecord, name string) bool {
	for _, r := range records {
		if r.name == name {
			return true
		}
	}
	return false
}
