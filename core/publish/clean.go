package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// CleanOptions says which old hashed keys Clean may delete; the same
// choices as core/writer.CleanOptions.
type CleanOptions struct {
	// Keep is how many of the latest releases keep all their keys; less
	// than 1 means 1 (the live release is never cleaned).
	Keep int
	// OlderThan spares keys uploaded more recently than this, so pages
	// rendered by processes still rolling out (and CDN copies of them) keep
	// loading theirs.
	OlderThan time.Duration
	// DryRun reports what would go and deletes nothing.
	DryRun bool
}

// CleanResult says what Clean deleted (or, in a dry run, would delete).
type CleanResult struct {
	// Removed lists keys relative to the prefix: hashed files and their
	// precompressed variants, sorted.
	Removed []string `json:"removed"`
	// Bytes is their total size as listed.
	Bytes int64 `json:"bytes"`
	// Young counts keys of older releases spared because they are newer
	// than OlderThan.
	Young int `json:"young"`
	// KeptReleases is the number of releases whose keys were all kept.
	KeptReleases int `json:"kept_releases"`
	// PrunedRecords counts release records dropped because nothing they
	// list is left to clean.
	PrunedRecords int   `json:"pruned_records"`
	DryRun        bool  `json:"dry_run"`
	Requests      int64 `json:"requests"`
}

// Clean deletes hashed keys that earlier releases uploaded and the last
// opts.Keep releases no longer use, once they are older than
// opts.OlderThan. Only keys a release record lists (and their variants) are
// candidates, so objects assetc did not upload are never touched, nor are
// the keys the live staticfiles.json names, the manifest or the sidecar.
//
// It refuses while a publish is pending (running, or stopped part way: the
// next publish finishes it), since that publish may rely on a key an old
// release also lists. The index forgets the keys before they are deleted,
// so a clean stopped part way costs the next publish uploads, never a key
// it believes is there.
func Clean(ctx context.Context, b Bucket, opts CleanOptions) (result *CleanResult, err error) {
	s, err := b.store()
	if err != nil {
		return nil, err
	}
	requestsBefore := s.client.Requests()
	result = &CleanResult{DryRun: opts.DryRun}
	defer func() {
		if result != nil {
			result.Requests = s.client.Requests() - requestsBefore
		}
	}()

	if pending, err := s.exists(ctx, pendingName); err != nil {
		return nil, err
	} else if pending {
		return nil, fmt.Errorf("a publish to s3://%s/%s is running or was stopped part way: run assetc publish again to finish it, then clean", s.bucket, s.prefix)
	}
	releases, err := s.readReleases(ctx)
	if err != nil {
		return nil, err
	}
	if len(releases) == 0 {
		return nil, fmt.Errorf("s3://%s/%s has no assetc release records: clean only deletes what assetc publish uploaded", s.bucket, s.prefix)
	}
	// The live manifest's paths stay, unhashed and hashed.
	var live map[string]string
	if data, ok, err := s.get(ctx, core.ManifestName); err != nil {
		return nil, err
	} else if ok {
		var m struct {
			Paths map[string]string `json:"paths"`
		}
		if json.Unmarshal(data, &m) == nil {
			live = m.Paths
		}
	}
	var keys map[string]listed
	if len(releases) > max(opts.Keep, 1) { // else nothing is old: no listing
		if keys, err = s.list(ctx, ""); err != nil {
			return nil, err
		}
	}
	stored := func(key string) (core.StoredFile, bool) {
		l, there := keys[key]
		return core.StoredFile{Size: l.size, Modified: l.modified}, there
	}
	rule := core.Retention{Keep: opts.Keep, Cutoff: time.Now().Add(-opts.OlderThan), Variants: compress.AllSuffixes}
	removals := rule.ChooseRemovals(releases, live, stored)
	result.Removed, result.Bytes, result.Young = removals.Removed, removals.Bytes, removals.Young
	result.KeptReleases, result.PrunedRecords = removals.Kept, len(removals.Pruned)
	pruned := removals.Pruned // record keys
	if opts.DryRun {
		return result, nil
	}
	if len(result.Removed) > 0 {
		// The index forgets them first (see above).
		idx, found, err := s.readIndex(ctx)
		if err != nil {
			return result, err
		}
		if found { // without one, the next publish lists the bucket anyway
			for _, rel := range result.Removed {
				delete(idx.Objects, rel)
				delete(idx.Variants, rel)
			}
			if err := s.putJSON(ctx, indexName, idx); err != nil {
				return result, err
			}
		}
		if err := s.remove(ctx, result.Removed); err != nil {
			return result, err
		}
	}
	return result, s.remove(ctx, pruned)
}
