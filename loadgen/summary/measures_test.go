package summary

import (
	"testing"
	"time"
)

func TestGoodputIsOkAnswersPerSecondOfTheSchedule(t *testing.T) {
	for _, c := range []struct {
		ok, requests int
		interval     time.Duration
		want         float64
	}{
		{80, 1000, 10 * time.Millisecond, 8},     // overload.yaml's FIFO semaphore: 80 of 1000 at 100/s
		{1000, 1000, 10 * time.Millisecond, 100}, // every request ok: the offered rate
		{0, 1000, 10 * time.Millisecond, 0},
		{5, 0, time.Second, 0}, // no schedule
	} {
		if got := Goodput(c.ok, c.requests, c.interval); got != c.want {
			t.Errorf("Goodput(%d, %d, %v) = %g, want %g", c.ok, c.requests, c.interval, got, c.want)
		}
	}
}

func TestQuantilesOfTakeTheNearestRank(t *testing.T) {
	xs := []float64{0.9, 0.2, 0.5, 0.3}
	if got, want := QuantilesOf(xs), (Quantiles{P50: 0.3, P90: 0.9, P99: 0.9, Max: 0.9}); got != want {
		t.Errorf("QuantilesOf = %+v, want %+v", got, want)
	}
	if got := QuantilesOf(nil); got != (Quantiles{}) {
		t.Errorf("QuantilesOf(nil) = %+v, want zeros", got)
	}
}
