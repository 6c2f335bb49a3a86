package core

import (
	"path"
	"sort"
	"strings"
)

// suggest finds existing logical paths a user may have meant: the same path
// without a leading "/" or STATIC_URL, a different letter case, or a basename
// a couple of typos away in the same directory. It lists only the parent
// directory in each root, never the whole tree.
func (p *Project) suggest(logical string) []string {
	var out []string
	add := func(s string) {
		if s != logical && !contains(out, s) {
			out = append(out, s)
		}
	}
	for _, trimmed := range []string{strings.TrimPrefix(logical, p.cfg.StaticURL), strings.TrimLeft(logical, "/")} {
		if trimmed != logical && validLogicalPath(trimmed) {
			if l, err := find(p.fsys, &p.cfg, trimmed); err == nil && l.source != nil {
				add(trimmed)
			}
		}
	}
	clean := strings.TrimLeft(logical, "/")
	dir, base := path.Split(clean)
	type candidate struct {
		name     string
		distance int
	}
	var candidates []candidate
	for _, root := range p.cfg.Roots {
		relDir, ok := dir, true
		if root.Prefix != "" {
			relDir, ok = strings.CutPrefix(dir, root.Prefix+"/")
		}
		if !ok {
			continue
		}
		entries, err := p.fsys.ReadDir(strings.TrimRight(root.Dir+"/"+relDir, "/"))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir {
				continue
			}
			if _, ignored := ignoredBy(p.cfg.IgnorePatterns, relDir+e.Name); ignored {
				continue
			}
			d := editDistance(strings.ToLower(e.Name), strings.ToLower(base))
			if strings.EqualFold(e.Name, base) {
				d = 0
			}
			if d <= 2 && d*3 <= len(base) {
				candidates = append(candidates, candidate{dir + e.Name, d})
			}
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		if candidates[i].distance != candidates[j].distance {
			return candidates[i].distance < candidates[j].distance
		}
		return candidates[i].name < candidates[j].name
	})
	for _, c := range candidates {
		add(c.name)
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// editDistance is the Levenshtein distance between two strings, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
