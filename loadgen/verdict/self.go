package verdict

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// selfCheck judges each replica by the rule a run is judged by, against
// the ranges, the allowance and the band that all the replicas make: how
// many of them the rule finds disagreeing. A run of a model that were
// exact would be one more such draw, so this is how often the verdict
// would fail it: each range leaves out the most extreme 1 % at each end,
// and a target has seven figures, its requests and hundreds of samples.
//
// A replica is judged as exactly as the run allows: its peaks are exact
// (a run's are sampled, and may lie below the range by the sampling
// miss), and its samples are its gauges at the band's instants, each
// against the band over one sampling period either way: outside is how
// many of each replica's lie outside it (samplesOutside), and a replica
// fails when that is above outsideAllowed, as a run does. server is false
// where the run has no server gauges, whose peaks are then not judged, as
// for the run.
func selfCheck(p *summary.Predicted, reps predict.Replicas, server bool, outside []int, outsideAllowed int) *summary.ReplicasDisagreeing {
	if reps.N == 0 || len(reps.Runs) != reps.N {
		return nil
	}
	out := &summary.ReplicasDisagreeing{}
	lonely := lonelyEnds(reps)
	allowed := uncoveredAmongReplicas(reps)
	for r, run := range reps.Runs {
		figures := replicaOutsideRanges(p, run, server)
		requests := lonely != nil && lonely[r] > allowed
		timeline := r < len(outside) && outside[r] > outsideAllowed
		out.Figures += count(figures)
		out.Requests += count(requests)
		out.Timeline += count(timeline)
		out.Any += count(figures || requests || timeline)
	}
	return out
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// replicaOutsideRanges reports whether one of the replica's figures lies
// outside its range, as compareFigures judges a run's.
func replicaOutsideRanges(p *summary.Predicted, run predict.Figures, server bool) bool {
	for _, f := range Figures {
		if f.Peak && !server {
			continue
		}
		r, ok := p.Range[f.Key]
		if !ok {
			continue
		}
		lo := r[0]
		if f.Peak {
			lo -= max(p.SamplingMiss[f.Key], 0)
		}
		if v := f.replica(run); v < lo || v > r[1] {
			return true
		}
	}
	return false
}

// window is, at one of the band's instants, each judged gauge's band over
// one sampling period either way: the lowest low and the highest high.
type window struct{ lo, hi [4]int }

// judgedGauges are the gauges compareTimelines judges in samples: those
// with a value in some sample, the server's only where server is set.
func judgedGauges(samples []Sample, server bool) (judged [4]bool) {
	for i, g := range gauges {
		if g.server && !server {
			continue
		}
		for _, s := range samples {
			if !math.IsNaN(g.sample(s)) {
				judged[i] = true
				break
			}
		}
	}
	return judged
}

// bandWindows are the windows at each of the band's instants for the
// judged gauges; an unjudged gauge's window takes any value.
func bandWindows(band []predict.BandPoint, step, period time.Duration, judged [4]bool) []window {
	out := make([]window, len(band))
	for k, b := range band {
		for i, g := range gauges {
			if !judged[i] {
				out[k].lo[i], out[k].hi[i] = math.MinInt, math.MaxInt
				continue
			}
			out[k].lo[i], out[k].hi[i] = bandWithin(band, step, g, b.T-period, b.T+period)
		}
	}
	return out
}

// samplesOutside is, for each replica, how many of its gauges' values at
// the band's instants lie outside their windows; nil without the
// replicas' samples.
func samplesOutside(sampled [][]predict.Point, windows []window) []int {
	if len(sampled) == 0 {
		return nil
	}
	out := make([]int, len(sampled))
	for r, points := range sampled {
		for k, pt := range points {
			if k >= len(windows) {
				break
			}
			for i, g := range gauges {
				if v := g.point(pt); v < windows[k].lo[i] || v > windows[k].hi[i] {
					out[r]++
				}
			}
		}
	}
	return out
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
