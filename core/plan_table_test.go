package core_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/memfs"
)

// TestPlanTable plans small trees held in memory: the output paths, the
// manifest and the diagnostics, for the cases a writer relies on.
func TestPlanTable(t *testing.T) {
	red := "body { color: red }\n"
	redHashed := core.HashedName("a.css", core.ContentHash([]byte(red)))
	tests := []struct {
		name       string
		files      map[string]string // under /s
		hashedOnly bool
		// outputs are the planned paths with a marker: "=" the source's
		// bytes, "~" rewritten bytes; codes the diagnostic codes.
		outputs []string
		codes   []string
	}{
		{
			name:    "a file and its hashed copy",
			files:   map[string]string{"a.css": red},
			outputs: []string{"=" + redHashed, "=a.css"},
		},
		{
			name:    "a reference is rewritten",
			files:   map[string]string{"css/a.css": "a { background: url(../img/x.png) }", "img/x.png": "png"},
			outputs: []string{"=css/a.css", "~css/a.a3f520eac715.css", "=img/x.png", "=img/x.bff139fa05ac.png"},
		},
		{
			name:       "hashed only",
			files:      map[string]string{"a.css": red},
			hashedOnly: true,
			outputs:    []string{"=" + redHashed},
		},
		{
			name:    "a committed hashed copy with the same bytes is one output",
			files:   map[string]string{"a.css": red, redHashed: red},
			outputs: []string{"=" + core.HashedName(redHashed, core.ContentHash([]byte(red))), "=" + redHashed, "=a.css"},
		},
		{
			name:  "a committed hashed copy with other bytes collides",
			files: map[string]string{"a.css": red, redHashed: "body { color: blue }\n"},
			codes: []string{core.CodeOutputCollision},
		},
		{
			name:  "a missing reference",
			files: map[string]string{"a.css": "a { background: url(gone.png) }"},
			codes: []string{core.CodeMissingReference},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for name, content := range tt.files {
				files["/s/"+name] = content
			}
			p, err := core.NewProject(memfs.New(files), core.Config{Roots: []core.Root{{Dir: "/s"}}})
			if err != nil {
				t.Fatal(err)
			}
			plan, err := p.Plan(core.PlanOptions{HashedOnly: tt.hashedOnly})
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, d := range plan.Diagnostics {
				codes = append(codes, d.Code)
			}
			if strings.Join(codes, " ") != strings.Join(tt.codes, " ") {
				t.Fatalf("diagnostics %v, want codes %v", plan.Diagnostics, tt.codes)
			}
			if len(tt.codes) > 0 {
				return
			}
			var outputs []string
			for _, f := range plan.Files {
				marker := "="
				if f.Rewritten {
					marker = "~"
				}
				outputs = append(outputs, marker+f.Path)
				if f.SRI == "" {
					t.Errorf("%s: no SRI value", f.Path)
				}
			}
			want := append([]string(nil), tt.outputs...)
			sort.Slice(want, func(i, j int) bool { return want[i][1:] < want[j][1:] })
			if strings.Join(outputs, " ") != strings.Join(want, " ") {
				t.Errorf("outputs\n%v\nwant\n%v", outputs, want)
			}
			if err := (&core.IntegrityFile{}).Matches(plan.ManifestJSON); err != nil || len(plan.IntegrityJSON) == 0 {
				t.Errorf("no sidecar: %v", err)
			}
		})
	}
}
