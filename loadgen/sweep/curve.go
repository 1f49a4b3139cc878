package sweep

import (
	"slices"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/verdict"
)

// gridPoints is how many evenly spaced rates the predicted curve has
// between the lowest and the highest swept rate, besides the swept ones.
const gridPoints = 24

// predictAt is the central simulation of target t of s at rate.
func predictAt(s *scenario.Scenario, t scenario.Target, rate float64, k predict.Kernel, h verdict.Host) (Point, error) {
	at, err := s.AtRate(rate)
	if err != nil {
		return Point{}, err
	}
	limits, err := verdict.ScenarioLimits(at, t, h)
	if err != nil {
		return Point{}, err
	}
	sched := at.Schedule()
	res, err := predict.Simulate(verdict.Input(at, sched, limits, k, 0))
	if err != nil {
		return Point{}, err
	}
	p := verdict.Predicted(sched, res)
	n := float64(sched.Len())
	return Point{OfferedPerS: rate, GoodputPerS: p.GoodputPerS, OKP50S: p.OKLatency.P50, OKP99S: p.OKLatency.P99,
		RejectedShare: float64(outcome.Sum(p.Outcomes, outcome.Rejected...)) / n,
		TimeoutShare:  float64(p.Outcomes[outcome.Timeout]) / n}, nil
}

// grid is the swept rates and gridPoints more between the lowest and
// the highest, ascending.
func grid(rates []float64) []float64 {
	lo, hi := rates[0], rates[len(rates)-1]
	out := slices.Clone(rates)
	for i := range gridPoints {
		out = append(out, lo+(hi-lo)*float64(i+1)/float64(gridPoints+1))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// PredictedCurve is the central simulation of target t at the swept
// rates and on a grid between them.
func PredictedCurve(s *scenario.Scenario, t scenario.Target, rates []float64, k predict.Kernel, h verdict.Host) ([]Point, error) {
	var curve []Point
	for _, r := range grid(rates) {
		p, err := predictAt(s, t, r, k, h)
		if err != nil {
			return nil, err
		}
		curve = append(curve, p)
	}
	return curve, nil
}

// kneeTolerance is how finely the bisection finds the predicted knee,
// as a share of the rate.
const kneeTolerance = 0.001

// PredictedKnee finds, on the central simulation, the highest rate up to
// which goodput stays within 5 % of the offered rate: the first point of
// the predicted curve where it does not, then bisection between it and
// the one below. nil when the curve's first point does not keep it;
// above when its last does.
func PredictedKnee(s *scenario.Scenario, t scenario.Target, curve []Point, k predict.Kernel, h verdict.Host) (knee *float64, above bool, err error) {
	keeps := func(p Point) bool { return p.GoodputPerS >= KneeShare*p.OfferedPerS }
	good := -1
	for i, p := range curve {
		if !keeps(p) {
			break
		}
		good = i
	}
	switch {
	case good < 0:
		return nil, false, nil
	case good == len(curve)-1:
		r := curve[good].OfferedPerS
		return &r, true, nil
	}
	lo, hi := curve[good].OfferedPerS, curve[good+1].OfferedPerS
	for hi-lo > kneeTolerance*lo {
		mid := (lo + hi) / 2
		p, err := predictAt(s, t, mid, k, h)
		if err != nil {
			return nil, false, err
		}
		if keeps(p) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return &lo, false, nil
}
