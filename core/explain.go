package core

import (
	"errors"
	"sort"
	"time"
)

// ReferenceInfo describes one reference inside a file and what became of it.
type ReferenceInfo struct {
	Kind      string `json:"kind"`
	Line      int    `json:"line"`
	Col       int    `json:"col"`
	Value     string `json:"value"`
	Outcome   string `json:"outcome"`          // see the Outcome constants
	Target    string `json:"target,omitempty"` // the logical path it names
	Rewritten string `json:"rewritten,omitempty"`
}

// Outcomes of a reference.
const (
	OutcomeRewritten   = "rewritten"    // points at the target's hashed name
	OutcomeExternal    = "left-alone"   // another site, data:, fragment-only, absolute outside STATIC_URL
	OutcomeDirectory   = "directory"    // a path ending in "/": kept, not hashed
	OutcomeMissing     = "missing"      // no root provides the target
	OutcomeEscapesRoot = "escapes-root" // a "../" climbs above the static root
	OutcomeInCycle     = "cycle"        // rewritten; the target is in a cycle with this file
)

// References lists the references inside a file, with what each resolves to.
func (p *Project) References(logical string) ([]ReferenceInfo, error) {
	node, err := p.node(logical)
	if err != nil {
		return nil, err
	}
	if node == nil {
		return nil, p.notFound(logical)
	}
	if needsNaming(node) {
		// Naming resolves every target; problems show up as outcomes.
		if _, err := p.Asset(logical); err != nil {
			var de *DiagnosticsError
			if !errors.As(err, &de) {
				return nil, err
			}
		}
	}
	named := p.named(logical)
	content, release, err := sourceBytes(p.fsys, node, time.Time{})
	if err != nil {
		return nil, err
	}
	defer release()
	out := make([]ReferenceInfo, 0, len(node.refs))
	for ref := range node.references() {
		info := ReferenceInfo{Kind: ref.Kind.String(), Line: ref.Line, Col: ref.Col, Value: ref.Value, Target: ref.url.target}
		switch ref.url.action {
		case leaveAlone:
			info.Outcome = OutcomeExternal
		case keepDirectory:
			info.Outcome = OutcomeDirectory
			info.Rewritten = writeBack(content, ref.Reference, ref.url.keptURL(ref.Value))
		case escapesRoot:
			info.Outcome = OutcomeEscapesRoot
		case resolveFile:
			hashed, found := p.finalName(ref.url.target)
			switch {
			case !found:
				info.Outcome = OutcomeMissing
			default:
				info.Outcome = OutcomeRewritten
				if named != nil && named.cycle && p.named(ref.url.target) != nil && p.named(ref.url.target).cycle && sameCycle(p, logical, ref.url.target) {
					info.Outcome = OutcomeInCycle
				}
				info.Rewritten = writeBack(content, ref.Reference, ref.url.rewrittenURL(hashed))
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// sameCycle reports whether b references a, directly or not (a references
// b already), which puts them in one cycle.
func sameCycle(p *Project, a, b string) bool {
	seen := map[string]bool{}
	var reaches func(string) bool
	reaches = func(l string) bool {
		if l == a {
			return true
		}
		if seen[l] {
			return false
		}
		seen[l] = true
		named := p.named(l)
		if named == nil {
			return false
		}
		for _, d := range named.deps {
			if reaches(d) {
				return true
			}
		}
		return false
	}
	return reaches(b)
}

// Explanation is everything assetc knows about one logical path: the answer
// to "why is my file not collected?".
type Explanation struct {
	LogicalPath string `json:"logical_path"`
	// Source is the file that provides the path; nil when none does.
	Source *Source `json:"source,omitempty"`
	// Shadowed are files with the same logical path in later roots, hidden by
	// Source.
	Shadowed []Source `json:"shadowed,omitempty"`
	// Ignored are files that would provide the path but an ignore pattern
	// drops.
	Ignored    []IgnoredCandidate `json:"ignored,omitempty"`
	Prehashed  bool               `json:"prehashed,omitempty"`
	HashedName string             `json:"hashed_name,omitempty"`
	// OutputPaths are the files a build writes for it.
	OutputPaths  []string        `json:"output_paths,omitempty"`
	References   []ReferenceInfo `json:"references,omitempty"`
	ReferencedBy []Referrer      `json:"referenced_by,omitempty"`
	Diagnostics  []Diagnostic    `json:"diagnostics,omitempty"`
	// Error says why the path has no hashed name, when it has none.
	Error string `json:"error,omitempty"`
}

// Referrer is a reference to the explained file from another file.
type Referrer struct {
	LogicalPath string `json:"logical_path"`
	Line        int    `json:"line"`
	Col         int    `json:"col"`
	Value       string `json:"value"`
}

// Explain gathers everything about one logical path. Unlike the other
// questions it reads every CSS and JS file, to find who references the path.
func (p *Project) Explain(logical string) (*Explanation, error) {
	ex := &Explanation{LogicalPath: logical}
	if validLogicalPath(logical) {
		for i, root := range p.cfg.Roots {
			rel, ok := relativeTo(root.Prefix, logical)
			if !ok {
				continue
			}
			candidate := root.Dir + "/" + rel
			info, err := p.fsys.Stat(candidate)
			if err != nil || info.IsDir() {
				continue
			}
			if pattern, ignored := ignoredBy(p.cfg.IgnorePatterns, rel); ignored {
				ex.Ignored = append(ex.Ignored, IgnoredCandidate{Path: candidate, Root: i, Pattern: pattern})
				continue
			}
			s := Source{LogicalPath: logical, Root: i, Path: candidate}
			if ex.Source == nil {
				ex.Source = &s
			} else {
				ex.Shadowed = append(ex.Shadowed, s)
			}
		}
	}
	asset, err := p.Asset(logical)
	if err != nil {
		ex.Error = err.Error()
		var de *DiagnosticsError
		if errors.As(err, &de) {
			ex.Diagnostics = de.Diagnostics
		}
	} else {
		ex.HashedName = asset.HashedName
		ex.Diagnostics = asset.Diagnostics
		ex.OutputPaths = []string{logical}
		if asset.HashedName != logical {
			ex.OutputPaths = append(ex.OutputPaths, asset.HashedName)
		}
	}
	if node, _ := p.node(logical); node != nil {
		ex.Prehashed = node.prehashed
		if ex.References, err = p.References(logical); err != nil {
			return nil, err
		}
	}
	inv, err := p.Walk()
	if err != nil {
		return nil, err
	}
	for _, l := range inv.Paths() {
		if css, js := isAdjustable(l, p.cfg.JSModules); !css && !js {
			continue
		}
		node, err := p.node(l)
		if err != nil || node == nil {
			continue
		}
		for ref := range node.references() {
			if ref.url.action == resolveFile && ref.url.target == logical {
				ex.ReferencedBy = append(ex.ReferencedBy, Referrer{LogicalPath: l, Line: ref.Line, Col: ref.Col, Value: ref.Value})
			}
		}
	}
	sort.SliceStable(ex.ReferencedBy, func(i, j int) bool { return ex.ReferencedBy[i].LogicalPath < ex.ReferencedBy[j].LogicalPath })
	return ex, nil
}
