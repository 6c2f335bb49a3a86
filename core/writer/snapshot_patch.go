package writer

import (
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/core/compress"
)

// patchSnapshot is makeSnapshot for a build planned from the last build's
// record under the lock its check took (req.prior and o.proven set). The
// check proved every entry of the last snapshot but the changed sources,
// so the new snapshot is that one with: the changed sources' identities
// (the ones planning saw before reading them); the outputs this build
// wrote (the identity the writer took after their last link); the outputs
// whose inode a write linked or unlinked (their content is dirty), the
// output directories and the two files of the commit, looked at now; and
// any planned path the last snapshot may not hold (an older hashed name
// found up to date, a path of a dirty content) added. Gathering it again
// from 200,000 PlanFiles was a quarter of such a build at 100k files.
// ok is false whenever the build did something this does not account for
// (it removed an output the last snapshot held, a changed source has no
// identity, an output is not what the state says): makeSnapshot decides
// then. TestPatchedSnapshotMatchesGathered shows both prove the same.
func (o *output) patchSnapshot(plan *core.Plan, req *snapshotRequest, comp compress.Options, result *Result, variants compression, workers int) (snap *snapshot, ok bool) {
	if !patchSnapshots || !req.fromRecord || o.proven == nil || o.proven.entries == nil || req.started.IsZero() {
		return nil, false
	}
	inputs := plan.Inputs()
	if len(plan.Diagnostics) > 0 || !inputs.Host || inputs.Linked {
		return nil, false
	}
	isRacy := func(id fileID) bool { return core.Racy(req.started, id.ModTime, id.ChgTime) }
	base := o.base()
	prefix := base + string(filepath.Separator)
	if strings.HasSuffix(base, string(filepath.Separator)) {
		prefix = base
	}

	o.mu.Lock()
	// MD5s (variant keys) of contents this build wrote or replaced a path
	// of: every path holding one is new or shares an inode whose links
	// changed (see makeSnapshot).
	dirty := make(map[string]bool, 2*len(o.written))
	for rel, old := range o.written {
		dirty[o.state.at(rel).MD5], dirty[old] = true, true
	}
	changed := make(map[string]fileID, len(o.proven.changed))
	for _, p := range o.proven.changed {
		changed[p] = fileID{}
	}
	// The planned paths the last snapshot may not hold as they are now:
	// written, of a dirty content, or not an output of the last build.
	extra := map[string]bool{}
	// A file outside the Plan's difference is the last build's output at
	// its path (core.Plan.Difference): only a write or a dirty content
	// makes it extra.
	difference, fromRecord := plan.Difference()
	next := 0 // into difference
	for n, f := range plan.Files {
		named := !fromRecord
		for ; next < len(difference) && difference[next] <= n; next++ {
			named = named || difference[next] == n
		}
		if _, ok := changed[f.SourcePath]; ok {
			info := plan.SourceStat(f)
			if info.Inode == 0 || info.ChangeTime == 0 {
				o.mu.Unlock()
				return nil, false
			}
			changed[f.SourcePath] = fileID{Present: true, Device: info.Device, Inode: info.Inode, Size: info.Size, ModTime: info.ModTime, ChgTime: info.ChangeTime}
		}
		_, wrote := o.written[f.Path]
		if !wrote && !dirty[f.MD5] && (!named || o.proven.outputOfLast(f)) {
			continue
		}
		extra[f.Path] = true
		if !comp.Skips(f.Path) {
			for _, e := range comp.Encodings {
				if v := f.Path + compress.Suffix(e); o.state.at(v) != (writtenFile{}) {
					extra[v] = true
				}
			}
		}
	}
	for rel := range o.written {
		if _, kept := o.state.get(rel); kept {
			extra[rel] = true
		}
	}
	added := make([]string, 0, len(extra))
	for rel := range extra {
		added = append(added, rel)
	}
	sort.Strings(added) // the same snapshot for the same build

	// The last snapshot's entries, patched in place (a copy was 20 MB at
	// 100,000 files): once they are, makeSnapshot gathers without the
	// check's proof if this fails.
	entries := o.proven.entries[:0]
	defer func() {
		if !ok {
			o.proven = nil
		}
	}()
	fresh := make([]bool, 0, len(o.proven.entries)) // looked at now
	var dirs []snapshotEntry
	dirSet := map[string]bool{}
	for _, e := range o.proven.entries {
		look := false
		switch {
		case e.outputDir: // all looked at below
			rel := "."
			if e.path != base {
				rel, _ = strings.CutPrefix(e.path, prefix)
				rel = filepath.ToSlash(rel)
			}
			dirSet[rel] = true
			continue
		case e.source:
			if id, ok := changed[e.path]; ok {
				if !id.Present {
					o.mu.Unlock()
					return nil, false
				}
				e.id, e.distrust = id, isRacy(id)
			}
		case e.own:
			rel, inside := strings.CutPrefix(e.path, prefix)
			rel = filepath.ToSlash(rel)
			w, known := o.state.get(rel)
			switch {
			case !inside:
				o.mu.Unlock()
				return nil, false
			case rel == core.ManifestName || rel == core.IntegrityName:
				look = true
			case !known:
				o.mu.Unlock()
				return nil, false // removed by this build, or never known: gather
			case extra[rel]:
				continue // recorded below, as this build left it
			case dirty[w.MD5]:
				look = true
			}
		}
		entries = append(entries, e)
		fresh = append(fresh, look)
	}
	// The planned paths added, and their directories.
	firstAdded := len(entries)
	for _, rel := range added {
		e := snapshotEntry{path: rel, own: true, inOutput: true}
		id, wrote := o.state.at(rel).identity()
		if wrote {
			_, wrote = o.written[rel]
		}
		if wrote {
			e.id = id
		}
		entries = append(entries, e)
		fresh = append(fresh, !wrote)
	}
	o.mu.Unlock()
	for _, rel := range added {
		for d := path.Dir(rel); !dirSet[d]; d = path.Dir(d) {
			dirSet[d] = true
		}
	}
	for d := range dirSet {
		dirs = append(dirs, snapshotEntry{path: d, own: true, outputDir: true, inOutput: true})
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].path < dirs[j].path })

	dirsBefore, err := statAll(dirs, base, workers)
	if err != nil {
		return nil, false
	}
	var todo []int32
	for i := range entries {
		if fresh[i] {
			todo = append(todo, int32(i))
		}
	}
	if err := statEach(len(todo), workers, func(n int) error {
		e := &entries[todo[n]]
		id, err := statOne(snapshotEntry{path: e.fullPath(base), own: e.own})
		e.id = id
		return err
	}); err != nil {
		return nil, false
	}
	// An output looked at must still be what the state says (as in
	// makeSnapshot), and the two files of the commit the planned bytes.
	o.mu.Lock()
	for _, n := range todo {
		e := &entries[n]
		rel := e.path
		if !e.inOutput {
			rel = filepath.ToSlash(strings.TrimPrefix(e.path, prefix))
		}
		if rel == core.ManifestName || rel == core.IntegrityName {
			continue
		}
		w, known := o.state.get(rel)
		if !known || !e.id.Present || w.Size != e.id.Size || w.ModTime != e.id.ModTime {
			o.mu.Unlock()
			return nil, false
		}
	}
	o.mu.Unlock()
	for _, c := range []struct {
		name string
		want committedFile
	}{{core.ManifestName, req.manifest}, {core.IntegrityName, req.sidecar}} {
		if !c.want.heldBy(joinPath(base, c.name)) {
			return nil, false
		}
	}
	if !stillAsBefore(dirs, dirsBefore, base, workers) {
		return nil, false
	}
	// One path per output inode. The entries kept as checked have one
	// inode each (the last snapshot kept one path per inode, and the check
	// found each as it was); only an entry added or looked at now can share
	// one, with any entry (absent entries, all "inode 0", are counted in
	// too): the first path of each such inode is kept, as before, without
	// a map of every output's inode.
	touched := map[[2]uint64]bool{} // inodes of entries added or looked at -> seen yet
	for i := range entries {
		if e := &entries[i]; e.own && (i >= firstAdded || fresh[i] || !e.id.Present) {
			touched[[2]uint64{e.id.Device, e.id.Inode}] = false
		}
	}
	for i := range entries {
		if e := &entries[i]; e.own {
			inode := [2]uint64{e.id.Device, e.id.Inode}
			if seen, ok := touched[inode]; ok {
				e.skip, touched[inode] = seen, true
			}
		}
	}
	r := Result{
		Files: result.Files, Hashed: result.Hashed, Rewritten: result.Rewritten, Cycles: result.Cycles,
		Unchanged: len(plan.Files), Duplicates: result.Duplicates, Ignored: result.Ignored, Manifest: result.Manifest,
		CompressionReused: variants.compressed + variants.reused, Variants: variants.variants,
	}
	snap = &snapshot{key: req.key, result: r, base: base, parts: [][]snapshotEntry{entries, dirs}}
	snap.logical = req.logical // the record's files are the manifest's keys, sorted
	return snap, true
}
