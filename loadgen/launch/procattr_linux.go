package launch

import "syscall"

// groupAttr puts a child in a process group of its own, and has the
// kernel send it onParentDeath when loadgen dies, however it dies.
func groupAttr(onParentDeath syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: onParentDeath}
}
