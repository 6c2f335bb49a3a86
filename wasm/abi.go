package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/assetc/assetc/core"
)

// ABIVersion is what the abi_version export returns. A host refuses a module
// whose version it was not written for; any incompatible change to the
// requests, responses or imports described in README.md increments it.
// Version 2 names members as the CLI's JSON does (logical_path, hashed_name,
// source_path) and extends the host imports (fs_stat's record, fs_real_path).
// Version 3 adds the ctime to fs_stat's record, so that the core sees an edit
// whose mtime was set back, in the runtime as in the CLI.
const ABIVersion = 3

// Error kinds, the "kind" of every error object in a response: core's
// (core.ErrorKindNotFound, core.ErrorKindDiagnostics, core.ErrorKindInternal)
// and the ABI's own.
const (
	kindNotFound    = core.ErrorKindNotFound
	kindDiagnostics = core.ErrorKindDiagnostics
	kindConfig      = "config" // bad or missing configuration
	kindInternal    = core.ErrorKindInternal
	kindPanic       = "panic" // a bug in the guest, recovered
)

// instance is the state behind the exports of one wasm instance: the project
// the last successful configure made. The exports are its methods, taking
// request bytes and returning response bytes, so everything but the memory
// shims runs in native tests too.
type instance struct {
	fsys    core.FileSystem
	project *core.Project // nil until configured
}

// errorObject is the "error" member of a failed response or resolve result:
// core's error report, the object the CLI's --json prints too.
type errorObject struct {
	core.ErrorReport
	// Stack is the guest's stack at a recovered panic, for bug reports (panic).
	Stack string `json:"stack,omitempty"`
}

// errorOf describes an error from core for the host.
func errorOf(err error) *errorObject {
	return &errorObject{ErrorReport: core.ReportError(err)}
}

// abiError is an error object of one of the ABI's own kinds.
func abiError(kind, message string) *errorObject {
	return &errorObject{ErrorReport: core.ErrorReport{Kind: kind, Message: message}}
}

// failure is the response of a request that failed as a whole.
type failure struct {
	OK    bool         `json:"ok"` // always false
	Error *errorObject `json:"error"`
}

// marshal encodes a response. Every response type marshals without error,
// so a failure here is a guest bug and panics into the export's recovery.
func marshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cannot encode a response: %v", err))
	}
	return data
}

// failed is the JSON of a failure.
func failed(e *errorObject) []byte { return marshal(failure{Error: e}) }

// recovered turns a panic into a failure, because an unrecovered panic traps
// and the host must then throw the whole instance away. Deferred by every
// export; frame wraps the failure the way the export's responses are framed.
func recovered(response *[]byte, frame func([]byte) []byte) {
	if r := recover(); r != nil {
		e := abiError(kindPanic, fmt.Sprintf("the guest panicked: %v", r))
		e.Stack = string(debug.Stack())
		*response = frame(failed(e))
	}
}

// asIs is the framing of JSON responses: none.
func asIs(response []byte) []byte { return response }

// decodeRequest parses a request strictly: an unknown field is a host bug
// (a misspelt option would otherwise be silently ignored).
func decodeRequest(request []byte, into any) error {
	decoder := json.NewDecoder(bytes.NewReader(request))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(into); err != nil {
		return err
	}
	if decoder.More() {
		return errors.New("unexpected data after the request object")
	}
	return nil
}

// okResponse is the response of a configure that worked.
type okResponse struct {
	OK bool `json:"ok"` // always true
}

// configure replaces the instance's project. A failed configure leaves the
// instance unconfigured rather than serving an older configuration the host
// no longer means.
func (in *instance) configure(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	in.project = nil
	if requestErr != nil {
		return failed(abiError(kindConfig, requestErr.Error()))
	}
	// The request is core's configuration document: core parses it.
	cfg, err := core.DecodeConfig(request)
	if err != nil {
		return failed(abiError(kindConfig, "bad configure request: "+err.Error()))
	}
	in.project, err = core.NewProject(in.fsys, cfg)
	if err != nil {
		return failed(abiError(kindConfig, err.Error()))
	}
	return marshal(okResponse{OK: true})
}

// notConfigured is the error of a request before a successful configure.
var notConfigured = abiError(kindConfig, "the instance is not configured: call configure first (or fix the error the last configure returned)")

// resolveRequest asks for the hashed names of a batch of logical paths.
type resolveRequest struct {
	Paths []string `json:"paths"`
	// DebugPanic makes the guest panic: a test hook proving that a panic
	// comes back as an error and leaves the instance usable.
	DebugPanic bool `json:"debug_panic"`
}

// resolveResponse answers a resolveRequest, one result per path in order.
type resolveResponse struct {
	OK      bool            `json:"ok"` // always true
	Results []resolveResult `json:"results"`
}

// resolveResult is a hashed name or an error.
type resolveResult struct {
	LogicalPath string `json:"logical_path"`
	HashedName  string `json:"hashed_name,omitempty"`
	// Warnings are the file's own warnings (allowed missing references and
	// the like), for the host to log.
	Warnings []core.Diagnostic `json:"warnings,omitempty"`
	Error    *errorObject      `json:"error,omitempty"`
}

// resolve names a batch of paths: one call for many names, because every
// crossing into the guest costs the host.
func (in *instance) resolve(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	var req resolveRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return failed(e)
	}
	out := resolveResponse{OK: true, Results: make([]resolveResult, len(req.Paths))}
	for i, logical := range req.Paths {
		out.Results[i].LogicalPath = logical
		asset, err := in.project.Asset(logical)
		if err != nil {
			out.Results[i].Error = errorOf(err)
			continue
		}
		out.Results[i].HashedName, out.Results[i].Warnings = asset.HashedName, asset.Diagnostics
	}
	return marshal(out)
}

// parse checks that the instance is configured and decodes a request, and
// panics when the request's debug_panic test hook is set.
func (in *instance) parse(request []byte, requestErr error, into any, debugPanic *bool) *errorObject {
	if requestErr != nil {
		return abiError(kindInternal, requestErr.Error())
	}
	if err := decodeRequest(request, into); err != nil {
		return abiError(kindInternal, "bad request: "+err.Error())
	}
	if *debugPanic {
		panic("debug_panic was set in the request")
	}
	if in.project == nil {
		return notConfigured
	}
	return nil
}

// contentRequest asks for the bytes served under a name: either a hashed
// name, as found in a URL, or a logical path.
type contentRequest struct {
	HashedName  string `json:"hashed_name"`
	LogicalPath string `json:"logical_path"`
	DebugPanic  bool   `json:"debug_panic"` // test hook, as in resolveRequest
}

// contentHeader describes the body that follows it in a content response.
type contentHeader struct {
	OK          bool   `json:"ok"` // always true
	LogicalPath string `json:"logical_path"`
	HashedName  string `json:"hashed_name"`
	SourcePath  string `json:"source_path"`
	// Inline says the body holds the bytes to serve (a rewritten CSS or JS
	// file). When false the body is empty and the host streams SourcePath
	// itself: copying a large font through guest memory would only cost.
	Inline bool `json:"inline"`
	// SourceSize, SourceMtimeNs and SourceMD5 (hex) identify the source
	// bytes the name was computed from. Before streaming SourcePath for a hashed
	// name, a host checks that the file still has them (it may have been
	// edited since the core last looked) and otherwise invalidates and asks
	// again, so a hashed URL never gets bytes of another hash.
	SourceSize    int64  `json:"source_size"`
	SourceMtimeNs int64  `json:"source_mtime_ns"`
	SourceMD5     string `json:"source_md5"`
}

// frameContent lays out a content response: the JSON header's length as
// 4 bytes little-endian, the header, then the body.
func frameContent(header, body []byte) []byte {
	out := make([]byte, 4, 4+len(header)+len(body))
	binary.LittleEndian.PutUint32(out, uint32(len(header)))
	return append(append(out, header...), body...)
}

// frameFailure frames a failure as a content response with an empty body.
func frameFailure(header []byte) []byte { return frameContent(header, nil) }

// content returns what a server sends for a name, without any collectstatic.
func (in *instance) content(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, frameFailure)
	var req contentRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return frameFailure(failed(e))
	}
	var asset core.Asset
	var err error
	switch {
	case req.HashedName != "" && req.LogicalPath == "":
		asset, err = in.project.AssetByHashedName(req.HashedName)
	case req.LogicalPath != "" && req.HashedName == "":
		asset, err = in.project.Asset(req.LogicalPath)
	default:
		return frameFailure(failed(abiError(kindInternal, `bad request: give exactly one of "hashed_name" and "logical_path"`)))
	}
	if err != nil {
		return frameFailure(failed(errorOf(err)))
	}
	header := contentHeader{OK: true, LogicalPath: asset.LogicalPath, HashedName: asset.HashedName, SourcePath: asset.Source.Path, Inline: asset.Content != nil,
		SourceSize: asset.SourceInfo.Size, SourceMtimeNs: asset.SourceInfo.ModTime, SourceMD5: hex.EncodeToString(asset.SourceSum[:])}
	return frameContent(marshal(header), asset.Content)
}

// invalidate tells the project that sources may have changed; core re-checks
// them by stat on the next request. There is nothing to report, so a panic
// is swallowed rather than trapping.
func (in *instance) invalidate() {
	defer func() { _ = recover() }()
	if in.project != nil {
		in.project.Invalidate()
	}
}

// integrityRequest asks for the SRI values of a batch of logical paths
// (ABI 1.1).
type integrityRequest struct {
	Paths []string `json:"paths"`
	// Algorithm is sha256, sha384 or sha512; "" means sha384.
	Algorithm  string `json:"algorithm"`
	DebugPanic bool   `json:"debug_panic"` // test hook, as in resolveRequest
}

// integrityResponse answers an integrityRequest, one result per path in order.
type integrityResponse struct {
	OK      bool              `json:"ok"` // always true
	Results []integrityResult `json:"results"`
}

// integrityResult is an SRI value ("sha384-<base64>") or an error.
type integrityResult struct {
	LogicalPath string       `json:"logical_path"`
	Integrity   string       `json:"integrity,omitempty"`
	Error       *errorObject `json:"error,omitempty"`
}

// integrity computes the SRI values of the hashed copies of a batch of
// paths, equal to what a build records in staticfiles.integrity.json. An
// unknown algorithm fails the whole request.
func (in *instance) integrity(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	var req integrityRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return failed(e)
	}
	if _, err := core.SRI(req.Algorithm, nil); err != nil {
		return failed(abiError(kindInternal, "bad request: "+err.Error()))
	}
	out := integrityResponse{OK: true, Results: make([]integrityResult, len(req.Paths))}
	for i, logical := range req.Paths {
		out.Results[i].LogicalPath = logical
		sri, err := in.project.Integrity(logical, req.Algorithm)
		if err != nil {
			out.Results[i].Error = errorOf(err)
			continue
		}
		out.Results[i].Integrity = sri
	}
	return marshal(out)
}

// importMapRequest is core.ImportMapOptions in JSON (ABI 1.1).
type importMapRequest struct {
	// StaticURL: "" means the configured static_url.
	StaticURL string `json:"static_url"`
	// Include: null (or absent) means core.DefaultImportMapInclude.
	Include    []string          `json:"include"`
	Aliases    map[string]string `json:"aliases"`
	Integrity  string            `json:"integrity"`
	DebugPanic bool              `json:"debug_panic"` // test hook, as in resolveRequest
}

// importMapResponse carries the import map of the configured project.
type importMapResponse struct {
	OK        bool           `json:"ok"` // always true
	ImportMap core.ImportMap `json:"importmap"`
}

// importMap builds the browser import map of the project's modules.
func (in *instance) importMap(request []byte, requestErr error) (response []byte) {
	defer recovered(&response, asIs)
	var req importMapRequest
	if e := in.parse(request, requestErr, &req, &req.DebugPanic); e != nil {
		return failed(e)
	}
	m, err := in.project.ImportMap(core.ImportMapOptions{StaticURL: req.StaticURL, Include: req.Include, Aliases: req.Aliases, Integrity: req.Integrity})
	if err != nil {
		return failed(errorOf(err))
	}
	return marshal(importMapResponse{OK: true, ImportMap: m})
}
