package verdict

import (
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// ReadKernel is this machine's SYN retransmission behaviour, as the
// prediction needs it: the nominal schedule of its sysctls.
func ReadKernel() (predict.Kernel, error) {
	s, err := sysinfo.ReadSynSettings()
	if err != nil {
		return predict.Kernel{}, err
	}
	return predict.Kernel{SynRetries: s.Retries, SynLinearTimeouts: s.LinearTimeouts, InitialRTO: predict.DefaultInitialRTO}, nil
}

// Calibrated is k with the calibration's measured schedule in place of the
// nominal one, and each retransmission's spread, which replicas draw from.
// A calibration without a schedule leaves k nominal, with no spread.
func Calibrated(k predict.Kernel, c *summary.KernelCalibration) (predict.Kernel, [][2]time.Duration) {
	if c == nil || len(c.RetransmitsS) == 0 {
		return k, nil
	}
	k.Retransmits = make([]time.Duration, len(c.RetransmitsS))
	for i, s := range c.RetransmitsS {
		k.Retransmits[i] = seconds(s)
	}
	k.GiveUp = seconds(c.GiveUpS)
	if len(c.RetransmitSpreadS) != len(c.RetransmitsS) {
		return k, nil
	}
	spread := make([][2]time.Duration, len(c.RetransmitSpreadS))
	for i, s := range c.RetransmitSpreadS {
		spread[i] = [2]time.Duration{seconds(s[0]), seconds(s[1])}
	}
	return k, spread
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// NominalCalibration stands for a calibration that was not measured: the
// nominal schedule of k, each retransmission exactly on time, with why.
func NominalCalibration(k predict.Kernel, why string) summary.KernelCalibration {
	retrans, giveUp := k.NominalSchedule()
	c := summary.KernelCalibration{Source: "nominal", Why: why, GiveUpS: giveUp.Seconds(),
		RetransmitsS: make([]float64, len(retrans)), RetransmitSpreadS: make([][2]float64, len(retrans))}
	for i, r := range retrans {
		c.RetransmitsS[i] = r.Seconds()
		c.RetransmitSpreadS[i] = [2]float64{r.Seconds(), r.Seconds()}
	}
	return c
}
