//go:build !linux

package s3test

import "syscall"

// SysProcAttr is nil: only Linux kills a child with its parent.
func SysProcAttr() *syscall.SysProcAttr { return nil }
