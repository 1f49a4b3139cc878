package verdict

import (
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestAKernelPredictsOnlyWithANominalOrAMeasuredSYNSchedule(t *testing.T) {
	linux := predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4}
	if err := CheckSchedule(linux, nil); err != nil {
		t.Errorf("Linux's sysctls: %v", err)
	}
	measured := Calibrated(predict.Kernel{}, &summary.KernelCalibration{RetransmitsS: []float64{1, 2, 3}, GiveUpS: 75})
	if err := CheckSchedule(measured, nil); err != nil {
		t.Errorf("a measured schedule: %v", err)
	}
	if got := measured.Retransmits; len(got) != 3 || got[2] != 3*time.Second || measured.GiveUp != 75*time.Second {
		t.Errorf("the measured schedule %v, give-up %s", got, measured.GiveUp)
	}
	failed := summary.KernelCalibration{Source: "nominal", Why: "the probe failed: a backlog-0 accept queue took 16 connections"}
	err := CheckSchedule(Calibrated(predict.Kernel{}, &failed), &failed)
	if err == nil || !strings.Contains(err.Error(), "no SYN retransmission schedule") || !strings.Contains(err.Error(), failed.Why) {
		t.Errorf("no schedule: got %v, want it said with the calibration's why", err)
	}
}
