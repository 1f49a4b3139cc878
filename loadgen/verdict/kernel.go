package verdict

import (
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/predict"
)

// ReadKernel is this machine's SYN retransmission behaviour, as the
// prediction needs it.
func ReadKernel() (predict.Kernel, error) {
	s, err := sysinfo.ReadSynSettings()
	if err != nil {
		return predict.Kernel{}, err
	}
	return predict.Kernel{SynRetries: s.Retries, SynLinearTimeouts: s.LinearTimeouts, InitialRTO: predict.DefaultInitialRTO}, nil
}
