package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/assetc/assetc/core"
)

// The plan and inventory exports (ABI 1.1, README.md): what a static root
// must hold, so that a host without the native CLI writes the engine's bytes
// instead of computing any of them itself.

// defaultPlanPage is how many files a plan page holds when the request does
// not say: a page of names and sums is small, and fewer calls cost less.
const defaultPlanPage = 2000

// storedPlan is the plan the last plan request with plan_id 0 computed,
// kept so that later pages and contents come from the same plan: a
// snapshot, whose pages never mix two states of the sources (a source
// edited since fails the MD5 check of its content). It is bounded by one
// plan per instance, replaced by the next plan request with plan_id 0 and
// dropped from use by configure (another project).
type storedPlan struct {
	id      int
	project *core.Project
	plan    *core.Plan
	index   map[string]int // output path -> index in plan.Files
}

// plans holds each instance's stored plan (an instance is one wasm module;
// native tests make several).
var plans = map[*instance]*storedPlan{}

// planRequest asks for a page of a plan: plan_id 0 computes a new plan
// from the sources, another id reads the stored plan it names.
type planRequest struct {
	PlanID     int                          `json:"plan_id"`
	Offset     int                          `json:"offset"`
	Limit      int                          `json:"limit"` // 0: defaultPlanPage
	Integrity  string                       `json:"integrity"`
	HashedOnly bool                         `json:"hashed_only"`
	Known      map[string]core.SourceRecord `json:"known"`
	DebugPanic bool                         `json:"debug_panic"` // test hook, as in resolveRequest
}

// planResponse is one page of a plan. The members other than files are in
// the first page (offset 0) only.
type planResponse struct {
	OK     bool            `json:"ok"` // always true
	PlanID int             `json:"plan_id"`
	Total  int             `json:"total"` // files in the whole plan
	Files  []core.PlanFile `json:"files"`

	// ManifestJSON, IntegrityJSON and SourcesJSON are the exact bytes of
	// staticfiles.json, staticfiles.integrity.json and .assetc/sources.json
	// (UTF-8 text, so JSON strings carry them unchanged).
	ManifestJSON  string             `json:"manifest_json,omitempty"`
	IntegrityJSON string             `json:"integrity_json,omitempty"`
	SourcesJSON   string             `json:"sources_json,omitempty"`
	Manifest      map[string]string  `json:"manifest,omitempty"`
	Diagnostics   []core.Diagnostic  `json:"diagnostics,omitempty"`
	Duplicates    []core.Duplicate   `json:"duplicates,omitempty"`
	Ignored       []core.IgnoredFile `json:"ignored,omitempty"`
	Counts        map[string]int     `json:"counts,omitempty"`
}

// plan answers a planRequest. A plan with error diagnostics is a failure of
// kind diagnostics: nothing of it may be written.
func (in *instance) plan(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	var req planRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return failed(e)
	}
	stored := plans[in]
	if req.PlanID == 0 {
		plan, err := in.project.Plan(core.PlanOptions{Workers: 1, HashedOnly: req.HashedOnly, Integrity: req.Integrity, Known: req.Known, Now: time.Now()})
		if err != nil {
			return failed(errorOf(err))
		}
		if plan.HasErrors() {
			return failed(errorOf(&core.DiagnosticsError{Diagnostics: plan.Diagnostics}))
		}
		id := 1
		if stored != nil {
			id = stored.id + 1
		}
		stored = &storedPlan{id: id, project: in.project, plan: plan, index: map[string]int{}}
		for i, f := range plan.Files {
			stored.index[f.Path] = i
		}
		plans[in] = stored
	}
	if e := in.checkPlan(stored, req.PlanID); e != nil && req.PlanID != 0 {
		return failed(e)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = defaultPlanPage
	}
	files := stored.plan.Files
	start := min(max(req.Offset, 0), len(files))
	end := min(start+limit, len(files))
	out := planResponse{OK: true, PlanID: stored.id, Total: len(files), Files: files[start:end]}
	if req.Offset == 0 {
		p := stored.plan
		out.ManifestJSON, out.IntegrityJSON, out.SourcesJSON = string(p.ManifestJSON), string(p.IntegrityJSON), string(p.SourcesJSON())
		out.Manifest, out.Diagnostics, out.Duplicates, out.Ignored = p.Manifest, p.Diagnostics, p.Duplicates, p.Ignored
		out.Counts = map[string]int{"files": p.Collected, "hashed": p.Hashed, "rewritten": p.Rewritten, "cycles": p.Cycles}
	}
	return marshal(out)
}

// checkPlan says why a stored plan cannot answer for plan id.
func (in *instance) checkPlan(stored *storedPlan, id int) *errorObject {
	switch {
	case stored == nil || stored.id != id:
		return abiError(kindInternal, fmt.Sprintf("bad request: plan %d is not the current plan; ask for a new one (plan_id 0)", id))
	case stored.project != in.project:
		return abiError(kindInternal, fmt.Sprintf("plan %d is of another configuration; ask for a new one (plan_id 0)", id))
	}
	return nil
}

// planContentRequest asks for the bytes of one file of a stored plan.
type planContentRequest struct {
	PlanID     int    `json:"plan_id"`
	Path       string `json:"output_path"` // PlanFile.Path
	DebugPanic bool   `json:"debug_panic"`
}

// planContentHeader describes the body that follows it, framed like
// content's: the bytes of a rewritten file are inline; for any other the
// body is empty and the host copies source_path, checking md5.
type planContentHeader struct {
	OK     bool          `json:"ok"` // always true
	File   core.PlanFile `json:"file"`
	Inline bool          `json:"inline"`
}

// planContent answers a planContentRequest.
func (in *instance) planContent(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, frameFailure)
	var req planContentRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return frameFailure(failed(e))
	}
	stored := plans[in]
	if e := in.checkPlan(stored, req.PlanID); e != nil {
		return frameFailure(failed(e))
	}
	i, ok := stored.index[req.Path]
	if !ok {
		return frameFailure(failed(abiError(kindInternal, fmt.Sprintf("bad request: plan %d has no file %q", req.PlanID, req.Path))))
	}
	f := stored.plan.Files[i]
	if !f.Rewritten {
		return frameContent(marshal(planContentHeader{OK: true, File: f}), nil)
	}
	body, err := stored.plan.Content(f)
	if err != nil {
		return frameFailure(failed(errorOf(err)))
	}
	return frameContent(marshal(planContentHeader{OK: true, File: f, Inline: true}), body)
}

// inventoryRequest asks for a page of the inventory: every file the roots
// provide, as collectstatic would collect them.
type inventoryRequest struct {
	Offset     int  `json:"offset"`
	Limit      int  `json:"limit"` // 0: all
	DebugPanic bool `json:"debug_panic"`
}

// inventoryResponse is a page of the inventory, sorted by logical path;
// duplicates and ignored files are in the first page only.
type inventoryResponse struct {
	OK         bool               `json:"ok"` // always true
	Total      int                `json:"total"`
	Files      []core.Source      `json:"files"`
	Duplicates []core.Duplicate   `json:"duplicates,omitempty"`
	Ignored    []core.IgnoredFile `json:"ignored,omitempty"`
}

// inventory answers an inventoryRequest.
func (in *instance) inventory(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	var req inventoryRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return failed(e)
	}
	inv, err := in.project.Walk()
	if err != nil {
		return failed(errorOf(err))
	}
	paths := inv.Paths()
	start := min(max(req.Offset, 0), len(paths))
	end := len(paths)
	if req.Limit > 0 {
		end = min(start+req.Limit, len(paths))
	}
	out := inventoryResponse{OK: true, Total: len(paths), Files: make([]core.Source, 0, end-start)}
	for _, p := range paths[start:end] {
		out.Files = append(out.Files, inv.Files[p])
	}
	if req.Offset == 0 {
		out.Duplicates, out.Ignored = inv.Duplicates, inv.Ignored
	}
	return marshal(out)
}

// manifestRequest asks for staticfiles.json of a mapping (ABI 1.1): what a
// storage's save_manifest() writes for its hashed_files, encoded by the one
// encoder the build uses, so no host encodes Django's manifest itself.
type manifestRequest struct {
	// Paths maps logical paths to hashed names.
	Paths      map[string]string `json:"paths"`
	DebugPanic bool              `json:"debug_panic"` // test hook, as in resolveRequest
}

// manifestResponse carries the manifest's bytes and its "hash" member.
type manifestResponse struct {
	OK           bool   `json:"ok"` // always true
	ManifestJSON string `json:"manifest_json"`
	Hash         string `json:"hash"`
}

// manifest encodes staticfiles.json for a mapping. It needs no configured
// project: the bytes depend on the mapping alone.
func (in *instance) manifest(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	var req manifestRequest
	if requestErr != nil {
		return failed(abiError(kindInternal, requestErr.Error()))
	}
	if err := decodeRequest(request, &req); err != nil {
		return failed(abiError(kindInternal, "bad request: "+err.Error()))
	}
	if req.DebugPanic {
		panic("debug_panic was set in the request")
	}
	data := core.Manifest(req.Paths)
	var parsed struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(data, &parsed); err != nil {
		return failed(abiError(kindInternal, "cannot read back the manifest: "+err.Error()))
	}
	return marshal(manifestResponse{OK: true, ManifestJSON: string(data), Hash: parsed.Hash})
}
