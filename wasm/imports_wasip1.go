//go:build wasip1

package main

import "unsafe"

// The host functions of module "assetc_host" (README.md, "Imports"). Paths
// are passed as (pointer, length) of UTF-8 bytes; out and buf point into
// Go heap buffers, which do not move during the call.

//go:wasmimport assetc_host fs_stat
func fsStat(pathPtr unsafe.Pointer, pathLen uint32, outPtr unsafe.Pointer) int32

//go:wasmimport assetc_host fs_read
func fsRead(pathPtr unsafe.Pointer, pathLen uint32, bufPtr unsafe.Pointer, bufLen uint32) int64

//go:wasmimport assetc_host fs_read_dir
func fsReadDir(pathPtr unsafe.Pointer, pathLen uint32, bufPtr unsafe.Pointer, bufLen uint32) int64

//go:wasmimport assetc_host fs_real_path
func fsRealPath(pathPtr unsafe.Pointer, pathLen uint32, bufPtr unsafe.Pointer, bufLen uint32) int64

// importedHost is hostFunctions over the real imports.
type importedHost struct{}

func (importedHost) stat(path string, out []byte) int32 {
	return fsStat(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), unsafe.Pointer(unsafe.SliceData(out)))
}

func (importedHost) read(path string, buf []byte) int64 {
	return fsRead(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
}

func (importedHost) readDir(path string, buf []byte) int64 {
	return fsReadDir(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
}

func (importedHost) realPath(path string, buf []byte) int64 {
	return fsRealPath(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), unsafe.Pointer(unsafe.SliceData(buf)), uint32(len(buf)))
}
