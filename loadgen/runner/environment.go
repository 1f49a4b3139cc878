package runner

import (
	"os"
	"runtime"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/summary"
)

// ReadEnvironment describes this machine for summary.json, reading the
// sysctls through the same package as the servers.
func ReadEnvironment() summary.Environment {
	env := summary.Environment{
		Kernel:     sysinfo.KernelRelease(),
		Somaxconn:  sysinfo.Somaxconn(),
		Go:         runtime.Version(),
		CPUs:       runtime.NumCPU(),
		KernelView: sysinfo.KernelView(),
	}
	if s, err := sysinfo.ReadSynSettings(); err == nil {
		env.SynRetries, env.SynLinearTimeouts = s.Retries, s.LinearTimeouts
	}
	env.Hostname, _ = os.Hostname()
	env.NoFile = sysinfo.NoFile()
	return env
}
