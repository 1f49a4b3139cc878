package verdict

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// ReadKernel is this machine's SYN retransmission behaviour, as the
// prediction needs it: the nominal schedule of its sysctls, and whether
// TCP timestamps are on. Off Linux there are no such sysctls: the kernel
// then has no nominal schedule, and only a calibration's measured one
// (Calibrated) lets it predict; CheckSchedule says whether it has one.
func ReadKernel() (predict.Kernel, error) {
	s, err := sysinfo.ReadSynSettings()
	if errors.Is(err, sysinfo.ErrNotOnThisOS) {
		return predict.Kernel{InitialRTO: predict.DefaultInitialRTO}, nil
	}
	if err != nil {
		return predict.Kernel{}, err
	}
	k := predict.Kernel{SynRetries: s.Retries, SynLinearTimeouts: s.LinearTimeouts, InitialRTO: predict.DefaultInitialRTO}
	if ts, err := sysinfo.Sysctl("net.ipv4.tcp_timestamps"); err == nil && ts == 0 {
		k.NoTimestamps = true
	}
	return k, nil
}

// CheckSchedule says why k cannot be predicted with: it has neither a
// nominal SYN retransmission schedule (Linux's tcp_syn_retries is at least
// 1) nor a measured one, as off Linux when the calibration could not
// measure one (c's Why says why).
func CheckSchedule(k predict.Kernel, c *summary.KernelCalibration) error {
	if k.SynRetries > 0 || len(k.Retransmits) > 0 {
		return nil
	}
	why := ""
	if c != nil && c.Why != "" {
		why = " (" + c.Why + ")"
	}
	return fmt.Errorf("no SYN retransmission schedule: %s has no SYN sysctls, and the calibration measured none%s; "+
		"make bench-docker predicts inside Docker's Linux VM", runtime.GOOS, why)
}

// Calibrated is k with the calibration's measured schedule in place of the
// nominal one. A calibration without a schedule leaves k nominal.
func Calibrated(k predict.Kernel, c *summary.KernelCalibration) predict.Kernel {
	if c == nil || len(c.RetransmitsS) == 0 {
		return k
	}
	k.Retransmits = make([]time.Duration, len(c.RetransmitsS))
	for i, s := range c.RetransmitsS {
		k.Retransmits[i] = seconds(s)
	}
	k.GiveUp = seconds(c.GiveUpS)
	return k
}

// retransmitSpread is each retransmission's calibrated [earliest, latest]
// offset, which replicas draw from; nil when the calibration has none.
func retransmitSpread(c *summary.KernelCalibration) [][2]time.Duration {
	if len(c.RetransmitSpreadS) == 0 || len(c.RetransmitSpreadS) != len(c.RetransmitsS) {
		return nil
	}
	spread := make([][2]time.Duration, len(c.RetransmitSpreadS))
	for i, s := range c.RetransmitSpreadS {
		spread[i] = [2]time.Duration{seconds(s[0]), seconds(s[1])}
	}
	return spread
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// KernelSpread is what replicas draw the kernel's part of their
// perturbations from: each retransmission within its calibrated spread,
// or, where the timer frequency is known, on the timer wheel; the racing
// of handshakes over cpus CPUs; and the calibrated accept delay.
func KernelSpread(c *summary.KernelCalibration, cpus int) predict.Spread {
	var sp predict.Spread
	if c == nil {
		return sp
	}
	sp.Retransmits = retransmitSpread(c)
	sp.TimerHZ, sp.CPUs = c.TimerHZ, cpus
	sp.AcceptDelay = seconds(c.AcceptDelayS[1])
	return sp
}
