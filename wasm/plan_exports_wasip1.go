//go:build wasip1

package main

// plan returns a page of the static root's plan (ABI 1.1).
//
//go:wasmexport plan
func plan(ptr, size uint32) uint64 {
	return respond(thisInstance.plan(request(ptr, size)))
}

// plan_content returns one planned file's bytes (ABI 1.1).
//
//go:wasmexport plan_content
func planContent(ptr, size uint32) uint64 {
	return respond(thisInstance.planContent(request(ptr, size)))
}

// inventory returns a page of every file the roots provide (ABI 1.1).
//
//go:wasmexport inventory
func inventory(ptr, size uint32) uint64 {
	return respond(thisInstance.inventory(request(ptr, size)))
}

// manifest encodes staticfiles.json for a mapping (ABI 1.1).
//
//go:wasmexport manifest
func manifest(ptr, size uint32) uint64 {
	return respond(thisInstance.manifest(request(ptr, size)))
}
