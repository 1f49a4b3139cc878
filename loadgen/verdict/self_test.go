package verdict

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// clientSteps are 200 replicas' steps at 0, 1, 2 and 3 s, every gauge 0.
func clientSteps() [][]predict.StepGauges {
	steps := make([][]predict.StepGauges, 200)
	for r := range steps {
		steps[r] = make([]predict.StepGauges, 4)
	}
	return steps
}

// clientBand is a band of the clients in flight at 0, 1, 2 and 3 s.
func clientBand(lo, hi [4]int) []predict.BandPoint {
	band := make([]predict.BandPoint, 4)
	for k := range band {
		band[k] = predict.BandPoint{T: time.Duration(k) * time.Second,
			Lo: predict.Point{ClientInflight: lo[k]}, Hi: predict.Point{ClientInflight: hi[k]}}
	}
	return band
}

func clientSample(t time.Duration, v float64) Sample {
	return Sample{T: t, ClientInflight: v, Inflight: math.NaN(), Queued: math.NaN(), AcceptQueue: math.NaN()}
}

// 200 replicas; replica i serves i requests. Left out, a replica is judged
// against the 2nd smallest and 2nd largest of the other 199: replicas 0
// and 1 lie below (the others' 2nd smallest is 2), 198 and 199 above.
// Replica 7 alone times out request 0, where every other replica has no
// such request: it breaks the requests' part. Replica 5 has 9 clients in
// flight at 1 s where every other has 2: the others' band over 0 to 2 s
// reaches 2, so its sample lies outside, and no other replica has one.
// So 4, 1 and 1: 6 replicas in all.
func TestTheRuleJudgesEachReplicaAgainstTheOthers(t *testing.T) {
	const n = 200
	ok, timeout := uint8(slices.Index(outcome.All, outcome.OK)), uint8(slices.Index(outcome.All, outcome.Timeout))
	reps := predict.Replicas{N: n, Runs: make([]predict.Figures, n), Ends: make([]predict.Ends, 1),
		Ended: make([][]uint8, n), Steps: clientSteps(), Band: clientBand([4]int{0, 2, 0, 0}, [4]int{0, 2, 0, 0})}
	for i := range n {
		reps.Runs[i] = predict.Figures{Outcomes: map[outcome.Outcome]int{outcome.OK: i}}
		reps.Ended[i] = []uint8{ok}
		if i == 7 {
			reps.Ended[i][0] = timeout
		}
		reps.Ends[0][reps.Ended[i][0]]++
		in := int32(2)
		if i == 5 {
			in = 9
		}
		reps.Steps[i][1] = predict.StepGauges{Lo: [4]int32{0, 0, 0, 2}, Hi: [4]int32{0, 0, 0, in}, At: [4]int32{0, 0, 0, in}}
	}
	st := &summary.Target{Outcomes: map[outcome.Outcome]int{outcome.OK: 100}, Predicted: &summary.Predicted{}}
	Ranges(st.Predicted, reps)
	samples := []Sample{clientSample(time.Second, 2)}
	outside := samplesOutside(reps, time.Second, time.Second, judgedGauges(samples, false))
	if outside[5] != 1 || slices.Max(slices.Delete(slices.Clone(outside), 5, 6)) != 0 {
		t.Fatalf("samples outside %v, want 1 for replica 5 and none for the others", outside)
	}
	got := selfCheck(st, reps, outside)
	want := summary.ReplicasDisagreeing{Figures: 4, Requests: 1, Timeline: 1, Any: 6}
	if got == nil || *got != want {
		t.Errorf("replicas disagreeing %+v, want %+v", got, want)
	}
	// Without a sample the run judged no gauge, and no replica's either.
	none := samplesOutside(reps, time.Second, time.Second, judgedGauges(nil, false))
	if got := selfCheck(st, reps, none); got.Timeline != 0 || got.Any != 5 {
		t.Errorf("without samples: %+v, want no timeline and 5 in all", got)
	}
	// A figure the run was not judged on (no ok measured, so no range
	// read) is not judged in the replicas either.
	st.Outcomes = nil
	st.Predicted.Range = map[string][2]int{}
	if got := selfCheck(st, reps, none); got.Figures != 0 {
		t.Errorf("without the run's figures: %+v, want no figure judged", got)
	}
	// One replica has no other to be judged against.
	if got := selfCheck(st, predict.Replicas{N: 1, Runs: reps.Runs[:1]}, nil); got != nil {
		t.Errorf("one replica: %+v, want none", got)
	}
}

// Two replicas of 200 have one client in flight at 3 s, the others none:
// the band there reaches 1 (the 2nd largest), but each of the two, left
// out, meets a band of 0, so each has one sample outside. A run may then
// have one sample outside as well (the 99th percentile of the replicas'
// counts), and not two.
func TestARunMayHaveAsManySamplesOutsideTheBandAsAReplicaHas(t *testing.T) {
	reps := predict.Replicas{N: 200, Steps: clientSteps(), Band: clientBand([4]int{}, [4]int{0, 0, 0, 1})}
	for _, r := range []int{3, 8} {
		reps.Steps[r][3] = predict.StepGauges{Hi: [4]int32{0, 0, 0, 1}, At: [4]int32{0, 0, 0, 1}}
	}
	one := []Sample{clientSample(time.Second, 0), clientSample(3*time.Second, 2)}
	outside := samplesOutside(reps, time.Second, time.Second, judgedGauges(one, false))
	if outside[3] != 1 || outside[8] != 1 || outside[4] != 0 {
		t.Fatalf("samples outside: replicas 3, 8 and 4 have %d, %d and %d; want 1, 1 and 0", outside[3], outside[8], outside[4])
	}
	allowed := atTheTop(outside)
	if allowed != 1 {
		t.Fatalf("allowed %d samples outside, want 1", allowed)
	}
	if _, diffs := compareTimelines(reps.Band, time.Second, one, time.Second, false, allowed); diffs != nil {
		t.Errorf("one sample outside: %q, want none", diffs)
	}
	two := []Sample{clientSample(time.Second, 0), clientSample(2500*time.Millisecond, 2), clientSample(3*time.Second, 2)}
	_, diffs := compareTimelines(reps.Band, time.Second, two, time.Second, false, allowed)
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

// Judge records the timeline's allowance only where it compared a
// timeline, and always how many replicas the rule fails.
func TestJudgeRecordsTheAllowanceOnlyWithATimeline(t *testing.T) {
	central, reps := smallRun(t)
	for _, tc := range []struct {
		name     string
		timeline []Sample
		allowed  bool
	}{{"no samples", nil, false}, {"a sample", []Sample{clientSample(time.Second, 1)}, true}} {
		st := &summary.Target{Outcomes: map[outcome.Outcome]int{outcome.OK: 1, outcome.HTTP503: 2}, Predicted: &summary.Predicted{}}
		Judge(st, Evidence{Central: central, Replicas: reps, BandStep: time.Second, SamplePeriod: time.Second,
			Timeline: tc.timeline})
		if (st.TimelineOutsideAllowed != nil) != tc.allowed || st.Predicted.ReplicasDisagreeing == nil {
			t.Errorf("%s: allowed %v, replicas disagreeing %+v; want an allowance %v and a count", tc.name,
				st.TimelineOutsideAllowed, st.Predicted.ReplicasDisagreeing, tc.allowed)
		}
	}
}

// A disagreeing target's notes say how often the rule fails its replicas,
// also when it fails none: then the disagreement is surely a finding.
func TestADisagreementSaysHowOftenTheReplicasFailEvenWhenNever(t *testing.T) {
	central, reps := smallRun(t)
	st := &summary.Target{Outcomes: map[outcome.Outcome]int{outcome.OK: 3}, Predicted: &summary.Predicted{}}
	Judge(st, Evidence{Central: central, Replicas: reps, BandStep: time.Second, SamplePeriod: time.Second})
	if st.Agrees == nil || *st.Agrees || !slices.ContainsFunc(st.Notes, func(n string) bool {
		return strings.HasPrefix(n, "the same rule judges 0 of the 10 replicas")
	}) {
		t.Errorf("agrees %v, notes %q: want a disagreement, and the note that no replica fails", st.Agrees, st.Notes)
	}
}
