// Command wasm is the assetc core as a WebAssembly (wasip1) reactor: the
// module the Django bridge loads with wasmtime-py and the Go tests load with
// wazero. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o assetc.wasm ./wasm
//
// It is only a thin ABI over package core: JSON in and out, buffer
// management, a core.FileSystem whose I/O the host performs, and panic
// recovery. README.md is the contract (ABI version 1).
//
// The pieces:
//
//	abi.go              requests, responses and the instance behind the exports
//	hostfs.go           core.FileSystem over the host's fs_* imports
//	memory_wasip1.go    alloc/free and passing buffers across the boundary
//	exports_wasip1.go   the //go:wasmexport functions
//	imports_wasip1.go   the //go:wasmimport functions
//
// Files without a build tag build natively too, so their logic is tested
// with plain `go test`; harness_test.go is a wazero host that runs the real
// module against the native core.
package main

// main never runs: a reactor's host calls _initialize and then the exports.
// The Go toolchain still requires package main to have one.
func main() {}
