package verdict

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// 200 replicas end 1 request each; replica i serves i of them in a sense
// that only the ok count reads (its ranges: [1, 198], the 2nd smallest and
// the 2nd largest), so replicas 0 and 199 lie outside. Replica 7 alone
// times out request 0, where the allowance over the replicas is 0: it
// breaks the requests' part. Replica 5 has 9 clients in flight at 1 s,
// where every other has 2: the band's high there is 2, so its sample lies
// outside. So 2, 1 and 1: 4 replicas in all.
func TestTheRuleJudgesEachReplicaAsItJudgesARun(t *testing.T) {
	const n = 200
	ok, timeout := uint8(slices.Index(outcome.All, outcome.OK)), uint8(slices.Index(outcome.All, outcome.Timeout))
	reps := predict.Replicas{N: n, Runs: make([]predict.Figures, n), Ends: make([]predict.Ends, 1),
		Ended: make([][]uint8, n), Sampled: make([][]predict.Point, n)}
	for i := range n {
		reps.Runs[i] = predict.Figures{Outcomes: map[outcome.Outcome]int{outcome.OK: i}}
		reps.Ended[i] = []uint8{ok}
		if i == 7 {
			reps.Ended[i][0] = timeout
		}
		reps.Ends[0][reps.Ended[i][0]]++
		in := 2
		if i == 5 {
			in = 9
		}
		reps.Sampled[i] = []predict.Point{{T: 0}, {T: time.Second, ClientInflight: in}, {T: 2 * time.Second}}
	}
	reps.Band = []predict.BandPoint{{T: 0},
		{T: time.Second, Lo: predict.Point{ClientInflight: 2}, Hi: predict.Point{ClientInflight: 2}},
		{T: 2 * time.Second}}
	p := &summary.Predicted{}
	Ranges(p, reps)
	if r := p.Range["ok"]; r != [2]int{1, 198} {
		t.Fatalf("ok range %v, want [1, 198]", r)
	}
	// A period of 0.4 s keeps the window at 1 s on the band's point at 1 s
	// and the step after it, (1 s, 2 s], whose low is 0: so a sample of 9
	// lies above, and one of 2 inside.
	samples := []Sample{{T: time.Second, ClientInflight: 2, Inflight: math.NaN(), Queued: math.NaN(), AcceptQueue: math.NaN()}}
	got := selfCheck(p, reps, time.Second, 400*time.Millisecond, false, samples)
	want := summary.ReplicasDisagreeing{Figures: 2, Requests: 1, Timeline: 1, Any: 4}
	if got == nil || *got != want {
		t.Errorf("replicas disagreeing %+v, want %+v", got, want)
	}
	// Without a sample the run judged no gauge, and no replica's either.
	if got := selfCheck(p, reps, time.Second, 400*time.Millisecond, false, nil); got.Timeline != 0 || got.Any != 3 {
		t.Errorf("without samples: %+v, want no timeline and 3 in all", got)
	}
}
