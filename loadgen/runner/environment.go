package runner

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/conclab/conclab/loadgen/summary"
)

// ReadEnvironment describes this machine for summary.json.
func ReadEnvironment() summary.Environment {
	env := summary.Environment{
		Kernel:            kernelRelease(),
		Somaxconn:         readSysctlInt("/proc/sys/net/core/somaxconn", 4096),
		Go:                runtime.Version(),
		CPUs:              runtime.NumCPU(),
		SynRetries:        readSysctlInt("/proc/sys/net/ipv4/tcp_syn_retries", 6),
		SynLinearTimeouts: readSysctlInt("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", 0),
	}
	env.Hostname, _ = os.Hostname()
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		env.NoFile = rl.Cur
	}
	return env
}

func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return strings.TrimSpace(string(b))
}

func readSysctlInt(path string, def int) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return def
	}
	return n
}
