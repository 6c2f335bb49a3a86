package core

import (
	"path"
	"sort"
	"strings"
)

// suggest finds existing logical paths a user may have meant: the same path
// without a leading "/" or STATIC_URL, a different letter case, or a basename
// a couple of typos away in the same directory, also when the directory
// itself is misspelt ("Img/" for "img/"). It lists only the directories on
// the path in each root, never the whole tree.
func (p *Project) suggest(logical string) []string {
	var out []string
	add := func(s string) {
		if s != logical && !contains(out, s) {
			out = append(out, s)
		}
	}
	for _, trimmed := range []string{strings.TrimPrefix(logical, p.cfg.StaticURL), strings.TrimLeft(logical, "/")} {
		if trimmed != logical && validLogicalPath(trimmed) {
			if l, err := find(p.fsys, &p.cfg, trimmed, ""); err == nil && l.source != nil {
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
		shownDir := dir
		if err != nil {
			corrected, ok := p.correctDir(root.Dir, relDir)
			if !ok {
				continue
			}
			if entries, err = p.fsys.ReadDir(strings.TrimRight(root.Dir+"/"+corrected, "/")); err != nil {
				continue
			}
			relDir, shownDir = corrected, corrected
			if root.Prefix != "" {
				shownDir = root.Prefix + "/" + corrected
			}
		}
		for _, e := range entries {
			if e.IsDir() {
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
				candidates = append(candidates, candidate{shownDir + e.Name, d})
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

// correctDir finds the directory a misspelt relative one ("Img/icons/")
// most likely means, one component at a time: the same name in another
// letter case, else one typo away (for names of four letters or more).
func (p *Project) correctDir(rootDir, relDir string) (string, bool) {
	corrected := ""
	for _, part := range strings.Split(strings.Trim(relDir, "/"), "/") {
		entries, err := p.fsys.ReadDir(strings.TrimRight(rootDir+"/"+corrected, "/"))
		if err != nil {
			return "", false
		}
		best, bestDistance := "", 2
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			d := editDistance(strings.ToLower(e.Name), strings.ToLower(part))
			if strings.EqualFold(e.Name, part) {
				d = 0
			}
			if d < bestDistance && (d == 0 || len(part) >= 4) {
				best, bestDistance = e.Name, d
			}
		}
		if best == "" {
			return "", false
		}
		corrected += best + "/"
	}
	return corrected, true
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
