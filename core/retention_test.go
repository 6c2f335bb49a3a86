package core

import (
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"
)

func TestOlderRelease(t *testing.T) {
	names := []string{"1700000000000000001", "999999999999999999", "1700000000000000000", "1800000000000000000"}
	sort.Slice(names, func(i, j int) bool { return OlderRelease(names[i], names[j]) })
	want := []string{"999999999999999999", "1700000000000000000", "1700000000000000001", "1800000000000000000"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("order %v, want %v", names, want)
	}
}

// TestChooseRemovals is the rule both the directory writer's and the
// bucket's clean apply: what each case spares is what a rolling deploy or a
// shared output still needs.
func TestChooseRemovals(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old, young := now.Add(-48*time.Hour), now.Add(-time.Minute)
	store := map[string]StoredFile{
		"a.1.css": {10, old}, "a.1.css.br": {3, old}, "a.1.css.gz": {4, old},
		"a.2.css": {11, old}, // written by a kept release too
		"b.1.js":  {20, young},
		"c.1.png": {30, old}, // the live manifest names it
		"a.3.css": {12, old}, "b.2.js": {21, old},
		"d.1.txt":    {5, old}, // in an old release only, variants kept by name
		"d.1.txt.br": {1, old},
	}
	stat := func(p string) (StoredFile, bool) { f, ok := store[p]; return f, ok }
	releases := []Release{
		{Name: "100", Files: []string{"a.1.css", "b.1.js", "gone.1.css"}},
		{Name: "200", Files: []string{"a.2.css", "c.1.png", "d.1.txt"}},
		{Name: "300", Files: []string{"a.2.css", "a.3.css", "b.2.js", "d.1.txt.br"}},
	}
	live := map[string]string{"c.png": "c.1.png"}
	rule := Retention{Keep: 1, Cutoff: now.Add(-time.Hour), Variants: []string{".br", ".gz"}}
	got := rule.ChooseRemovals(releases, live, stat)
	want := Removals{
		Removed: []string{"a.1.css", "a.1.css.br", "a.1.css.gz", "d.1.txt"},
		Bytes:   10 + 3 + 4 + 5,
		Young:   1, // b.1.js
		Kept:    1,
		Pruned:  []string{"200"}, // "100" still lists the young b.1.js
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("removals\n got %+v\nwant %+v", got, want)
	}

	// Keeping as many releases as there are removes nothing; Keep < 1
	// still keeps the live one.
	if got := (Retention{Keep: 3, Cutoff: now}).ChooseRemovals(releases, nil, stat); len(got.Removed) != 0 || got.Kept != 3 {
		t.Fatalf("keep 3: %+v", got)
	}
	got = (Retention{Keep: 0, Cutoff: now}).ChooseRemovals(releases, nil, stat)
	if got.Kept != 1 || slices.Contains(got.Removed, "a.3.css") || !slices.Contains(got.Removed, "b.1.js") {
		t.Fatalf("keep 0: %+v", got)
	}
	// The manifest and the sidecar are never candidates, whoever lists them.
	got = (Retention{Keep: 1, Cutoff: now}).ChooseRemovals([]Release{{Name: "1", Files: []string{ManifestName, IntegrityName}}, {Name: "2"}}, nil,
		func(string) (StoredFile, bool) { return StoredFile{1, old}, true })
	if len(got.Removed) != 0 {
		t.Fatalf("removed the manifest or sidecar: %v", got.Removed)
	}
}
