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
	windows := bandWindows(reps.Band, time.Second, 400*time.Millisecond, judgedGauges(samples, false))
	outside := samplesOutside(reps.Sampled, windows)
	if outside[5] != 1 || outside[4] != 0 || atTheTop(outside) != 0 {
		t.Fatalf("samples outside: replica 5 %d, replica 4 %d, allowed %d; want 1, 0 and 0", outside[5], outside[4], atTheTop(outside))
	}
	got := selfCheck(p, reps, false, outside, atTheTop(outside))
	want := summary.ReplicasDisagreeing{Figures: 2, Requests: 1, Timeline: 1, Any: 4}
	if got == nil || *got != want {
		t.Errorf("replicas disagreeing %+v, want %+v", got, want)
	}
	// Without a sample the run judged no gauge, and no replica's either.
	none := samplesOutside(reps.Sampled, bandWindows(reps.Band, time.Second, 400*time.Millisecond, judgedGauges(nil, false)))
	if got := selfCheck(p, reps, false, none, atTheTop(none)); got.Timeline != 0 || got.Any != 3 {
		t.Errorf("without samples: %+v, want no timeline and 3 in all", got)
	}
}

// Two replicas of 200 have one sample outside the band each, the rest
// none: the 99th percentile (the 2nd largest) is 1, so a run may have one
// sample outside as well, and not two.
func TestARunMayHaveAsManySamplesOutsideTheBandAsAReplicaHas(t *testing.T) {
	step := time.Second
	band := []predict.BandPoint{{T: 0}, {T: step, Hi: predict.Point{ClientInflight: 3}}, {T: 2 * step}, {T: 3 * step}}
	sampled := make([][]predict.Point, 200)
	for r := range sampled {
		sampled[r] = []predict.Point{{T: 0}, {T: step}, {T: 2 * step}, {T: 3 * step}}
	}
	sampled[3][3].ClientInflight, sampled[8][3].ClientInflight = 1, 1
	sample := func(t time.Duration, v float64) Sample {
		return Sample{T: t, ClientInflight: v, Inflight: math.NaN(), Queued: math.NaN(), AcceptQueue: math.NaN()}
	}
	one := []Sample{sample(step, 2), sample(3*step, 1)}
	windows := bandWindows(band, step, 400*time.Millisecond, judgedGauges(one, false))
	allowed := atTheTop(samplesOutside(sampled, windows))
	if allowed != 1 {
		t.Fatalf("allowed %d samples outside, want 1", allowed)
	}
	if _, diffs := compareTimelines(band, step, one, 400*time.Millisecond, false, allowed); diffs != nil {
		t.Errorf("one sample outside: %q, want none", diffs)
	}
	two := []Sample{sample(step, 2), sample(2500*time.Millisecond, 1), sample(3*step, 1)}
	_, diffs := compareTimelines(band, step, two, 400*time.Millisecond, false, allowed)
	if len(diffs) != 2 || diffs[1] != "timeline: 2 samples outside the predicted band in all, where a replica itself has at most 1 outside it" {
		t.Errorf("two samples outside: %q, want the gauge's line and the count", diffs)
	}
}

func TestTheNoteSaysHowOftenAnExactModelWouldBeJudgedSo(t *testing.T) {
	got := selfNote(&summary.ReplicasDisagreeing{Figures: 1, Requests: 0, Timeline: 1, Any: 2}, 200)
	want := "the same rule judges 2 of the 200 replicas themselves as disagreeing with the rest (a figure outside its " +
		"range in 1, requests in 0, samples outside the band in 1): a run of a model that were exact would be judged " +
		"so about 2 times in 200 (docs/verdict.md)"
	if got != want {
		t.Errorf("note %q, want %q", got, want)
	}
}
