package core

import (
	"slices"
	"strings"
	"unicode/utf8"
)

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

// ignoredInWalk is ignoredBy for a file the walk found, name being the
// last part of relPath: the walk does not enter a directory whose name a
// pattern matches, so the directories above the file match none, and only
// the name and the whole path are left to match (the walk's share of
// ignoredBy was half its time, splitting every path to match its
// directories again).
func ignoredInWalk(patterns []string, relPath, name string) (pattern string, ok bool) {
	if p, ok := matchAny(patterns, name); ok {
		return p, true
	}
	if len(relPath) > len(name) {
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
	if isASCII(name) && !strings.Contains(pattern, "[") {
		return fnmatchBytes(pattern, name)
	}
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

// fnmatchBytes is fnmatch for a name of ASCII characters and a pattern
// without a class, a byte at a time: a character of the name is one byte,
// and a byte of a non-ASCII character of the pattern equals none of the
// name's, as the character itself would. The walk matches every file's
// path against every ignore pattern; converting both to runes was half of
// its time.
func fnmatchBytes(p, n string) bool {
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

// isASCII reports whether s holds only ASCII characters.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// matchClass matches r against the class starting at p[start] == '['. It
// returns the index after the class, whether r is in it, and whether the
// class is well formed (closed by "]").
func matchClass(p []rune, start int, r rune) (end int, matched bool, ok bool) {
	class, end, ok := parseClass(p, start)
	if !ok {
		return 0, false, false
	}
	return end, class.contains(r), true
}

// charClass is a "[...]" of a pattern: ranges of characters, maybe negated.
type charClass struct {
	negate bool
	ranges [][2]rune
}

func (c charClass) contains(r rune) bool {
	for _, rg := range c.ranges {
		if rg[0] <= r && r <= rg[1] {
			return !c.negate
		}
	}
	return c.negate
}

// classDash stands for a "-" between two chunks of a class (a range), as
// opposed to a literal "-" inside a chunk.
const classDash rune = -1

// parseClass reads the class at p[start] == '[' exactly as Python 3.12's
// fnmatch.translate writes it into a regular expression, and that
// expression as Python's re reads it. The quirks are Python's: "]" first
// is literal, "-" splits the class into chunks where a range may sit, a
// range running backwards is dropped along with its ends ("[z-a]" matches
// nothing), after which a "!" that comes first negates ("[é-!!x]" is "[^x]").
func parseClass(p []rune, start int) (class charClass, end int, ok bool) {
	n := len(p)
	i := start + 1
	j := i
	if j < n && p[j] == '!' {
		j++
	}
	if j < n && p[j] == ']' {
		j++
	}
	for j < n && p[j] != ']' {
		j++
	}
	if j >= n {
		return charClass{}, 0, false
	}
	end = j + 1
	var chunks [][]rune
	if !slices.Contains(p[i:j], '-') {
		chunks = [][]rune{p[i:j]}
	} else {
		k := i + 1
		if p[i] == '!' {
			k = i + 2
		}
		for {
			next := -1
			for m := k; m < j; m++ {
				if p[m] == '-' {
					next = m
					break
				}
			}
			if next < 0 {
				break
			}
			chunks = append(chunks, p[i:next])
			i, k = next+1, next+3
		}
		if i < j {
			chunks = append(chunks, p[i:j])
		} else {
			last := len(chunks) - 1
			chunks[last] = append(slices.Clip(chunks[last]), '-')
		}
		// Remove empty ranges: translate's own step, as invalid in a regexp.
		for k := len(chunks) - 1; k > 0; k-- {
			prev, cur := chunks[k-1], chunks[k]
			if len(prev) > 0 && len(cur) > 0 && prev[len(prev)-1] > cur[0] {
				chunks[k-1] = append(slices.Clip(prev[:len(prev)-1]), cur[1:]...)
				chunks = slices.Delete(chunks, k, k+1)
			}
		}
	}
	// The class's items: each chunk's characters literally, a classDash
	// between chunks.
	var items []rune
	for k, chunk := range chunks {
		if k > 0 {
			items = append(items, classDash)
		}
		items = append(items, chunk...)
	}
	switch {
	case len(items) == 0:
		return charClass{}, end, true // translate writes (?!): nothing matches
	case len(items) == 1 && items[0] == '!':
		return charClass{negate: true}, end, true // translate writes ".": anything
	case items[0] == '!':
		class.negate = true
		items = items[1:]
	}
	literal := func(r rune) rune {
		if r == classDash {
			return '-'
		}
		return r
	}
	// Python's re: an item, then "-" and another item make a range; a "-"
	// with nothing after it is literal.
	for k := 0; k < len(items); {
		lo := literal(items[k])
		k++
		if k < len(items) && items[k] == classDash {
			if k+1 >= len(items) {
				class.ranges = append(class.ranges, [2]rune{lo, lo}, [2]rune{'-', '-'})
				break
			}
			hi := literal(items[k+1])
			k += 2
			if hi >= lo { // a backwards range is an error in re: nothing matches
				class.ranges = append(class.ranges, [2]rune{lo, hi})
			}
			continue
		}
		class.ranges = append(class.ranges, [2]rune{lo, lo})
	}
	return class, end, true
}
