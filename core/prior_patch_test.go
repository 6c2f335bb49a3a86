package core

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// randomPath is a logical path, now and then with what JSON escapes
// (quotes, backslashes, control and non-ASCII characters).
func randomPath(r *rand.Rand, n int) string {
	odd := []string{`"`, `\`, "\n", "é", "日本", "😀", "<", "&", " "}
	p := fmt.Sprintf("d%d/f%05d", r.IntN(5), n)
	if r.IntN(8) == 0 {
		p += odd[r.IntN(len(odd))]
	}
	return p + ".css"
}

// TestPatchManifest: a manifest patched from the last one, for random maps
// and random changed values, is byte for byte the one Manifest encodes,
// and a patch that cannot be made (keys added or removed, a changed key
// not in the map, bytes not Manifest's) is refused, not wrong.
func TestPatchManifest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		paths := map[string]string{}
		for n := range 1 + r.IntN(60) {
			l := randomPath(r, n)
			paths[l] = l + fmt.Sprintf(".%012x", r.Uint64()>>16)
		}
		old := Manifest(paths)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range paths {
				if !yield(k) {
					return
				}
			}
		})
		var changed []string
		for _, k := range keys {
			switch r.IntN(6) {
			case 0: // a new name
				paths[k] = randomPath(r, 1000+r.IntN(1000))
				changed = append(changed, k)
			case 1: // named again, the same name
				changed = append(changed, k)
			}
		}
		got, ok := patchManifest(old, paths, changed)
		if want := Manifest(paths); !ok || !bytes.Equal(got, want) {
			t.Fatalf("round %d: patched (ok %v)\n%s\nwant\n%s", round, ok, got, want)
		}
		extra := maps2(paths)
		extra["zz/new.css"] = "zz/new.123456789abc.css"
		if _, ok := patchManifest(old, extra, changed); ok {
			t.Fatalf("round %d: a key added was patched", round)
		}
		fewer := maps2(paths)
		delete(fewer, keys[0])
		if _, ok := patchManifest(old, fewer, nil); ok {
			t.Fatalf("round %d: a key removed was patched", round)
		}
		if _, ok := patchManifest(old, paths, append(changed, "not/there.css")); ok {
			t.Fatalf("round %d: a changed key not in the map was patched", round)
		}
		if _, ok := patchManifest(old[:len(old)-1], paths, changed); ok {
			t.Fatalf("round %d: a cut manifest was patched", round)
		}
	}
}

func maps2(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestPatchIntegrity: a sidecar patched from the last one, for random
// files whose hashed names and SRI values change, is byte for byte the
// one marshal gives; bytes it cannot patch are refused.
func TestPatchIntegrity(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sidecarOf := func(files []PlanFile, manifest string) []byte {
		s := &IntegrityFile{Version: 1, Algorithm: "sha384", Files: map[string]string{}, Manifest: manifest}
		for _, f := range files {
			if f.Hashed {
				s.Files[f.Path] = f.SRI
			}
		}
		return s.marshal()
	}
	sortFiles := func(files []PlanFile) {
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	}
	for round := range 200 {
		var files []PlanFile
		for n := range 1 + r.IntN(60) {
			l := fmt.Sprintf("d%d/f%05d.css", r.IntN(5), n)
			sri := fmt.Sprintf("sha384-%x", r.Uint64())
			hashed := fmt.Sprintf("d%d/f%05d.%012x.css", r.IntN(5), n, r.Uint64()>>16)
			files = append(files, PlanFile{Path: l, LogicalPath: l, SRI: sri}, PlanFile{Path: hashed, LogicalPath: l, SRI: sri, Hashed: true})
		}
		sortFiles(files)
		old := sidecarOf(files, "0123456789abcdef0123456789abcdef")
		var touched []string
		for i := range files {
			f := &files[i]
			if !f.Hashed || r.IntN(5) != 0 {
				continue
			}
			touched = append(touched, f.Path)
			if r.IntN(2) == 0 {
				f.Path = fmt.Sprintf("%s.%x.css", f.LogicalPath, r.Uint64()>>20)
				touched = append(touched, f.Path)
			}
			f.SRI = fmt.Sprintf("sha384-%x", r.Uint64())
		}
		sortFiles(files)
		slices.Sort(touched)
		manifest := "fedcba9876543210fedcba9876543210"
		want := sidecarOf(files, manifest)
		got, ok := patchIntegrity(old, "sha384", manifest, files, slices.Compact(touched))
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("round %d: patched (ok %v)\n%s\nwant\n%s", round, ok, got, want)
		}
		if _, ok := patchIntegrity(old, "sha512", manifest, files, touched); ok {
			t.Fatalf("round %d: another algorithm's sidecar was patched", round)
		}
	}
}
