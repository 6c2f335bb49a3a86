package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/assetc/assetc/internal/testtree"
)

// planPage is a page of the plan export as a host decodes it.
type planPage struct {
	OK            bool              `json:"ok"`
	PlanID        int               `json:"plan_id"`
	Total         int               `json:"total"`
	Files         []core.PlanFile   `json:"files"`
	ManifestJSON  string            `json:"manifest_json"`
	IntegrityJSON string            `json:"integrity_json"`
	SourcesJSON   string            `json:"sources_json"`
	Manifest      map[string]string `json:"manifest"`
	Error         *wireError        `json:"error"`
}

func (g *guest) callExport(t *testing.T, name string, request any) []byte {
	t.Helper()
	fn := g.module.ExportedFunction(name)
	if fn == nil {
		t.Fatalf("the module exports no %s", name)
	}
	data, _ := json.Marshal(request)
	raw, err := g.call(fn, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw
}

// TestPlanExportIsTheNativePlan pages through the plan of the example site
// in the wasm module and compares it with the native engine's, bytes of
// every rewritten file included; then the inventory.
func TestPlanExportIsTheNativePlan(t *testing.T) {
	cfg := exampleConfig(t)
	native, _ := core.NewProject(core.OSFileSystem{}, cfg)
	want, err := native.Plan(core.PlanOptions{})
	if err != nil || want.HasErrors() {
		t.Fatal(err, want.Diagnostics)
	}
	g := configuredGuest(t, cfg)
	var first planPage
	json.Unmarshal(g.callExport(t, "plan", map[string]any{"limit": 3}), &first)
	if !first.OK || first.Total != len(want.Files) || len(first.Files) != 3 {
		t.Fatalf("first page: %+v", first)
	}
	if first.ManifestJSON != string(want.ManifestJSON) || first.IntegrityJSON != string(want.IntegrityJSON) || first.SourcesJSON != string(want.SourcesJSON()) {
		t.Error("the manifest, sidecar or source records differ from the native plan's")
	}
	files := first.Files
	for len(files) < first.Total {
		var page planPage
		json.Unmarshal(g.callExport(t, "plan", map[string]any{"plan_id": first.PlanID, "offset": len(files), "limit": 3}), &page)
		if !page.OK || len(page.Files) == 0 {
			t.Fatalf("page at %d: %+v", len(files), page)
		}
		files = append(files, page.Files...)
	}
	for i, f := range files {
		w := want.Files[i]
		if f.Path != w.Path || f.MD5 != w.MD5 || f.SRI != w.SRI || f.Rewritten != w.Rewritten || f.SourcePath != w.SourcePath {
			t.Errorf("file %d: %+v, want %+v", i, f, w)
		}
		if !f.Rewritten {
			continue
		}
		raw := g.callExport(t, "plan_content", map[string]any{"plan_id": first.PlanID, "output_path": f.Path})
		n := binary.LittleEndian.Uint32(raw)
		body := raw[4+n:]
		content, _ := want.Content(w)
		if !bytes.Equal(body, content) {
			t.Errorf("%s: the plan_content bytes differ from the native plan's", f.Path)
		}
	}
	// A stale plan id is an error, not another plan's pages.
	var stale planPage
	json.Unmarshal(g.callExport(t, "plan", map[string]any{"plan_id": first.PlanID + 7}), &stale)
	if stale.OK || stale.Error == nil {
		t.Errorf("a wrong plan id was answered: %+v", stale)
	}

	var inv struct {
		OK    bool          `json:"ok"`
		Total int           `json:"total"`
		Files []core.Source `json:"files"`
	}
	json.Unmarshal(g.callExport(t, "inventory", map[string]any{}), &inv)
	nativeInv, _ := native.Walk()
	if !inv.OK || inv.Total != len(nativeInv.Files) || len(inv.Files) != inv.Total {
		t.Fatalf("inventory: %+v", inv)
	}
	for _, s := range inv.Files {
		if nativeInv.Files[s.LogicalPath] != s {
			t.Errorf("inventory %+v, native %+v", s, nativeInv.Files[s.LogicalPath])
		}
	}
}

// TestPlanExportRefusesAPlanWithErrors: a plan with an error diagnostic is
// a diagnostics failure, so no host writes it.
func TestPlanExportRefusesAPlanWithErrors(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.css": `a { background: url(missing.png) }`})
	g := configuredGuest(t, core.Config{Roots: []core.Root{{Dir: root}}})
	var page planPage
	json.Unmarshal(g.callExport(t, "plan", map[string]any{}), &page)
	if page.OK || page.Error == nil || page.Error.Kind != kindDiagnostics {
		t.Errorf("got %+v", page)
	}
}
