package sysinfo

import (
	"fmt"

	"github.com/prometheus/procfs"
)

// CPUTimes is the machine's CPU time since boot, summed over its CPUs, in
// seconds: the cpu line of /proc/stat. Steal is the time a virtual CPU was
// ready to run and the hypervisor ran another guest instead; nothing in the
// guest runs then, so every process on it stalls at once.
type CPUTimes struct {
	Total, Steal float64
}

// ReadCPUTimes reads the machine's CPU times now.
func ReadCPUTimes() (CPUTimes, error) { return cpuTimesAt(procRoot) }

func cpuTimesAt(root string) (CPUTimes, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return CPUTimes{}, fmt.Errorf("stat: %w", err)
	}
	s, err := fs.Stat()
	if err != nil {
		return CPUTimes{}, fmt.Errorf("stat: %w", err)
	}
	c := s.CPUTotal
	// Guest time is already counted in user time (proc(5)).
	total := c.User + c.Nice + c.System + c.Idle + c.Iowait + c.IRQ + c.SoftIRQ + c.Steal
	return CPUTimes{Total: total, Steal: c.Steal}, nil
}

// StealShare is the share of the CPU time from before to t that the
// hypervisor took: 0 on bare metal, or when no time passed.
func (t CPUTimes) StealShare(before CPUTimes) float64 {
	if t.Total <= before.Total {
		return 0
	}
	return (t.Steal - before.Steal) / (t.Total - before.Total)
}
