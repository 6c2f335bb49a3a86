package main

// A wazero host for the module, as small as the real one in the Django
// bridge: it compiles the .wasm once per test binary (with a compilation
// cache on disk, so the suite stays fast), implements the assetc_host
// imports with core.OSFileSystem, counts them, and discards an instance
// after any trap.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/assetc/assetc/core"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// builtWasmDir holds a module the tests built themselves; TestMain removes it.
var builtWasmDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if builtWasmDir != "" {
		os.RemoveAll(builtWasmDir)
	}
	os.Exit(code)
}

// wasmModule returns the bytes of the module under test: $ASSETC_WASM (what
// `make wasm` built) or, when that is unset or missing, a module built now,
// so that `go test ./wasm` works on its own.
var wasmModule = sync.OnceValues(func() ([]byte, error) {
	if path := os.Getenv("ASSETC_WASM"); path != "" {
		if data, err := os.ReadFile(path); err == nil {
			return data, nil
		}
	}
	dir, err := os.MkdirTemp("", "assetc-wasm-test-")
	if err != nil {
		return nil, err
	}
	builtWasmDir = dir
	out := filepath.Join(dir, "assetc.wasm")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the module: %v\n%s", err, msg)
	}
	return os.ReadFile(out)
})

// compilationCacheDir is where wazero keeps compiled code between runs; it
// is keyed by the module's hash and wazero's version, so a stale entry is
// never used.
func compilationCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "assetc-wazero")
}

// sharedHost is the host every test uses: compiling once per binary.
var sharedHost = sync.OnceValues(func() (*wasmHost, error) {
	wasm, err := wasmModule()
	if err != nil {
		return nil, err
	}
	cache, err := wazero.NewCompilationCacheWithDir(compilationCacheDir())
	if err != nil {
		return nil, err
	}
	return newWasmHost(context.Background(), wasm, cache)
})

// testHost returns the shared host or stops the test.
func testHost(tb testing.TB) *wasmHost {
	tb.Helper()
	host, err := sharedHost()
	if err != nil {
		tb.Fatal(err)
	}
	return host
}

// wasmHost is a runtime with WASI and assetc_host, and the compiled module.
type wasmHost struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	names    atomic.Int64 // instance names must be unique in a runtime
}

// newWasmHost compiles the module; cache may be nil.
func newWasmHost(ctx context.Context, wasm []byte, cache wazero.CompilationCache) (*wasmHost, error) {
	config := wazero.NewRuntimeConfig()
	if cache != nil {
		config = config.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, config)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	_, err := r.NewHostModuleBuilder("assetc_host").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostStat), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).Export("fs_stat").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostRead), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i64}).Export("fs_read").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostReadDir), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i64}).Export("fs_read_dir").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostRealPath), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i64}).Export("fs_real_path").
		Instantiate(ctx)
	if err != nil {
		r.Close(ctx)
		return nil, err
	}
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		r.Close(ctx)
		return nil, err
	}
	return &wasmHost{runtime: r, compiled: compiled}, nil
}

// guest is one instance of the module, with what its imports were asked.
type guest struct {
	module                                                       api.Module
	alloc, free, configureFn, resolveFn, contentFn, invalidateFn api.Function
	stderr                                                       bytes.Buffer

	calls fsCalls
	// trapNext makes the next import call panic in the host, which wazero
	// turns into a trap of the running export.
	trapNext bool
	// trapped is the trap that made this instance unusable.
	trapped error
}

// fsCalls counts the import calls of one instance.
type fsCalls struct {
	stat, read, readDir int
	// filesRead are the paths whose content fs_read returned.
	filesRead []string
}

// newGuest instantiates the module and runs _initialize.
func (h *wasmHost) newGuest(ctx context.Context) (*guest, error) {
	g := &guest{}
	config := wazero.NewModuleConfig().
		WithName(fmt.Sprintf("assetc-%d", h.names.Add(1))).
		WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader).
		WithStderr(&g.stderr)
	module, err := h.runtime.InstantiateModule(ctx, h.compiled, config)
	if err != nil {
		return nil, err
	}
	g.module = module
	if v := module.ExportedFunction("abi_version"); v == nil {
		return nil, errors.New("the module exports no abi_version")
	} else if got, err := v.Call(ctx); err != nil || int32(got[0]) != ABIVersion {
		return nil, fmt.Errorf("abi_version = %v (%v), want %d", got, err, ABIVersion)
	}
	for name, fn := range map[string]*api.Function{"alloc": &g.alloc, "free": &g.free, "configure": &g.configureFn,
		"resolve": &g.resolveFn, "content": &g.contentFn, "invalidate": &g.invalidateFn} {
		if *fn = module.ExportedFunction(name); *fn == nil {
			return nil, fmt.Errorf("the module exports no %s", name)
		}
	}
	return g, nil
}

// newTestGuest returns a fresh instance, closed when the test ends.
func newTestGuest(tb testing.TB) *guest {
	tb.Helper()
	g, err := testHost(tb).newGuest(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.module.Close(context.Background()) })
	return g
}

// guestKey carries the calling guest to the host functions.
type guestKey struct{}

// call runs an export that takes a request and returns a response buffer:
// alloc, write, call, read, free twice. A trap marks the guest as unusable,
// as the real hosts do.
func (g *guest) call(fn api.Function, request []byte) ([]byte, error) {
	if g.trapped != nil {
		return nil, fmt.Errorf("instance discarded after a trap: %w", g.trapped)
	}
	ctx := context.WithValue(context.Background(), guestKey{}, g)
	ptr, err := g.alloc.Call(ctx, uint64(len(request)))
	if err != nil {
		return nil, g.trap(err)
	}
	if !g.module.Memory().Write(uint32(ptr[0]), request) {
		return nil, fmt.Errorf("alloc returned %#x, outside memory", ptr[0])
	}
	return g.callRaw(ctx, fn, ptr[0], uint64(len(request)))
}

// callRaw calls fn(ptr, size), frees ptr, and copies the response out.
func (g *guest) callRaw(ctx context.Context, fn api.Function, ptr, size uint64) ([]byte, error) {
	result, err := fn.Call(ctx, ptr, size)
	if err != nil {
		return nil, g.trap(err)
	}
	if _, err := g.free.Call(ctx, ptr); err != nil {
		return nil, g.trap(err)
	}
	responsePtr, responseLen := uint32(result[0]>>32), uint32(result[0])
	view, ok := g.module.Memory().Read(responsePtr, responseLen)
	if !ok {
		return nil, fmt.Errorf("response %#x+%d is outside memory", responsePtr, responseLen)
	}
	response := bytes.Clone(view) // a view into guest memory: copy before the next call
	if _, err := g.free.Call(ctx, uint64(responsePtr)); err != nil {
		return nil, g.trap(err)
	}
	return response, nil
}

// trap records a trap; the instance is not used again.
func (g *guest) trap(err error) error {
	g.trapped = fmt.Errorf("%w (guest stderr: %q)", err, g.stderr.String())
	return g.trapped
}

// response is any JSON response of the module. The wire types are the
// test's own, decoded as a host written from README.md would, so that a
// mistake shared by the guest's encoder and decoder cannot hide.
type response struct {
	OK      bool         `json:"ok"`
	Error   *wireError   `json:"error"`
	Results []wireResult `json:"results"`
}

// wireResult is one result of a resolve response.
type wireResult struct {
	LogicalPath string           `json:"logical_path"`
	HashedName  string           `json:"hashed_name"`
	Warnings    []wireDiagnostic `json:"warnings"`
	Error       *wireError       `json:"error"`
}

// wireError is an error object.
type wireError struct {
	Kind        string           `json:"kind"`
	Message     string           `json:"message"`
	Searched    []string         `json:"searched"`
	Suggestions []string         `json:"suggestions"`
	Ignored     []map[string]any `json:"ignored"`
	Diagnostics []wireDiagnostic `json:"diagnostics"`
	Stack       string           `json:"stack"`
}

// wireDiagnostic is a core.Diagnostic as JSON.
type wireDiagnostic struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	LogicalPath string `json:"logical_path"`
	Path        string `json:"path"`
	Line        int    `json:"line"`
	Col         int    `json:"col"`
	Message     string `json:"message"`
	Hint        string `json:"hint"`
	Reference   string `json:"reference"`
	Rendered    string `json:"rendered"`
}

// wireErrorOf is what the module should send for a native error.
func wireErrorOf(err error) *wireError {
	var out wireError
	if json.Unmarshal(marshal(errorOf(err)), &out) != nil {
		panic("cannot decode an error object")
	}
	return &out
}

// callJSON marshals a request, calls fn and decodes its JSON response.
func (g *guest) callJSON(fn api.Function, request any) (response, error) {
	var out response
	data, err := json.Marshal(request)
	if err != nil {
		return out, err
	}
	raw, err := g.call(fn, data)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("bad response %q: %w", raw, err)
	}
	return out, nil
}

// configure sends a configuration built from a core.Config.
func (g *guest) configure(cfg core.Config) (response, error) {
	return g.callJSON(g.configureFn, configureRequestOf(cfg))
}

// configureRequestOf is the configure request for a core.Config.
func configureRequestOf(cfg core.Config) map[string]any {
	roots := []map[string]string{}
	for _, r := range cfg.Roots {
		roots = append(roots, map[string]string{"prefix": r.Prefix, "dir": r.Dir})
	}
	missing := "error"
	if cfg.Missing == core.MissingWarn {
		missing = "warn"
	}
	return map[string]any{"roots": roots, "ignore_patterns": cfg.IgnorePatterns, "static_url": cfg.StaticURL,
		"js_modules": cfg.JSModules, "prehashed": cfg.Prehashed, "allow_missing": cfg.AllowMissing, "missing": missing,
		"allow_symlinks_into": cfg.AllowSymlinksInto}
}

// resolve names a batch of paths.
func (g *guest) resolve(paths ...string) (response, error) {
	return g.callJSON(g.resolveFn, map[string]any{"paths": paths})
}

// contentReply is a decoded content response.
type contentReply struct {
	OK          bool       `json:"ok"`
	LogicalPath string     `json:"logical_path"`
	HashedName  string     `json:"hashed_name"`
	SourcePath  string     `json:"source_path"`
	Inline      bool       `json:"inline"`
	Error       *wireError `json:"error"`
	Body        []byte     `json:"-"`
}

// content asks for the bytes served under a name; request is
// {"hashed_name": …} or {"logical_path": …}.
func (g *guest) content(request map[string]any) (contentReply, error) {
	var out contentReply
	data, _ := json.Marshal(request)
	raw, err := g.call(g.contentFn, data)
	if err != nil {
		return out, err
	}
	if len(raw) < 4 {
		return out, fmt.Errorf("content response of %d bytes", len(raw))
	}
	n := binary.LittleEndian.Uint32(raw)
	if uint64(n)+4 > uint64(len(raw)) {
		return out, fmt.Errorf("content header of %d bytes in a response of %d", n, len(raw))
	}
	if err := json.Unmarshal(raw[4:4+n], &out); err != nil {
		return out, fmt.Errorf("bad content header %q: %w", raw[4:4+n], err)
	}
	out.Body = raw[4+n:]
	return out, nil
}

// invalidate calls the invalidate export.
func (g *guest) invalidate() error {
	if g.trapped != nil {
		return g.trapped
	}
	ctx := context.WithValue(context.Background(), guestKey{}, g)
	if _, err := g.invalidateFn.Call(ctx); err != nil {
		return g.trap(err)
	}
	return nil
}

// callerOf finds the guest making an import call.
func callerOf(ctx context.Context) *guest {
	g, _ := ctx.Value(guestKey{}).(*guest)
	if g == nil {
		g = &guest{} // a call outside guest.call (none today): count nowhere
	}
	if g.trapNext {
		g.trapNext = false
		panic("trap requested by the test")
	}
	return g
}

// readPath reads the (ptr, len) path argument of an import.
func readPath(m api.Module, ptr, size uint64) string {
	data, ok := m.Memory().Read(uint32(ptr), uint32(size))
	if !ok {
		panic("path outside guest memory")
	}
	return string(data)
}

// hostStat is fs_stat(path_ptr, path_len, out_ptr) -> status.
func hostStat(ctx context.Context, m api.Module, stack []uint64) {
	g := callerOf(ctx)
	g.calls.stat++
	record, status := statRecord(readPath(m, stack[0], stack[1]))
	if status == statOK && !m.Memory().Write(uint32(stack[2]), record[:]) {
		panic("stat record outside guest memory")
	}
	stack[0] = api.EncodeI32(status)
}

// hostRead is fs_read(path_ptr, path_len, buf_ptr, buf_len) -> size.
func hostRead(ctx context.Context, m api.Module, stack []uint64) {
	g := callerOf(ctx)
	g.calls.read++
	path := readPath(m, stack[0], stack[1])
	data, status := fileContent(path)
	if status == 0 {
		g.calls.filesRead = append(g.calls.filesRead, path)
	}
	stack[0] = writeIfFits(m, data, status, stack[2], stack[3])
}

// hostReadDir is fs_read_dir(path_ptr, path_len, buf_ptr, buf_len) -> size.
func hostReadDir(ctx context.Context, m api.Module, stack []uint64) {
	g := callerOf(ctx)
	g.calls.readDir++
	data, status := dirListing(readPath(m, stack[0], stack[1]))
	stack[0] = writeIfFits(m, data, status, stack[2], stack[3])
}

// hostRealPath is fs_real_path(path_ptr, path_len, buf_ptr, buf_len) -> size.
func hostRealPath(ctx context.Context, m api.Module, stack []uint64) {
	data, status := realPathOf(readPath(m, stack[0], stack[1]))
	stack[0] = writeIfFits(m, data, status, stack[2], stack[3])
}

// writeIfFits implements the size-then-copy convention of fs_read and
// fs_read_dir: the result is the size, and the data is written only if the
// guest's buffer holds it.
func writeIfFits(m api.Module, data []byte, status int64, bufPtr, bufLen uint64) uint64 {
	if status != 0 {
		return api.EncodeI64(status)
	}
	if uint64(len(data)) <= uint64(uint32(bufLen)) && !m.Memory().Write(uint32(bufPtr), data) {
		panic("read buffer outside guest memory")
	}
	return api.EncodeI64(int64(len(data)))
}

// osFiles is what the host reads with: the native core's own file system,
// so that host and native runs see the very same files.
var osFiles core.OSFileSystem

// notFound is the host side of "not found" (ENOENT or ENOTDIR).
func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// statRecord is fs_stat's answer for a path.
func statRecord(path string) ([statRecordSize]byte, int32) {
	info, err := osFiles.Stat(path)
	switch {
	case notFound(err):
		return [statRecordSize]byte{}, statNotFound
	case err != nil:
		return [statRecordSize]byte{}, statFailed
	}
	return encodeStat(info), statOK
}

// fileContent is fs_read's answer: the bytes, or a negative status.
func fileContent(path string) ([]byte, int64) {
	data, err := osFiles.ReadFile(path)
	switch {
	case notFound(err):
		return nil, readNotFound
	case errors.Is(err, core.ErrNotRegular):
		return nil, readNotRegular
	case err != nil:
		return nil, readFailed
	}
	return data, 0
}

// dirListing is fs_read_dir's answer, encoded.
func dirListing(path string) ([]byte, int64) {
	entries, err := osFiles.ReadDir(path)
	switch {
	case notFound(err):
		return nil, readNotFound
	case err != nil:
		return nil, readFailed
	}
	var listing []byte
	for _, e := range entries {
		listing = encodeDirEntry(listing, e)
	}
	return listing, 0
}

// realPathOf is fs_real_path's answer.
func realPathOf(path string) ([]byte, int64) {
	real, err := osFiles.RealPath(path)
	switch {
	case notFound(err):
		return nil, readNotFound
	case err != nil:
		return nil, readFailed
	}
	return []byte(real), 0
}
