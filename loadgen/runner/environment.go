package runner

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/summary"
)

// ReadEnvironment describes this machine for summary.json, reading the
// sysctls through the same package as the servers.
func ReadEnvironment() summary.Environment {
	env := summary.Environment{
		Kernel:    sysinfo.KernelRelease(),
		Somaxconn: sysinfo.Somaxconn(),
		Go:        runtime.Version(),
		CPUs:      runtime.NumCPU(),
	}
	if s, err := sysinfo.ReadSynSettings(); err == nil {
		env.SynRetries, env.SynLinearTimeouts = s.Retries, s.LinearTimeouts
	}
	env.Hostname, _ = os.Hostname()
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		env.NoFile = rl.Cur
	}
	return env
}

// ChildFDsAtStart estimates what a labserver that this process starts will
// report as fds_at_start: its own, plus what it shares with this process:
// the cgroup files the Go runtime keeps open, and every descriptor without
// close-on-exec, which the child inherits. Go opens everything
// close-on-exec, so those are descriptors this process itself inherited.
func ChildFDsAtStart() int {
	n := adminapi.MinFDsAtStart
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0 // unknown: the prediction assumes a default
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(target, "/sys/fs/cgroup/") {
			n++
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			n++
		}
	}
	return n
}
