package core

import (
	"bytes"
	"fmt"
	"testing"
)

// TestSidecarOfIsMarshal: the sidecar written from the Plan's sorted files
// is IntegrityFile.marshal's, byte for byte: no hashed file, plain paths,
// and a path that needs an escape (marshal's encoder).
func TestSidecarOfIsMarshal(t *testing.T) {
	plainFiles := []PlanFile{{Path: "a.css"}, {Path: "a.0123456789ab.css", Hashed: true, SRI: "sha384-x"}}
	for i := range 50 {
		plainFiles = append(plainFiles, PlanFile{Path: fmt.Sprintf("img/%03d.png", i), Hashed: i%3 != 0, SRI: fmt.Sprintf("sha384-%d", i)})
	}
	sortFiles := func(files []PlanFile) []PlanFile {
		files, _ = dedupeOutputs(files, nil)
		return files
	}
	for name, files := range map[string][]PlanFile{
		"none":    nil,
		"plain":   sortFiles(plainFiles),
		"escaped": sortFiles(append(append([]PlanFile(nil), plainFiles...), PlanFile{Path: "a<b>&\"c\".css", Hashed: true, SRI: "sha384-y"})),
	} {
		for _, manifest := range []string{"", "d41d8cd98f00b204e9800998ecf8427e"} {
			want := &IntegrityFile{Version: 1, Algorithm: "sha384", Files: map[string]string{}, Manifest: manifest}
			for _, f := range files {
				if f.Hashed {
					want.Files[f.Path] = f.SRI
				}
			}
			if got, w := sidecarOf("sha384", manifest, files), want.marshal(); !bytes.Equal(got, w) {
				t.Errorf("%s, manifest %q:\n got %s\nwant %s", name, manifest, got, w)
			}
		}
	}
}
