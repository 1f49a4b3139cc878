package runner

import (
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/workload"
)

func TestEachStageCountsTheRequestsItSent(t *testing.T) {
	// Two steps of 1 s, 2/s then 4/s, and a burst of 3 at 1.5 s: 2 + 4 + 3
	// requests. The first step's two are ok; of the second's seven, the
	// burst's three are rejected and one times out.
	send, steps := workload.Stages([]workload.Stage{{Duration: time.Second, From: 2, To: 2}, {Duration: time.Second, From: 4, To: 4}}, nil, 100)
	sc := &workload.Schedule{Send: workload.WithBursts(send, []workload.Burst{{At: 1500 * time.Millisecond, Requests: 3}}), Steps: steps}
	if sc.Len() != 9 {
		t.Fatalf("%d requests, want 9", sc.Len())
	}
	ends := []outcome.Outcome{outcome.OK, outcome.OK, outcome.OK, outcome.OK, outcome.OK,
		outcome.HTTP503, outcome.HTTP503, outcome.HTTP503, outcome.Timeout}
	var hits []hitRecord
	pred := &predict.Result{}
	for i, o := range ends {
		hits = append(hits, hitRecord{seq: i, outcome: o, latency: time.Duration(i+1) * 100 * time.Millisecond})
		pred.Requests = append(pred.Requests, predict.Request{Index: i, Outcome: outcome.OK})
	}
	stages := stageFigures(sc, hits, pred)
	if len(stages) != 2 {
		t.Fatalf("%d stages, want 2", len(stages))
	}
	first, second := stages[0], stages[1]
	if first.Sent != 2 || first.Outcomes[outcome.OK] != 2 || first.GoodputPerS != 2 || first.OKLatency.P99 != .2 {
		t.Errorf("first stage %+v, want 2 sent, 2 ok, goodput 2/s, ok p99 0.2 s", first)
	}
	if second.Sent != 7 || second.Outcomes[outcome.OK] != 3 || second.Outcomes[outcome.HTTP503] != 3 ||
		second.Outcomes[outcome.Timeout] != 1 || second.Predicted[outcome.OK] != 7 || second.FromPerS != 4 || second.StartS != 1 {
		t.Errorf("second stage %+v, want 7 sent: 3 ok, 3 rejected, 1 timeout; 7 predicted ok", second)
	}
	if stageFigures(workload.Steady(3, time.Second, 0, 0), hits, nil) != nil {
		t.Error("a schedule without stages has figures per stage")
	}
}
