package core

import (
	"path"
	"regexp"
	"sort"
)

// Asset is a file as the static root holds it: its names and its bytes.
type Asset struct {
	LogicalPath string
	HashedName  string
	Source      Source
	// Content is the hashed copy's bytes when they differ from the source
	// (a CSS/JS file with rewritten references); nil means "the source file
	// as it is", which a server streams from Source.Path.
	Content []byte
	// Diagnostics are the warnings about this file (allowed missing
	// references and the like).
	Diagnostics []Diagnostic
	// SourceInfo and SourceSum (the whole MD5) identify the source bytes the
	// name was computed from, so a server streaming Source.Path can check
	// that the file still holds them before it answers a hashed URL.
	SourceInfo FileInfo
	SourceSum  [16]byte
}

// HashedName returns the hashed logical path of a file, computed from the
// sources alone: no manifest is read or written. It fails with a
// *NotFoundError when no root provides the file and with a
// *DiagnosticsError when the file, or a file it references, has a problem
// that would stop a build (a missing reference, say).
func (p *Project) HashedName(logical string) (string, error) {
	asset, err := p.Asset(logical)
	return asset.HashedName, err
}

// Asset returns the hashed name and content of a file, as HashedName does.
func (p *Project) Asset(logical string) (Asset, error) {
	node, err := p.node(logical)
	if err != nil {
		return Asset{}, err
	}
	if node == nil {
		return Asset{}, p.notFound(logical)
	}
	asset := Asset{LogicalPath: logical, Source: node.source, SourceInfo: node.info, SourceSum: node.sum}
	if !needsNaming(node) {
		asset.HashedName = plainName(node)
		return asset, nil
	}
	p.naming.Lock()
	err = p.nameAll([]string{logical}, 1)
	p.naming.Unlock()
	if err != nil {
		return Asset{}, err
	}
	named := p.named(logical)
	if diags := p.closureDiagnostics(logical); hasErrors(diags) {
		return Asset{}, &DiagnosticsError{Diagnostics: diags}
	}
	asset.HashedName, asset.Diagnostics = named.hashedName, named.diags
	if asset.Content, err = p.rewrittenContent(named); err != nil {
		return Asset{}, err
	}
	return asset, nil
}

// closureDiagnostics gathers the diagnostics of a file and of every file it
// references, directly or not, in a stable order. A dependency's diagnostic
// gets a note naming the reference that led to it, so that a user who asked
// for one file learns why another file's problem stops it.
func (p *Project) closureDiagnostics(logical string) []Diagnostic {
	var out []Diagnostic
	seen := map[string]bool{}
	var walk func(l string, via *Note)
	walk = func(l string, via *Note) {
		if seen[l] {
			return
		}
		seen[l] = true
		named := p.named(l)
		if named == nil {
			return
		}
		for _, d := range named.diags {
			if via != nil {
				d.Notes = append(append([]Note(nil), d.Notes...), *via)
			}
			out = append(out, d)
		}
		for _, dep := range named.deps {
			walk(dep, p.referenceNote(l, dep))
		}
	}
	walk(logical, nil)
	return out
}

// referenceNote is "referenced from path:line:col", the first reference in
// file from that names target; nil if it cannot be placed.
func (p *Project) referenceNote(from, target string) *Note {
	node, err := p.node(from)
	if err != nil || node == nil {
		return nil
	}
	for ref := range node.references() {
		if ref.url.target == target {
			return &Note{Message: "referenced from " + location(node.source.Path, ref.Line, ref.Col),
				Path: node.source.Path, Line: ref.Line, Col: ref.Col}
		}
	}
	return &Note{Message: "referenced from " + node.source.Path, Path: node.source.Path}
}

// Resolution is the answer for one path of a batch.
type Resolution struct {
	LogicalPath string
	HashedName  string
	Err         error
}

// Resolve names a batch of logical paths; each gets a name or an error.
func (p *Project) Resolve(logicals []string) []Resolution {
	out := make([]Resolution, len(logicals))
	for i, l := range logicals {
		out[i] = Resolution{LogicalPath: l}
		out[i].HashedName, out[i].Err = p.HashedName(l)
	}
	return out
}

// hashSegment matches the ".<12 hex>" Django inserts into a name.
var hashSegment = regexp.MustCompile(`\.[0-9a-f]{12}`)

// AssetByHashedName finds the file whose hashed name is the given path
// ("css/site.0123456789ab.css"), so a server can answer a hashed URL from
// the sources. It returns a *NotFoundError unless the name is exactly the
// current name of a file (an old hash is not served from sources).
//
// Before answering not found it re-checks, by stat, the files the name could
// belong to and what they reference: processes sharing the sources notice
// edits at different times (each after its own Invalidate), and a name that
// another process rendered from newer bytes must not get a 404 here.
func (p *Project) AssetByHashedName(hashed string) (Asset, error) {
	asset, candidates, err := p.assetByHashedName(hashed)
	if err == nil || !p.anyChanged(candidates) {
		return asset, err
	}
	p.Invalidate()
	asset, _, err = p.assetByHashedName(hashed)
	return asset, err
}

// assetByHashedName is AssetByHashedName from what is cached; on failure it
// returns the logical paths the name could have belonged to.
func (p *Project) assetByHashedName(hashed string) (Asset, []string, error) {
	dir, base := path.Split(hashed)
	matches := hashSegment.FindAllStringIndex(base, -1)
	// The hash is the last ".<hex12>" segment; try it first, then others
	// for names whose extension itself looks like hex.
	sort.Slice(matches, func(i, j int) bool { return matches[i][0] > matches[j][0] })
	var candidates []string
	for _, m := range matches {
		candidate := dir + base[:m[0]] + base[m[1]:]
		candidates = append(candidates, candidate)
		// node first: a missing candidate (most 404s) needs no suggestions.
		if node, err := p.node(candidate); err != nil || node == nil {
			continue
		}
		asset, err := p.Asset(candidate)
		if err == nil && asset.HashedName == hashed {
			return asset, nil, nil
		}
	}
	// A prehashed file is served under its own name.
	if node, err := p.node(hashed); err == nil && node != nil {
		if asset, err := p.Asset(hashed); err == nil && asset.HashedName == hashed {
			return asset, nil, nil
		}
	}
	return Asset{}, candidates, &NotFoundError{LogicalPath: hashed}
}

// anyChanged re-stats the cached files behind the given logical paths and
// everything they reference (as named in this generation), and reports
// whether any of them changed, appeared or disappeared since it was read.
func (p *Project) anyChanged(logicals []string) bool {
	seen := map[string]bool{}
	var changed func(string) bool
	changed = func(l string) bool {
		if seen[l] {
			return false
		}
		seen[l] = true
		p.mu.Lock()
		e := p.entries[l]
		p.mu.Unlock()
		if e != nil && p.stale(e) {
			return true
		}
		if named := p.named(l); named != nil {
			for _, dep := range named.deps {
				if changed(dep) {
					return true
				}
			}
		}
		return false
	}
	for _, l := range logicals {
		if changed(l) {
			return true
		}
	}
	return false
}

// Walk lists every file the roots provide, with duplicates and ignored files.
func (p *Project) Walk() (*Inventory, error) {
	return walk(p.fsys, &p.cfg)
}
