package verdict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// selfCheck judges each replica by the rule a run is judged by, against
// the ranges, the allowances and the band that the other replicas make: how
// many of them the rule finds disagreeing. A run of a model that were exact
// would be one more such draw, so this is how often the verdict would fail
// it. Leaving the judged replica out matters: a replica at the edge of a
// range it helped make lies inside it by construction.
//
// The figures are those the run's were judged on; a replica's peaks are
// exact, against the range less the sampling miss, as a run's sampled
// peaks are. Its requests are judged on those it ends in a class no other
// replica ends them in; its samples are outside (samplesOutside, already
// left out) and fail when more than the others' allowance. nil with fewer
// than two replicas: there is no other to judge one against.
func selfCheck(t *summary.Target, reps predict.Replicas, outside []int) *summary.ReplicasDisagreeing {
	if reps.N < 2 || len(reps.Runs) != reps.N || t.Predicted == nil {
		return nil
	}
	out := &summary.ReplicasDisagreeing{}
	figures := figuresOutside(t, reps)
	lonely := lonelyEnds(reps)
	lonelyTop := extremesOf(slices.Clone(lonely))
	outsideTop := extremesOf(slices.Clone(outside))
	for r := range reps.Runs {
		_, lonelyAllowed := lonelyTop.without(countAt(lonely, r))
		_, outsideAllowed := outsideTop.without(countAt(outside, r))
		fig := figures[r]
		req := countAt(lonely, r) > lonelyAllowed
		tl := countAt(outside, r) > outsideAllowed
		out.Figures += oneIf(fig)
		out.Requests += oneIf(req)
		out.Timeline += oneIf(tl)
		out.Any += oneIf(fig || req || tl)
	}
	return out
}

// countAt is xs[i], or 0 past its end (nil: a part with nothing to count).
func countAt(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}

func oneIf(b bool) int {
	if b {
		return 1
	}
	return 0
}

// figuresOutside reports, for each replica, whether one of the figures the
// run was judged on lies outside the range the other replicas make, as
// compareFigures judges a run's.
func figuresOutside(t *summary.Target, reps predict.Replicas) []bool {
	out := make([]bool, len(reps.Runs))
	values := make([]int, len(reps.Runs))
	for _, f := range Figures {
		if _, known := f.Inside(t); !known || (f.Peak && len(t.Config) == 0) {
			continue
		}
		for r, run := range reps.Runs {
			values[r] = f.replica(run)
		}
		top := extremesOf(slices.Clone(values))
		miss := 0
		if f.Peak {
			miss = max(t.Predicted.SamplingMiss[f.Key], 0)
		}
		for r, v := range values {
			lo, hi := top.without(v)
			if v < lo-miss || v > hi {
				out[r] = true
			}
		}
	}
	return out
}

// extremes are what the 1st and 99th percentile of N values without one
// of them need (Quantiles over the other N-1): with k = ⌈(N-1)/100⌉, the
// k-th and (k+1)-th smallest and the k-th and (k+1)-th largest.
type extremes[T cmp.Ordered] struct{ lo, loNext, hi, hiNext T }

// extremesOf are xs's extremes; it sorts xs, which needs at least two
// values (zero extremes otherwise).
func extremesOf[T cmp.Ordered](xs []T) extremes[T] {
	var e extremes[T]
	n := len(xs)
	if n < 2 {
		return e
	}
	slices.Sort(xs)
	k := (n - 1 + 99) / 100
	return extremes[T]{lo: xs[k-1], loNext: xs[k], hi: xs[n-k], hiNext: xs[n-1-k]}
}

// without is the 1st and 99th percentile of the values without one whose
// value is v: where v is among the k smallest (or largest), the next one
// takes its place.
func (e extremes[T]) without(v T) (lo, hi T) {
	lo, hi = e.lo, e.hi
	if v <= e.lo {
		lo = e.loNext
	}
	if v >= e.hi {
		hi = e.hiNext
	}
	return lo, hi
}

// judgedGauges are the gauges compareTimelines judges in samples: those
// with a value in some sample, the server's only where server is set.
func judgedGauges(samples []Sample, server bool) (judged [predict.JudgedGauges]bool) {
	for _, g := range gauges {
		if g.server && !server {
			continue
		}
		for _, s := range samples {
			if !math.IsNaN(g.sample(s)) {
				judged[g.step] = true
				break
			}
		}
	}
	return judged
}

// samplesOutside is, for each replica, how many of its judged gauges'
// values at the band's instants lie outside the band that the other
// replicas make, over one sampling period either way (windowSteps); nil
// without the replicas' steps. A replica is read at each of the band's
// instants, a run at its sampler's: with the sampling period equal to the
// band's step, as loadgen runs them, each meets three of the band's
// points. A run's window also widens for a scrape that answered late and
// for requests a rebuilt timeline cannot place; a replica's does not.
func samplesOutside(reps predict.Replicas, step, period time.Duration, judged [predict.JudgedGauges]bool) []int {
	rows := len(reps.Band)
	if len(reps.Steps) < 2 || step <= 0 || slices.ContainsFunc(reps.Steps, func(s []predict.StepGauges) bool { return len(s) < rows }) {
		return nil
	}
	lows, highs := stepExtremes(reps.Steps, rows, judged)
	out := make([]int, len(reps.Steps))
	for r, own := range reps.Steps {
		for k := range rows {
			first, last := windowSteps(step, time.Duration(k)*step-period, time.Duration(k)*step+period)
			for g := range judged {
				if !judged[g] {
					continue
				}
				lo, hi := othersWindow(lows, highs, own, g, first, last)
				if v := own[k].At[g]; v < lo || v > hi {
					out[r]++
				}
			}
		}
	}
	return out
}

// stepBounds are, for each band step, each judged gauge's extremes over
// the replicas.
type stepBounds [][predict.JudgedGauges]extremes[int32]

// stepExtremes are the extremes of the replicas' lows and of their highs
// at each of rows band steps, for the judged gauges.
func stepExtremes(steps [][]predict.StepGauges, rows int, judged [predict.JudgedGauges]bool) (lows, highs stepBounds) {
	lows, highs = make(stepBounds, rows), make(stepBounds, rows)
	column := make([]int32, len(steps))
	for k := range rows {
		for g := range judged {
			if !judged[g] {
				continue
			}
			for r, own := range steps {
				column[r] = own[k].Lo[g]
			}
			lows[k][g] = extremesOf(column)
			for r, own := range steps {
				column[r] = own[k].Hi[g]
			}
			highs[k][g] = extremesOf(column)
		}
	}
	return lows, highs
}

// othersWindow is gauge g's band over band steps first to last as the
// replicas other than the one whose steps are own make it: the lowest of
// their lows and the highest of their highs. Past the band's end every
// gauge is 0.
func othersWindow(lows, highs stepBounds, own []predict.StepGauges, g, first, last int) (lo, hi int32) {
	lo, hi = math.MaxInt32, math.MinInt32
	for j := first; j <= last; j++ {
		var l, h int32
		if j < len(lows) {
			l, _ = lows[j][g].without(own[j].Lo[g])
			_, h = highs[j][g].without(own[j].Hi[g])
		}
		lo, hi = min(lo, l), max(hi, h)
	}
	return lo, hi
}

// atTheTop is the 99th percentile of counts, as the ranges take it (the
// k-th largest, k = ⌈N/100⌉); 0 for none.
func atTheTop(counts []int) int {
	if len(counts) == 0 {
		return 0
	}
	_, hi := predict.Quantiles(slices.Clone(counts))
	return hi
}

// selfNote says, beside a disagreement, how often the rule fails the
// replicas themselves: a disagreement is a finding only where that is
// rare.
func selfNote(s *summary.ReplicasDisagreeing, n int) string {
	return fmt.Sprintf("the same rule judges %d of the %d replicas themselves as disagreeing with the rest (a figure "+
		"outside its range in %d, requests in %d, samples outside the band in %d): a run of a model that were exact "+
		"would be judged so about %d times in %d (docs/verdict.md)", s.Any, n, s.Figures, s.Requests, s.Timeline,
		s.Any, n)
}
