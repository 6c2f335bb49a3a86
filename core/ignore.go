package core

import "strings"

// DefaultIgnorePatterns are the patterns of Django's staticfiles app config.
var DefaultIgnorePatterns = []string{"CVS", ".*", "*~"}

// ignoredBy reports which pattern, if any, drops a file, following Django's
// utils.get_files: a file is matched by its basename and, below the top
// level, by its path relative to the root; a directory only by its basename.
// relPath is "/"-separated and relative to the root (without the prefix).
func ignoredBy(patterns []string, relPath string) (pattern string, ok bool) {
	parts := strings.Split(relPath, "/")
	for _, dir := range parts[:len(parts)-1] {
		if p, ok := matchAny(patterns, dir); ok {
			return p, true
		}
	}
	if p, ok := matchAny(patterns, parts[len(parts)-1]); ok {
		return p, true
	}
	if len(parts) > 1 {
		return matchAny(patterns, relPath)
	}
	return "", false
}

func matchAny(patterns []string, name string) (string, bool) {
	for _, p := range patterns {
		if fnmatch(p, name) {
			return p, true
		}
	}
	return "", false
}

// fnmatch is Python's fnmatch.fnmatchcase: "*" and "?" match any character
// including "/", "[seq]" and "[!seq]" are character classes, and an unclosed
// "[" is a literal. Django matches ignore patterns and adjustable files
// ("*.css") with it, so its semantics decide what gets collected.
func fnmatch(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	// Iterative matching with single-star backtracking: linear in practice
	// and never exponential, unlike the naive recursive form.
	pi, ni := 0, 0
	starP, starN := -1, 0
	for ni < len(n) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				starP, starN = pi, ni
				pi++
				continue
			case '?':
				pi++
				ni++
				continue
			case '[':
				if end, matched, ok := matchClass(p, pi, n[ni]); ok {
					if matched {
						pi = end
						ni++
						continue
					}
				} else if n[ni] == '[' { // unclosed "[" is a literal
					pi++
					ni++
					continue
				}
			default:
				if p[pi] == n[ni] {
					pi++
					ni++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starN++
		pi, ni = starP+1, starN
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches r against the class starting at p[start] == '['. It
// returns the index after the class, whether r is in it, and whether the
// class is well formed (closed by "]").
func matchClass(p []rune, start int, r rune) (end int, matched bool, ok bool) {
	i := start + 1
	negate := false
	if i < len(p) && p[i] == '!' {
		negate = true
		i++
	}
	first := i
	for i < len(p) && (p[i] != ']' || i == first) {
		lo := p[i]
		hi := lo
		if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
			hi = p[i+2]
			i += 2
		}
		if lo <= r && r <= hi {
			matched = true
		}
		i++
	}
	if i >= len(p) {
		return 0, false, false
	}
	return i + 1, matched != negate, true
}
