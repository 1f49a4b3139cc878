package report

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/workload"
)

// An open schedule's rate is counted from its sends; closed users' from
// the samples' sent counter, between consecutive samples.
func TestTheTimelinesRateIsTheSchedulesOrTheUsersAsSampled(t *testing.T) {
	xs, rates := arrivalRate(workload.Steady(4, 250*time.Millisecond, 0, 0), 0.5)
	if !slices.Equal(xs, []float64{0.25, 0.75}) || !slices.Equal(rates, []float64{4, 4}) {
		t.Errorf("arrival rate at %v: %v; want [0.25 0.75]: [4 4]", xs, rates)
	}
	rows := []sample.Row{{T: 0}, {T: 500 * time.Millisecond, ClientSent: 10}, {T: time.Second, ClientSent: 30}}
	xs, rates = sendRate(rows)
	if !slices.Equal(xs, []float64{0.25, 0.75}) || !slices.Equal(rates, []float64{20, 40}) {
		t.Errorf("send rate at %v: %v; want [0.25 0.75]: [20 40]", xs, rates)
	}
}
