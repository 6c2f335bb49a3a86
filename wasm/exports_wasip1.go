//go:build wasip1

package main

import "github.com/assetc/assetc"

// The exports of ABI version 1 (README.md). Each one recovers from panics
// (in the instance methods, or here for alloc and free) because a panic that
// reaches the host traps, and a trapped instance must be thrown away.

// thisInstance is this instance's state; a wasm instance is one Go program.
var thisInstance = &instance{fsys: newHostFileSystem(importedHost{})}

// abiVersion lets a host refuse a module it was not written for.
//
//go:wasmexport abi_version
func abiVersion() int32 { return ABIVersion }

// assetcVersion is the release this module was built from (the file VERSION):
// a host compares it with its own version and so notices a stale module.
//
//go:wasmexport assetc_version
func assetcVersion() uint64 { return respond([]byte(assetc.Version)) }

// alloc returns a buffer of at least size bytes (and at least 1) that stays
// valid until free; 0 for a negative size.
//
//go:wasmexport alloc
func alloc(size int32) (ptr uint32) {
	defer func() {
		if recover() != nil {
			ptr = 0
		}
	}()
	return allocate(size)
}

// free releases a buffer from alloc or a response. Unknown pointers are
// ignored, so a double free is harmless.
//
//go:wasmexport free
func free(ptr uint32) {
	delete(buffers, ptr)
}

// configure (re)creates the project from a JSON configuration.
//
//go:wasmexport configure
func configure(ptr, size uint32) uint64 {
	return respond(thisInstance.configure(request(ptr, size)))
}

// resolve names a batch of logical paths.
//
//go:wasmexport resolve
func resolve(ptr, size uint32) uint64 {
	return respond(thisInstance.resolve(request(ptr, size)))
}

// content returns the header and body served for a name.
//
//go:wasmexport content
func content(ptr, size uint32) uint64 {
	return respond(thisInstance.content(request(ptr, size)))
}

// integrity returns the SRI values of a batch of logical paths (ABI 1.1).
//
//go:wasmexport integrity
func integrity(ptr, size uint32) uint64 {
	return respond(thisInstance.integrity(request(ptr, size)))
}

// importmap returns the project's browser import map (ABI 1.1).
//
//go:wasmexport importmap
func importmap(ptr, size uint32) uint64 {
	return respond(thisInstance.importMap(request(ptr, size)))
}

// invalidate says that source files may have changed.
//
//go:wasmexport invalidate
func invalidate() {
	thisInstance.invalidate()
}
