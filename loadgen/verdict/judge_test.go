package verdict

import (
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/workload"
)

// smallRun: a semaphore of 1 with no queue, three requests 0.4 s apart,
// each 1 s of work: the first is served, the next two find the slot
// taken and get 503, by prediction.
func smallRun(t *testing.T) (predict.Result, predict.Replicas) {
	t.Helper()
	in := predict.Input{Arrivals: []time.Duration{0, 400 * time.Millisecond, 800 * time.Millisecond},
		Service: time.Second, Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: 0}}}
	central, err := predict.Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := predict.Replicate(in, predict.Spread{}, predict.ReplicaOptions{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	return central, reps
}

func TestThePerRequestMatrixOfASmallRun(t *testing.T) {
	central, reps := smallRun(t)
	// Measured: request 0 ok, request 1 a reset (a rejection too, so the
	// same class), request 2 ok: served where no replica serves it.
	measured := []Measured{
		{Seq: 2, Scheduled: 800 * time.Millisecond, Outcome: outcome.OK, Latency: time.Second, Dialed: true},
		{Seq: 0, Outcome: outcome.OK, Latency: time.Second, Dialed: true},
		{Seq: 1, Scheduled: 400 * time.Millisecond, Outcome: outcome.Reset, Latency: time.Millisecond, Dialed: true},
	}
	ra, holds := compareRequests(central, reps, measured)
	wantMatrix := map[outcome.Outcome]map[outcome.Outcome]int{
		outcome.OK:      {outcome.OK: 1},
		outcome.HTTP503: {outcome.Reset: 1, outcome.OK: 1},
	}
	if !reflect.DeepEqual(ra.Matrix, wantMatrix) {
		t.Errorf("matrix %v, want %v", ra.Matrix, wantMatrix)
	}
	if ra.Same != 2 || ra.Differ != 1 || ra.Allowance != 0 || holds {
		t.Errorf("same %d, differ %d, allowance %d, holds %v; want 2, 1, 0, false", ra.Same, ra.Differ, ra.Allowance, holds)
	}
	want := summary.DifferingRequest{Seq: 2, SentS: 0.8, Predicted: outcome.HTTP503, Measured: outcome.OK, Covered: false,
		Met: "predicted: connected at 0.800 s, ended http_503 at 0.800 s; measured: connect took 0.000 s, ended ok at 1.800 s"}
	if len(ra.Differing) != 1 || ra.Differing[0] != want {
		t.Errorf("differing %+v\nwant      %+v", ra.Differing, want)
	}
}

func TestARequestThatSomeReplicasEndTheMeasuredWayIsAllowed(t *testing.T) {
	central, reps := smallRun(t)
	reps.Ends[2] = predict.Ends{} // 7 replicas reject it, 3 serve it
	reps.Ends[2][0], reps.Ends[2][1] = 3, 7
	ra, holds := compareRequests(central, reps, []Measured{{Seq: 2, Outcome: outcome.OK}})
	if !holds || ra.Allowance != 1 || ra.Differ != 1 || !ra.Differing[0].Covered {
		t.Errorf("holds %v, allowance %d, differing %+v; want a covered difference within an allowance of 1", holds, ra.Allowance, ra.Differing)
	}
}

func TestATimelineExcursionIsCaughtWithItsInstantAndSize(t *testing.T) {
	// The band: 5 running from 0 to 10 s, 0 after. Sampled every second,
	// the gauge reads 5 until 10 s, and 4 at 14 s, four periods after the
	// band says everything ended.
	step := time.Second
	band := make([]predict.BandPoint, 11)
	for k := range band {
		band[k].T = time.Duration(k) * step
		if k > 0 && k <= 10 {
			band[k].Lo.Inflight, band[k].Hi.Inflight = 5, 5
		}
	}
	band[0].Hi.Inflight = 5
	var samples []Sample
	for k := 0; k <= 15; k++ {
		v := 5.0
		switch {
		case k == 14:
			v = 4
		case k > 10:
			v = 0
		}
		samples = append(samples, Sample{T: time.Duration(k)*step + 300*time.Millisecond, Inflight: v,
			Queued: math.NaN(), AcceptQueue: math.NaN(), ClientInflight: math.NaN()})
	}
	got, diffs := compareTimelines(band, step, samples, step, true, 0)
	a := got["inflight"]
	if a.Samples != 16 || a.InsideFraction != 15.0/16 || a.WorstAtS != 14.3 || a.WorstBy != 4 {
		t.Errorf("inflight %+v; want 16 samples, 15/16 inside, the worst at 14.3 s, 4 above", a)
	}
	if len(diffs) != 1 || !strings.Contains(diffs[0], "1 of 16 samples outside") {
		t.Errorf("disagreements %q", diffs)
	}
	if _, ok := got["queued"]; ok {
		t.Error("a gauge without samples has an agreement")
	}
}

// A scrape that starts at 8 s and answers at 11.5 s read the server's
// gauges somewhere in between: running 0 is inside the band (5 until 10 s,
// 0 after) over [7 s, 12.5 s], and below it over [7 s, 9 s] for a
// scrape that answered at once. The client's gauge is read at T, so its 0
// is below the band either way. The note names the slow scrape.
func TestAServerGaugeIsJudgedOverTheSpanItsScrapeTook(t *testing.T) {
	step := time.Second
	band := make([]predict.BandPoint, 11)
	for k := range band {
		band[k].T = time.Duration(k) * step
		if k > 0 {
			band[k].Lo.Inflight, band[k].Hi.Inflight = 5, 5
			band[k].Lo.ClientInflight, band[k].Hi.ClientInflight = 5, 5
		}
	}
	sample := Sample{T: 8 * step, Inflight: 0, Queued: math.NaN(), AcceptQueue: math.NaN(), ClientInflight: 0}
	for _, tc := range []struct {
		scraped time.Duration
		inside  float64
		notes   int
	}{{8 * step, 0, 0}, {11500 * time.Millisecond, 1, 1}} {
		sample.Scraped = tc.scraped
		got, _ := compareTimelines(band, step, []Sample{sample}, step, true, 0)
		if got["inflight"].InsideFraction != tc.inside || got["client_inflight"].InsideFraction != 0 {
			t.Errorf("scraped at %v: %+v; want running %v inside, the client's gauge outside", tc.scraped, got, tc.inside)
		}
		notes := lateScrapes([]Sample{sample}, step)
		if len(notes) != tc.notes {
			t.Errorf("scraped at %v: notes %q, want %d", tc.scraped, notes, tc.notes)
		}
		if tc.notes > 0 && !strings.Contains(notes[0], "1 of 1 scrapes took longer than the sampling period (1s), the slowest 3500 ms from 8.000 s") {
			t.Errorf("note %q", notes[0])
		}
	}
	reads := Reads([]Sample{sample, {T: 9 * step, Inflight: math.NaN()}, {T: 10 * step, Inflight: 2}})
	if len(reads) != 1 || reads[0] != (predict.Span{From: 8 * step, To: 11500 * time.Millisecond}) {
		t.Errorf("reads %+v: want the one scrape that answered, 8 s to 11.5 s", reads)
	}
}

// A timeline rebuilt from the client's records cannot place a request that
// timed out within the service time of its end: it ran or waited. The band
// says 40 running and 0 waiting from 0 to 10 s. Samples of 0 running, 0
// waiting and 40 undetermined lie inside for both gauges; with 39
// undetermined, running is 1 short of the band, and waiting still inside.
func TestUndeterminedRequestsCountTowardRunningOrWaiting(t *testing.T) {
	step := time.Second
	band := make([]predict.BandPoint, 11)
	for k := range band {
		band[k].T = time.Duration(k) * step
		band[k].Lo.Inflight, band[k].Hi.Inflight = 40, 40
	}
	sampleAt := func(undetermined float64) []Sample {
		return []Sample{{T: 5 * step, Inflight: 0, Queued: 0, AcceptQueue: math.NaN(), ClientInflight: math.NaN(),
			Undetermined: undetermined}}
	}
	got, diffs := compareTimelines(band, step, sampleAt(40), step, true, 0)
	if got["inflight"].InsideFraction != 1 || got["queued"].InsideFraction != 1 || diffs != nil {
		t.Errorf("40 undetermined: %+v, %q; want both inside", got, diffs)
	}
	got, diffs = compareTimelines(band, step, sampleAt(39), step, true, 0)
	if a := got["inflight"]; a.InsideFraction != 0 || a.WorstBy != -1 || got["queued"].InsideFraction != 1 || len(diffs) != 1 {
		t.Errorf("39 undetermined: %+v, %q; want running 1 below, waiting inside", got, diffs)
	}
}

func TestASampledPeakMayLieBelowItsRangeByWhatSamplingCanMiss(t *testing.T) {
	st := &summary.Target{Config: map[string]any{"model": "nethttp"}, Outcomes: map[outcome.Outcome]int{outcome.OK: 3},
		Peak: summary.Peak{Inflight: 3, AcceptQueue: 0},
		Predicted: &summary.Predicted{Range: map[string][2]int{"ok": {3, 3}, "inflight": {3, 3}, "accept_queue": {1, 2}},
			SamplingMiss: map[string]int{"accept_queue": 1}}}
	if diffs := compareFigures(st); diffs != nil {
		t.Errorf("0 in kernel against [1, 2] with a miss of 1: %q", diffs)
	}
	st.Peak.AcceptQueue = 3
	if diffs := compareFigures(st); len(diffs) != 1 || !strings.HasPrefix(diffs[0], "peak waiting in kernel: measured 3") {
		t.Errorf("3 in kernel against [1, 2]: %q", diffs)
	}
	st.Peak.AcceptQueue = 1
	st.Outcomes[outcome.OK] = 2
	if diffs := compareFigures(st); len(diffs) != 1 || diffs[0] != "ok: measured 2, outside the predicted range [3]" {
		t.Errorf("ok 2 against [3]: %q", diffs)
	}
}

func TestAKnifeEdgeIsNamedWithItsInstant(t *testing.T) {
	// predict's tie: request 2's retransmitted SYN (sent at 0.5 s, due at
	// 1.5 s) and request 3's first SYN at 1.5 s race for one place.
	in := predict.Input{Arrivals: []time.Duration{0, 0, 500 * time.Millisecond, 1500 * time.Millisecond},
		Service: time.Second, ClientTimeout: 2900 * time.Millisecond,
		Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.KernelQueue, Backlog: 0, Settings: catalog.Settings{Limit: 1}}}
	central, err := predict.Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	retrans, _ := in.Kernel.SynSchedule()
	spread := make([][2]time.Duration, len(retrans))
	for i, r := range retrans {
		spread[i] = [2]time.Duration{r - 10*time.Millisecond, r + 10*time.Millisecond}
	}
	reps, err := predict.Replicate(in, predict.Spread{Retransmits: spread}, predict.ReplicaOptions{N: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	notes := knifeEdge(central, reps)
	if len(notes) != 1 || !strings.Contains(notes[0], "how 1 requests end") ||
		!strings.Contains(notes[0], "sent at 0.500 s, is decided at about 1.500 s") {
		t.Errorf("notes %q", notes)
	}
}

func TestTheTransitDelayIsLittlesLawOnTheSamplesThatFindConnectionsInTransit(t *testing.T) {
	// 100 requests a second for 2 s to a server that accepts at once: the
	// central prediction's accept queue is always empty. Samples during the
	// sends read 0, 1, 0, 1: half a connection in transit on average, so
	// each stays 5 ms, drawn uniformly up to 10 ms. A sample after the last
	// send, and one with no reading, count for nothing.
	arrivals := make([]time.Duration, 200)
	for i := range arrivals {
		arrivals[i] = time.Duration(i) * 10 * time.Millisecond
	}
	central, err := predict.Simulate(predict.Input{Arrivals: arrivals, Service: time.Second,
		Kernel: predict.Kernel{SynRetries: 6}, Limits: predict.Limits{Discipline: catalog.NoLimit, Backlog: 128}})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s float64, v float64) Sample {
		return Sample{T: time.Duration(s * float64(time.Second)), AcceptQueue: v}
	}
	samples := []Sample{at(0.2, 0), at(0.7, 1), at(1.2, 0), at(1.7, 1), at(2.5, 9), at(1.9, math.NaN())}
	if got := TransitDelay(central, samples, 100); got != 10*time.Millisecond {
		t.Errorf("transit delay %v, want 10ms", got)
	}
}

// A saturated connection limit: where the central prediction has SYNs
// dropped for a full queue, a queue it has empty for a moment is one the
// run, on its own timing, has full, not one in transit. Points every
// 0.5 s: the accept queue empty at each, SYNs pending at 1 s and 1.5 s.
// Of the samples reading 1, 1, 3 at 100 a second, only the one at 0.2 s
// counts: 1 in transit, 10 ms each, drawn up to 20 ms.
func TestConnectionsWaitingWhereTheCentralPredictionDropsSYNsAreNotInTransit(t *testing.T) {
	s := 500 * time.Millisecond
	central := predict.Result{
		Series:   []predict.Point{{T: 0}, {T: s}, {T: 2 * s, SynPending: 3}, {T: 3 * s, SynPending: 3}, {T: 4 * s}},
		Requests: []predict.Request{{Sent: 0}, {Sent: 4 * s}},
	}
	samples := []Sample{{T: 200 * time.Millisecond, AcceptQueue: 1}, {T: 1200 * time.Millisecond, AcceptQueue: 1},
		{T: 1700 * time.Millisecond, AcceptQueue: 3}}
	if got := TransitDelay(central, samples, 100); got != 20*time.Millisecond {
		t.Errorf("transit delay %v, want 20ms", got)
	}
}

// The measures are set against their ranges but are not yet part of the
// agreement: one outside its range is reported as such, and makes no
// disagreement.
func TestAMeasureOutsideItsRangeDoesNotDisagree(t *testing.T) {
	wasted := 92.87
	tgt := &summary.Target{Outcomes: map[outcome.Outcome]int{outcome.OK: 80},
		OKLatency: summary.Quantiles{P50: 0.5051, P99: 0.9071}, WastedWorkS: &wasted,
		Predicted: &summary.Predicted{OKLatency: summary.Quantiles{P50: 0.5061, P99: 0.911}, WastedWorkS: 92.55,
			RangeS: map[string][2]float64{"ok_latency_p50": {0.5047, 0.5086}, "ok_latency_p99": {0.9092, 0.9131},
				"wasted_work": {92.513, 92.575}}}}
	var outside []string
	for _, m := range Measures {
		if inside, known := m.Inside(tgt); known && !inside {
			outside = append(outside, m.Key)
		}
	}
	if want := []string{"ok_latency_p99", "wasted_work"}; !slices.Equal(outside, want) {
		t.Errorf("outside their ranges: %v, want %v", outside, want)
	}
	if diffs := compareFigures(tgt); len(diffs) != 0 {
		t.Errorf("the measures made disagreements: %v", diffs)
	}
	tgt.WastedWorkS = nil
	if _, known := Measures[2].Inside(tgt); known {
		t.Error("wasted work is known without server metrics")
	}
}

// The central prediction's measures, for summary.json: smallRun serves
// only its first request, which ends ok after its 1 s of work; three
// requests 0.4 s apart make 1 ok in 1.2 s of schedule.
func TestThePredictionsMeasuresComeFromItsOkRequests(t *testing.T) {
	central, _ := smallRun(t)
	p := Predicted(workload.Steady(3, 400*time.Millisecond, time.Second, 0), central)
	if want := (summary.Quantiles{P50: 1, P90: 1, P99: 1, Max: 1}); p.OKLatency != want {
		t.Errorf("ok latency %+v, want %+v", p.OKLatency, want)
	}
	if want := 1 / 1.2; math.Abs(p.GoodputPerS-want) > 1e-12 {
		t.Errorf("goodput %g, want %g", p.GoodputPerS, want)
	}
	if p.WastedWorkS != 0 {
		t.Errorf("wasted %g s, want 0: the 503s did no work", p.WastedWorkS)
	}
}

// Three replicas of smallRun end #2 as 503, ok and 503: the second
// replica has one request that no other replica ends its way, so a run
// may have one too. A run with #1 timed out, which no replica does, holds;
// one with #1 and #2 timed out does not.
func TestARunMayHaveAsManyUnmatchedRequestsAsAReplicaHasAgainstTheOthers(t *testing.T) {
	central, _ := smallRun(t)
	ok, rejected := uint8(slices.Index(outcome.All, outcome.OK)), uint8(slices.Index(outcome.All, outcome.HTTP503))
	reps := predict.Replicas{N: 3, Ended: [][]uint8{{ok, rejected, rejected}, {ok, rejected, ok}, {ok, rejected, rejected}},
		Ends: make([]predict.Ends, 3)}
	for _, ended := range reps.Ended {
		for i, o := range ended {
			reps.Ends[i][o]++
		}
	}
	for _, tc := range []struct {
		timedOut  []int
		uncovered int
		holds     bool
	}{{nil, 0, true}, {[]int{1}, 1, true}, {[]int{1, 2}, 2, false}} {
		measured := []Measured{{Seq: 0, Outcome: outcome.OK}, {Seq: 1, Outcome: outcome.HTTP503}, {Seq: 2, Outcome: outcome.HTTP503}}
		for _, i := range tc.timedOut {
			measured[i].Outcome = outcome.Timeout
		}
		ra, holds := compareRequests(central, reps, measured)
		if ra.Uncovered != tc.uncovered || ra.UncoveredAllowed != 1 || holds != tc.holds {
			t.Errorf("timed out %v: uncovered %d of %d allowed, holds %v; want %d of 1, %v",
				tc.timedOut, ra.Uncovered, ra.UncoveredAllowed, holds, tc.uncovered, tc.holds)
		}
	}
}

// Two users, two requests each, against a semaphore of 2 with no queue:
// no replica refuses any of the four requests. A user's next request
// refused (#2, a 503) is counted in a note that says why it may be; a
// user's first request (#0), a reset (it has causes of its own) or an open
// schedule's request is not.
func TestRefusedNextRequestsOfClosedUsersAreExplained(t *testing.T) {
	users := &workload.Users{Starts: make([]time.Duration, 2), Iterations: 2}
	in := predict.Input{Users: users, Service: time.Second, Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: 0}}}
	reps, err := predict.Replicate(in, predict.Spread{}, predict.ReplicaOptions{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	refusedNext := []Measured{{Seq: 0, Outcome: outcome.HTTP503}, {Seq: 1, Outcome: outcome.OK},
		{Seq: 2, Outcome: outcome.HTTP503}, {Seq: 3, Outcome: outcome.OK}}
	for _, tc := range []struct {
		name     string
		users    *workload.Users
		measured []Measured
		want     string // the note's start; "" for none
	}{
		{"a next request refused", users, refusedNext,
			"maybe why 1 were refused where no replica refuses them: each was a user's next request"},
		{"an open schedule", nil, refusedNext, ""},
		{"a reset", users, []Measured{{Seq: 2, Outcome: outcome.Reset}}, ""},
	} {
		notes := comeBackTooSoon(tc.users, reps, tc.measured)
		if (tc.want == "" && notes != nil) || (tc.want != "" && (len(notes) != 1 || !strings.HasPrefix(notes[0], tc.want))) {
			t.Errorf("%s: notes %q, want one starting %q", tc.name, notes, tc.want)
		}
	}
}

// Four replicas serve 1, 2, 2 and 3 and refuse 0, 0, 0 and 5. A run that
// serves 2 lies above one replica and level with two, counted half: rank
// (1 + 1) / 4 = 0.5. It refuses 7, above all four: rank 1. Peaks, which
// are sampled, have no rank.
func TestARunsRankIsTheShareOfItsReplicasBelowIt(t *testing.T) {
	var reps predict.Replicas
	for i, ok := range []int{1, 2, 2, 3} {
		refused := 0
		if i == 3 {
			refused = 5
		}
		reps.Runs = append(reps.Runs, predict.Figures{Outcomes: map[outcome.Outcome]int{outcome.OK: ok, outcome.HTTP503: refused}})
	}
	st := &summary.Target{Outcomes: map[outcome.Outcome]int{outcome.OK: 2, outcome.HTTP503: 7}, Predicted: &summary.Predicted{}}
	Ranks(st, reps)
	want := map[string]float64{"ok": 0.5, "rejected": 1, "timeout": 0.5, "syn_retried": 0.5}
	if !maps.Equal(st.Predicted.Rank, want) {
		t.Errorf("ranks %v, want %v", st.Predicted.Rank, want)
	}
}
