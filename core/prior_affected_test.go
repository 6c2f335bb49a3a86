package core

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// TestAffected: the changed files and everything that references them,
// directly or through others, whatever the depth (chains past the walks
// that fall back to the map of dependents) and with cycles; nothing else.
func TestAffected(t *testing.T) {
	file := func(logical string, targets ...string) PriorFile {
		return PriorFile{Source: Source{LogicalPath: logical, Path: "/s/" + logical}, Targets: targets}
	}
	// chain(n): c0 <- c1 <- ... <- c(n-1), each referencing the one before.
	chain := func(n int) []PriorFile {
		var files []PriorFile
		for i := n - 1; i >= 0; i-- { // later files first: each walk grows one level
			if i == 0 {
				files = append(files, file("c0"))
			} else {
				files = append(files, file(fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i-1)))
			}
		}
		return files
	}
	names := func(prefix string, from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("%s%d", prefix, i))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		files   []PriorFile
		changed []string
		want    []string
	}{
		{"nothing references it", []PriorFile{file("a.png"), file("b.css", "c.png")}, []string{"/s/a.png"}, []string{"a.png"}},
		{"not in the record", []PriorFile{file("a.png")}, []string{"/s/z.png"}, nil},
		{"two levels and a bystander", []PriorFile{file("main.css", "base.css"), file("base.css", "a.png"), file("a.png"), file("other.css", "b.png")},
			[]string{"/s/a.png"}, []string{"a.png", "base.css", "main.css"}},
		{"a cycle", []PriorFile{file("x.css", "y.css"), file("y.css", "x.css", "a.png"), file("a.png"), file("z.css", "x.css")},
			[]string{"/s/a.png"}, []string{"a.png", "x.css", "y.css", "z.css"}},
		{"a shallow chain", chain(5), []string{"/s/c0"}, names("c", 0, 5)},
		{"a deep chain (the fallback)", chain(40), []string{"/s/c0"}, names("c", 0, 40)},
		{"the middle of a deep chain", chain(40), []string{"/s/c20"}, names("c", 20, 40)},
	} {
		r := &PlanRecord{Files: tc.files}
		got := slices.Sorted(maps.Keys(r.affected(tc.changed)))
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: affected %v, want %v", tc.name, got, want)
		}
	}
}
