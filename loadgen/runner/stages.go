package runner

import (
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/workload"
)

// stageFigures are the measured and predicted outcomes of each stage's
// requests, and its goodput and ok latency; nil without stages. A request
// belongs to the stage in whose window its scheduled send falls.
func stageFigures(sc *workload.Schedule, hits []hitRecord, predicted *predict.Result) []summary.Stage {
	if len(sc.Steps) == 0 {
		return nil
	}
	stages := make([]summary.Stage, len(sc.Steps))
	okLat := make([][]float64, len(sc.Steps))
	for i, s := range sc.Steps {
		stages[i] = summary.Stage{StartS: s.Start.Seconds(), EndS: s.End.Seconds(), FromPerS: s.From, ToPerS: s.To,
			Outcomes: map[outcome.Outcome]int{}}
		if predicted != nil {
			stages[i].Predicted = map[outcome.Outcome]int{}
		}
	}
	stageOf := func(seq int) int {
		if seq < 0 || seq >= sc.Len() {
			return -1
		}
		at := sc.Send[seq]
		for i, s := range sc.Steps {
			if at >= s.Start && (at < s.End || (i == len(sc.Steps)-1 && at == s.End)) {
				return i
			}
		}
		return -1
	}
	for _, h := range hits {
		i := stageOf(h.seq)
		if i < 0 {
			continue
		}
		stages[i].Sent++
		stages[i].Outcomes[h.outcome]++
		if h.outcome == outcome.OK {
			okLat[i] = append(okLat[i], h.latency.Seconds())
		}
	}
	if predicted != nil {
		for _, r := range predicted.Requests {
			if i := stageOf(r.Index); i >= 0 {
				stages[i].Predicted[r.Outcome]++
			}
		}
	}
	for i := range stages {
		st := &stages[i]
		if d := st.EndS - st.StartS; d > 0 {
			st.GoodputPerS = float64(st.Outcomes[outcome.OK]) / d
		}
		st.OKLatency = summary.QuantilesOf(okLat[i])
	}
	return stages
}
