package predict

import (
	"testing"
	"time"
)

// Give-ups at 1 and 3 ms and a client that stayed at least 2 ms: the
// stayer's weight passes to the 3 ms give-up, the only sample above it,
// so a third of the clients give up at 1 ms and two thirds at 3 ms. A
// stayer at the top keeps its weight. One tied with a give-up comes after
// it and hands its weight to the 4 ms above them both, so a third of the
// clients give up at 2 ms, not a half. Stayers alone put everything on
// the last.
func TestAStayerHandsItsWeightToTheSamplesAboveIt(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name            string
		events, atLeast []time.Duration
		u               float64
		want            time.Duration
	}{
		{"below a third", []time.Duration{ms, 3 * ms}, []time.Duration{2 * ms}, 0.33, ms},
		{"above a third", []time.Duration{ms, 3 * ms}, []time.Duration{2 * ms}, 0.34, 3 * ms},
		{"a stayer at the top", []time.Duration{ms}, []time.Duration{5 * ms}, 0.6, 5 * ms},
		{"a tie", []time.Duration{2 * ms, 4 * ms}, []time.Duration{2 * ms}, 0.4, 4 * ms},
		{"stayers alone", nil, []time.Duration{ms, 2 * ms}, 0, 2 * ms},
		{"no censoring", []time.Duration{3 * ms, ms, 2 * ms, 4 * ms}, nil, 0.5, 3 * ms},
		{"nothing", nil, nil, 0.5, 0},
	} {
		if got := newKaplanMeier(tc.events, tc.atLeast).quantile(tc.u); got != tc.want {
			t.Errorf("%s: quantile %.2f is %v, want %v", tc.name, tc.u, got, tc.want)
		}
	}
}
