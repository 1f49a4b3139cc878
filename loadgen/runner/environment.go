package runner

import (
	"os"
	"runtime"
	"strings"
	"syscall"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/servers/lab"
)

// ReadEnvironment describes this machine for summary.json, reading the
// sysctls through the same functions the servers and the prediction use.
func ReadEnvironment() summary.Environment {
	env := summary.Environment{
		Kernel:    kernelRelease(),
		Somaxconn: lab.Somaxconn(),
		Go:        runtime.Version(),
		CPUs:      runtime.NumCPU(),
	}
	if k, err := predict.ReadKernel(); err == nil {
		env.SynRetries, env.SynLinearTimeouts = k.SynRetries, k.SynLinearTimeouts
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
