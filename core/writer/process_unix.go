//go:build !wasip1 && !windows

package writer

import "syscall"

// processAlive reports whether a process with this pid runs (signal 0 only
// checks).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
