package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/summary"
)

// fakeTarget is one target of a synthetic run folder.
type fakeTarget struct {
	sum       summary.Target
	timeline  []sample.Row
	predicted [][7]float64        // t_s, inflight, queued, accept_queue, connections, client_inflight, syn_pending
	band      []predict.BandPoint // nil: no <target>.band.csv, as in a run folder from before bands
	results   []vegeta.Result
}

// fakeRun is a synthetic run folder.
type fakeRun struct {
	sum     summary.Summary
	targets []fakeTarget
	// old writes summary.json as a loadgen from before ranges did: without
	// the keys that are not omitted when empty.
	old bool
}

// write lays the run out in dir as loadgen run would.
func (f *fakeRun) write(t *testing.T, dir string) {
	t.Helper()
	s := f.sum
	s.Targets = nil
	var scen strings.Builder
	fmt.Fprintf(&scen, "name: %s\ndescription: A synthetic run for tests.\nrequests: 10\nrate: 5\nsleep: 1s\ntimeout: 3s\ntargets:\n", s.Scenario)
	for _, ft := range f.targets {
		s.Targets = append(s.Targets, ft.sum)
		fmt.Fprintf(&scen, "  - name: %s\n    model: %s\n", ft.sum.Name, ft.sum.Model)
		base := filepath.Join(dir, ft.sum.Name)

		var tl bytes.Buffer
		if err := runfolder.WriteTimeline(&tl, ft.timeline); err != nil {
			t.Fatal(err)
		}
		writeFile(t, base+".timeline.csv", tl.Bytes())

		var pr strings.Builder
		pr.WriteString("t_s,inflight,queued,accept_queue,connections,client_inflight,syn_pending\n")
		for _, p := range ft.predicted {
			fmt.Fprintf(&pr, "%.3f,%g,%g,%g,%g,%g,%g\n", p[0], p[1], p[2], p[3], p[4], p[5], p[6])
		}
		writeFile(t, base+".predicted.csv", []byte(pr.String()))

		var bin bytes.Buffer
		enc := vegeta.NewEncoder(&bin)
		for i := range ft.results {
			if err := enc.Encode(&ft.results[i]); err != nil {
				t.Fatal(err)
			}
		}
		writeFile(t, base+".bin", bin.Bytes())

		if ft.band != nil {
			if err := runfolder.Folder(dir).WriteBand(ft.sum.Name, ft.band); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := runfolder.Folder(dir).WriteSummary(&s); err != nil {
		t.Fatal(err)
	}
	if f.old {
		dropEnvironmentKey(t, filepath.Join(dir, "summary.json"), "listen_overflows")
	}
	writeFile(t, filepath.Join(dir, "scenario.yaml"), []byte(scen.String()))
}

// dropEnvironmentKey removes a key from summary.json's environment.
func dropEnvironmentKey(t *testing.T, path, key string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m["environment"].(map[string]any), key)
	if b, err = json.MarshalIndent(m, "", "  "); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b)
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ok, failed and rejected503 make vegeta results; connect < 0 means the
// response carries no connect time.
func okResult(seq uint64, latency time.Duration, connectMs float64) vegeta.Result {
	r := vegeta.Result{Seq: seq, Code: 200, Latency: latency, Timestamp: time.Unix(1e9, 0), Headers: http.Header{}}
	if connectMs >= 0 {
		r.Headers.Set(attack.ConnectHeader, fmt.Sprintf("%.3f", connectMs))
	}
	return r
}

func rejected503(seq uint64, latency time.Duration, connectMs float64) vegeta.Result {
	r := okResult(seq, latency, connectMs)
	r.Code = 503
	return r
}

func failed(seq uint64, latency time.Duration, err string) vegeta.Result {
	return vegeta.Result{Seq: seq, Latency: latency, Timestamp: time.Unix(1e9, 0), Error: err}
}

func timeline(rows ...[5]float64) []sample.Row {
	var out []sample.Row
	for i, r := range rows {
		out = append(out, sample.Row{T: time.Duration(i)*time.Second + time.Millisecond,
			Inflight: r[0], Queued: r[1], AcceptQueue: r[2], AcceptLimit: 8, Connections: r[3],
			Goroutines: 10, RSSBytes: 1 << 24, Overflows: 0, Rejected: 0,
			ClientSent: r[4], ClientInflight: r[4], ClientOK: 0, ClientErrors: 0})
	}
	return out
}

func outcomes(kv ...any) map[outcome.Outcome]int {
	m := map[outcome.Outcome]int{}
	for _, o := range outcome.All {
		m[o] = 0
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[outcome.Outcome(kv[i].(string))] = kv[i+1].(int)
	}
	return m
}

func yes(b bool) *bool { return &b }

// newFakeRun is a small run of two targets: a semaphore that disagrees
// with its prediction and a limitlistener whose excess connects waited for
// SYN retransmissions.
func newFakeRun() *fakeRun {
	sem := fakeTarget{
		sum: summary.Target{
			Name: "sem-2", Model: "semaphore", URL: "http://127.0.0.1:9/",
			Config: map[string]any{"limit": 2.0, "backlog": 4096.0, "queue": -1.0},
			Sent:   10, Outcomes: outcomes("ok", 4, "timeout", 5, "http_503", 1),
			Peak:        summary.Peak{Inflight: 2, Queued: 8, AcceptQueue: 0, Connections: 10, ClientInflight: 10},
			Latency:     summary.Quantiles{P50: 1.0, P90: 3, P99: 3, Max: 3},
			OKLatency:   summary.Quantiles{P50: 1.0, P90: 1.03, P99: 1.03, Max: 1.03},
			GoodputPerS: 2, WastedWorkS: new(1.5),
			Connect: summary.ConnectQuantiles{P50: 0.0002, P99: 0.0005, Max: 0.0005},
			Predicted: &summary.Predicted{Inflight: 2, Queued: 3, OK: 4, Outcomes: outcomes("ok", 4, "timeout", 6),
				OKLatency: summary.Quantiles{P50: 1, P90: 1, P99: 1, Max: 1}, GoodputPerS: 2, WastedWorkS: 1.2},
			Agrees:        yes(false),
			Disagreements: []string{"peak waiting in app: measured 8, predicted 3 (+5, allowed ±2)"},
			Notes:         []string{"see https://example.invalid/notes for nothing"},
		},
		timeline: timeline(
			[5]float64{2, 3, 0, 5, 5},
			[5]float64{2, 8, 0, 10, 10},
			[5]float64{2, 6, 0, 8, 8},
			[5]float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), 3}, // a failed scrape
			[5]float64{0, 0, 0, 0, 0},
		),
		predicted: [][7]float64{{0, 1, 0, 0, 1, 1, 0}, {1, 2, 3, 0, 5, 5, 0}, {2, 2, 3, 0, 5, 5, 0}, {3, 2, 1, 0, 3, 3, 0}, {4, 0, 0, 0, 0, 0, 0}},
	}
	for i := range 4 {
		sem.results = append(sem.results, okResult(uint64(i), time.Second+time.Duration(i)*10*time.Millisecond, 0.2))
	}
	for i := range 5 {
		sem.results = append(sem.results, failed(uint64(4+i), 3*time.Second, "Get \"http://127.0.0.1:9/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
	}
	sem.results = append(sem.results, rejected503(9, 2*time.Millisecond, 0.3))

	ll := fakeTarget{
		sum: summary.Target{
			Name: "ll-1", Model: "limitlistener",
			Config: map[string]any{"limit": 1.0, "backlog": 8.0},
			Sent:   10, Outcomes: outcomes("ok", 8, "reset", 2),
			Peak:       summary.Peak{Inflight: 1, AcceptQueue: 9, Connections: 1, ClientInflight: 10},
			SynRetried: 3,
			Latency:    summary.Quantiles{P50: 2, P90: 4, P99: 4.5, Max: 4.5},
			Connect:    summary.ConnectQuantiles{P50: 0.0003, P99: 2.01, Max: 2.01},
			Predicted:  &summary.Predicted{Inflight: 1, AcceptQueue: 9, OK: 8, SynRetried: 3, Outcomes: outcomes("ok", 8, "reset", 2)},
			Agrees:     yes(true),
		},
		timeline: timeline(
			[5]float64{1, 0, 9, 1, 10},
			[5]float64{1, 0, 9, 1, 10},
			[5]float64{1, 0, 4, 1, 5},
			[5]float64{0, 0, 0, 0, 0},
		),
		predicted: [][7]float64{{0, 1, 0, 0, 1, 1, 0}, {1, 1, 0, 9, 1, 10, 0}, {2, 1, 0, 9, 1, 10, 0}, {3, 1, 0, 3, 1, 4, 0}, {4, 0, 0, 0, 0, 0, 0}},
	}
	for i, c := range []float64{0.3, 0.4, 0.3, 0.5, 0.2, 1004.2, 1012.7, 2010.4} {
		ll.results = append(ll.results, okResult(uint64(i), time.Duration(2+i/3)*time.Second, c))
	}
	ll.results = append(ll.results, failed(8, time.Millisecond, "read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"),
		failed(9, 2*time.Millisecond, "EOF"))

	return &fakeRun{
		sum: summary.Summary{
			RunID: "fake-20260101T000000Z", Scenario: "fake", Scale: 0.5, Complete: true,
			Started: "2026-01-01T00:00:00Z", WallS: 5.2,
			Environment: summary.Environment{Kernel: "6.18.0", Somaxconn: 4096, NoFile: 20000, Go: "go1.26.8", CPUs: 2,
				SynRetries: 6, SynLinearTimeouts: 4},
			Tolerance: &summary.Tolerance{Relative: 0.05, Absolute: 2, Note: "within 5% or 2 requests"},
		},
		targets: []fakeTarget{sem, ll},
	}
}

type vegetaResult = vegeta.Result

var nan = math.NaN()

// newRangedRun is newFakeRun as a loadgen with the range verdict writes
// it: predicted ranges and sampling misses, the per-request and timeline
// comparisons, the kernel calibration, the host-wide listen overflows, the
// hypervisor's steal and a predicted band for sem-2.
func newRangedRun() *fakeRun {
	run := newFakeRun()
	run.sum.Tolerance.Note = "a figure agrees when it is inside its predicted range over 200 replicas"
	run.sum.Environment.ListenOverflows = new(7308.0)
	run.sum.Environment.Steal = new(0.013)
	run.sum.Environment.KernelCalibration = &summary.KernelCalibration{
		RetransmitsS:      []float64{1.02, 2.04, 3.06},
		RetransmitSpreadS: [][2]float64{{1.01, 1.04}, {2.03, 2.08}},
		GiveUpS:           134.1, Measured: 2,
		AcceptDelayS:    [2]float64{0.00004, 0.0003},
		SleepOvershootS: [2]float64{0.00006, 0.0011},
		MeasuredAt:      "2026-12-01T10:00:00Z", Source: "cache",
		Why: "measured earlier on this kernel: results/.calibration/6.18.0.json", Key: "6.18.0 tcp_syn_retries=6 tcp_syn_linear_timeouts=4",
	}

	sem := &run.targets[0]
	sem.sum.Agrees = yes(false)
	sem.sum.Disagreements = []string{"waiting in app: measured 8, outside its range 2–4 (a 1 Hz sample may miss up to 1)"}
	sem.sum.Predicted.Range = map[string][2]int{"inflight": {2, 2}, "queued": {2, 4}, "accept_queue": {0, 0},
		"syn_retried": {0, 0}, "ok": {3, 5}, "rejected": {0, 1}, "timeout": {5, 7}}
	sem.sum.Predicted.SamplingMiss = map[string]int{"inflight": 0, "queued": 1, "accept_queue": 0}
	sem.sum.Predicted.RangeS = map[string][2]float64{"ok_latency_p50": {0.999, 1.002}, "ok_latency_p99": {1.0, 1.01},
		"wasted_work": {1.1, 1.3}}
	sem.sum.Predicted.Replicas = 200
	sem.sum.TimelineOutsideAllowed = new(1)
	sem.sum.RequestsAgree = &summary.RequestsAgree{Same: 8, Differ: 2, Allowance: 1,
		Matrix: map[outcome.Outcome]map[outcome.Outcome]int{
			outcome.OK:      {outcome.OK: 4},
			outcome.Timeout: {outcome.Timeout: 4, outcome.HTTP503: 1},
			outcome.HTTP503: {outcome.Timeout: 1},
		},
		Differing: []summary.DifferingRequest{
			{Seq: 6, SentS: 1.2, Predicted: outcome.Timeout, Measured: outcome.HTTP503, Met: "predicted: queue slot 3; measured: 503 at once", Covered: true},
			{Seq: 9, SentS: 1.8, Predicted: outcome.HTTP503, Measured: outcome.Timeout, Met: "predicted: full queue; measured: queued", Covered: false},
		}}
	sem.sum.TimelineAgree = map[string]summary.GaugeAgree{
		"inflight":        {InsideFraction: 1, Samples: 5},
		"queued":          {InsideFraction: 0.8, Samples: 5, WorstAtS: 1.0, WorstBy: 4},
		"client_inflight": {InsideFraction: 0.6, Samples: 5, WorstAtS: 3.0, WorstBy: -2},
	}
	sem.band = []predict.BandPoint{band(0, 0, 1), band(1, 2, 6), band(2, 2, 6), band(3, 0, 4), band(4, 0, 0)}

	ll := &run.targets[1]
	ll.sum.ListenOverflowsScope = "own"
	// It agrees, so the report says how often the rule fails its replicas
	// (a disagreeing target's notes do).
	ll.sum.Predicted.ReplicasDisagreeing = &summary.ReplicasDisagreeing{Figures: 2, Requests: 1, Timeline: 3, Any: 5}
	ll.sum.ListenOverflows = new(42.0)
	ll.sum.Predicted.Range = map[string][2]int{"inflight": {1, 1}, "queued": {0, 0}, "accept_queue": {9, 9},
		"syn_retried": {2, 4}, "ok": {8, 8}, "rejected": {2, 2}, "timeout": {0, 0}}
	ll.sum.Predicted.Replicas = 200
	run.targets[0].sum.ListenOverflowsScope = "host"
	return run
}

// band is a band point at t seconds whose every gauge spans lo to hi.
func band(t float64, lo, hi int) predict.BandPoint {
	d := time.Duration(t * float64(time.Second))
	at := func(v int) predict.Point {
		return predict.Point{T: d, Inflight: v, Queued: v, AcceptQueue: v, Connections: v, ClientInflight: v, SynPending: v}
	}
	return predict.BandPoint{T: d, Lo: at(lo), Hi: at(hi)}
}
