//go:build !linux

package launch

import "syscall"

// groupAttr puts a child in a process group of its own. Only Linux has a
// parent-death signal: elsewhere a loadgen killed with SIGKILL leaves its
// servers running (Ctrl-C and every other ending still stop them, through
// Process.Stop).
func groupAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
