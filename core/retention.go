package core

import (
	"sort"
	"time"
)

// A Release is what one build (core/writer) or one publish (core/publish)
// recorded: its name, the time it committed in nanoseconds, and the hashed
// paths it wrote. Both clean an output with the same rule, ChooseRemovals.
type Release struct {
	Name  string
	Files []string
}

// OlderRelease orders release names oldest first. Names are nanosecond
// times: equal lengths compare as numbers, and a shorter one is older.
func OlderRelease(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// StoredFile is what an output says of a path a release wrote: its size
// and when it was written.
type StoredFile struct {
	Size     int64
	Modified time.Time
}

// Retention says which files of old releases a clean may remove.
type Retention struct {
	// Keep is how many of the latest releases keep all their files; less
	// than 1 means 1 (the live release is never cleaned).
	Keep int
	// Cutoff spares files written after it, so pages rendered by processes
	// still rolling out (and CDN copies of them) keep loading theirs
	// (Propshaft keeps an hour, Phoenix --age 3600).
	Cutoff time.Time
	// Variants are the suffixes of a file's precompressed copies, removed
	// with it unless something kept names them.
	Variants []string
}

// Removals is what ChooseRemovals decided.
type Removals struct {
	// Removed are the paths to remove, sorted: hashed files of old releases
	// and their variants.
	Removed []string
	// Bytes is their total size.
	Bytes int64
	// Young counts files of old releases spared by the cutoff.
	Young int
	// Kept is how many of the latest releases keep all their files: they
	// are the last Kept of the releases.
	Kept int
	// Pruned names the old releases nothing of which is left once Removed
	// is gone: their records may go too.
	Pruned []string
}

// ChooseRemovals applies the retention rule to releases (oldest first).
// Only files a release lists are candidates, so what assetc did not write
// is never touched; never the files of the kept releases, nor the paths
// the live manifest names (its keys and values, in live), nor the manifest
// and the integrity sidecar. stat says whether a path is still there (a
// path already gone is skipped).
func (r Retention) ChooseRemovals(releases []Release, live map[string]string, stat func(path string) (StoredFile, bool)) Removals {
	keep := max(r.Keep, 1)
	split := max(len(releases)-keep, 0)
	result := Removals{Kept: len(releases) - split}
	kept := map[string]bool{ManifestName: true, IntegrityName: true}
	for _, release := range releases[split:] {
		for _, f := range release.Files {
			kept[f] = true
		}
	}
	for logical, hashed := range live {
		kept[logical], kept[hashed] = true, true
	}
	removed := map[string]bool{}
	remove := func(path string, file StoredFile) {
		removed[path] = true
		result.Removed = append(result.Removed, path)
		result.Bytes += file.Size
	}
	for _, release := range releases[:split] {
		left := false
		for _, f := range release.Files {
			if kept[f] || removed[f] {
				continue
			}
			file, there := stat(f)
			if !there {
				continue
			}
			if file.Modified.After(r.Cutoff) {
				result.Young++
				left = true
				continue
			}
			remove(f, file)
			for _, suffix := range r.Variants {
				if v, there := stat(f + suffix); there && !kept[f+suffix] && !removed[f+suffix] {
					remove(f+suffix, v)
				}
			}
		}
		if !left {
			result.Pruned = append(result.Pruned, release.Name)
		}
	}
	sort.Strings(result.Removed)
	return result
}
