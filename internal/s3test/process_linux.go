package s3test

import "syscall"

// SysProcAttr makes the kernel kill a server a test starts when the test process dies,
// however it dies: no server outlives its tests.
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
