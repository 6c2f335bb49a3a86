//go:build wasip1

package main

import (
	"errors"
	"unsafe"
)

// buffers keeps every buffer the host may hold a pointer to reachable, keyed
// by that pointer: Go's heap does not move objects, so a buffer stays at its
// address as long as the garbage collector cannot free it.
var buffers = map[uint32][]byte{}

// keep registers a buffer until the host frees it and returns its address.
// Buffers are never empty: zero-size allocations share one address.
func keep(buf []byte) uint32 {
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	buffers[ptr] = buf
	return ptr
}

// allocate makes a buffer of at least one byte for the host to write into;
// 0 means the size was negative.
func allocate(size int32) uint32 {
	if size < 0 {
		return 0
	}
	return keep(make([]byte, max(size, 1)))
}

// errBadBuffer is the error of a request that is not inside an alloc buffer.
var errBadBuffer = errors.New("bad request buffer: write requests into a buffer from alloc and pass its pointer and a length within it")

// request returns the bytes the host wrote at ptr. It checks them against
// the buffer table instead of trusting the pointer, so a host bug gives an
// error rather than a read of arbitrary memory or a trap.
func request(ptr, size uint32) ([]byte, error) {
	buf, ok := buffers[ptr]
	if !ok || int(size) > len(buf) {
		return nil, errBadBuffer
	}
	return buf[:size], nil
}

// respond hands a response to the host as ptr<<32 | len; the host copies it
// out and calls free(ptr).
func respond(response []byte) uint64 {
	if len(response) == 0 {
		response = []byte{0} // never happens: every response has a header
		return uint64(keep(response)) << 32
	}
	return uint64(keep(response))<<32 | uint64(len(response))
}
