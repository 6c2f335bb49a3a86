package core

import (
	"path"
	"strings"
	"testing"
)

// TestIgnoredInWalkIsIgnoredBy: for a file below directories that no
// pattern matches (the only files the walk reaches), ignoredInWalk reports
// what ignoredBy does, pattern included.
func TestIgnoredInWalkIsIgnoredBy(t *testing.T) {
	patternSets := [][]string{DefaultIgnorePatterns, {"*.map", "admin/*", "*/vendor/*.js", "?"}, {"CVS", "*~", "*.min.*"}}
	paths := []string{
		"a.css", ".hidden", "x~", "CVS", "a.map", "admin/x.css", "admin/.x", "js/vendor/a.js", "js/vendor/a.css",
		"b", "d/b", "d/e/f.min.js", "d/e/f~", "deep/admin/x.css", "é/ü.css", "d/.git", "d/CVS",
	}
	for _, patterns := range patternSets {
		for _, rel := range paths {
			dirsMatch := false
			if dir := path.Dir(rel); dir != "." {
				for _, d := range strings.Split(dir, "/") {
					_, m := matchAny(patterns, d)
					dirsMatch = dirsMatch || m
				}
			}
			if dirsMatch {
				continue // the walk never gets there
			}
			p, ok := ignoredInWalk(patterns, rel, path.Base(rel))
			wantP, wantOK := ignoredBy(patterns, rel)
			if p != wantP || ok != wantOK {
				t.Errorf("%v, %s: ignoredInWalk = %q %v, ignoredBy = %q %v", patterns, rel, p, ok, wantP, wantOK)
			}
		}
	}
}
