package verdict

import (
	"fmt"
	"math"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// Sample is one sampled instant of a target's gauges; NaN is unknown.
type Sample struct {
	T time.Duration // since the target's schedule began
	// Scraped is when the server's answer to the sample's scrape came,
	// on the same clock: its gauges were read between T and Scraped. 0
	// when unknown, taken as T.
	Scraped time.Duration

	Inflight, Queued, AcceptQueue, ClientInflight float64
	// Undetermined is how many requests a timeline rebuilt from the
	// client's records cannot place (loadgen/reconstruct): each was
	// running or waiting in the app, so Inflight and Queued are lower
	// bounds that up to this many may add to. 0 for a server's own gauges.
	Undetermined float64
}

// gauge is one compared gauge of a timeline: its name (a column of the
// timeline and a key of timeline_agree), and how to read it from a
// sample and from a band point.
type gauge struct {
	key    string
	sample func(Sample) float64
	point  func(predict.Point) int
	server bool // measured by the server, so known only with its gauges
	// placed is set for the gauges that a sample's Undetermined requests
	// may belong to.
	placed bool
	step   int // its place in a replica's predict.StepGauges
}

var gauges = []gauge{
	{"inflight", func(s Sample) float64 { return s.Inflight }, func(p predict.Point) int { return p.Inflight }, true, true, predict.StepInflight},
	{"queued", func(s Sample) float64 { return s.Queued }, func(p predict.Point) int { return p.Queued }, true, true, predict.StepQueued},
	{"accept_queue", func(s Sample) float64 { return s.AcceptQueue }, func(p predict.Point) int { return p.AcceptQueue }, true, false, predict.StepAcceptQueue},
	{"client_inflight", func(s Sample) float64 { return s.ClientInflight }, func(p predict.Point) int { return p.ClientInflight }, false, false, predict.StepClientInflight},
}

// compareTimelines compares each gauge's samples with the predicted band,
// allowing one sampling period either way in time: a sample at T is
// inside when it lies within the band's lowest low and highest high over
// [T-period, T+period], or for a server's gauge, read by a scrape that
// answered at Scraped, over [T-period, Scraped+period]. A rebuilt sample of inflight or queued is the
// range from its value to its value plus the undetermined requests, and
// is inside when that range meets the band's. It returns the agreement
// per gauge and, when more samples lie outside than allowed (what a
// replica itself has against the others' band, samplesOutside), a
// disagreement for each gauge with a sample outside, and, where some were
// allowed, one that gives the count against the allowance.
func compareTimelines(band []predict.BandPoint, step time.Duration, samples []Sample, period time.Duration, server bool, allowed int) (map[string]summary.GaugeAgree, []string) {
	out := map[string]summary.GaugeAgree{}
	var diffs []string
	outside := 0
	for _, g := range gauges {
		if g.server && !server {
			continue
		}
		var a summary.GaugeAgree
		inside := 0
		for _, s := range samples {
			v := g.sample(s)
			if math.IsNaN(v) {
				continue
			}
			most := v
			if g.placed && s.Undetermined > 0 {
				most += s.Undetermined
			}
			a.Samples++
			read := s.T
			if g.server {
				read = max(read, s.Scraped)
			}
			lo, hi := bandWithin(band, step, g, s.T-period, read+period)
			by := 0.0
			switch {
			case v > float64(hi):
				by = v - float64(hi)
			case most < float64(lo):
				by = most - float64(lo)
			default:
				inside++
			}
			if math.Abs(by) > math.Abs(a.WorstBy) {
				a.WorstBy, a.WorstAtS = by, s.T.Seconds()
			}
		}
		if a.Samples == 0 {
			continue
		}
		a.InsideFraction = float64(inside) / float64(a.Samples)
		out[g.key] = a
		outside += a.Samples - inside
		if inside < a.Samples {
			diffs = append(diffs, fmt.Sprintf("timeline %s: %d of %d samples outside the predicted band; the worst at %.1f s, %s",
				g.key, a.Samples-inside, a.Samples, a.WorstAtS, byText(a.WorstBy)))
		}
	}
	if outside <= allowed {
		return out, nil
	}
	if allowed > 0 {
		diffs = append(diffs, fmt.Sprintf("timeline: %d samples outside the predicted band in all, where a replica itself "+
			"has at most %d outside it", outside, allowed))
	}
	return out, diffs
}

func byText(by float64) string {
	if by > 0 {
		return fmt.Sprintf("%.0f above it", by)
	}
	return fmt.Sprintf("%.0f below it", -by)
}

// bandWithin is the gauge's lowest low and highest high over the band
// points whose step, (T-step, T], overlaps [from, to]. Past the band's
// end every gauge is 0: every request has ended.
func bandWithin(band []predict.BandPoint, step time.Duration, g gauge, from, to time.Duration) (lo, hi int) {
	first, last := windowSteps(step, from, to)
	lo, hi = math.MaxInt, math.MinInt
	for k := first; k <= last; k++ {
		l, h := 0, 0
		if k < len(band) {
			l, h = g.point(band[k].Lo), g.point(band[k].Hi)
		}
		lo, hi = min(lo, l), max(hi, h)
	}
	return lo, hi
}

// windowSteps are the first and last of the band's steps, (T-step, T],
// that overlap [from, to].
func windowSteps(step, from, to time.Duration) (first, last int) {
	ceil := func(d time.Duration) int {
		k := int(d / step)
		if time.Duration(k)*step < d {
			k++
		}
		return k
	}
	return max(0, ceil(from)), ceil(to)
}

// Reads are the spans within which the samples' scrapes read the server's
// gauges (predict.Input.Reads): those of the samples whose scrape
// answered with the server's gauges (its running count at least).
func Reads(samples []Sample) []predict.Span {
	var reads []predict.Span
	for _, s := range samples {
		if s.Scraped > 0 && !math.IsNaN(s.Inflight) {
			reads = append(reads, predict.Span{From: s.T, To: max(s.T, s.Scraped)})
		}
	}
	return reads
}

// lateScrapes notes scrapes that took longer than a sampling period: the
// server's gauges were read at some instant of each, so a peak between
// two reads may have gone unseen, and the verdict judged the peaks and the
// band over the spans the scrapes took.
func lateScrapes(samples []Sample, period time.Duration) []string {
	n, scrapes, slowest, at := 0, 0, time.Duration(0), time.Duration(0)
	for _, s := range samples {
		if s.Scraped <= 0 {
			continue
		}
		scrapes++
		if took := s.Scraped - s.T; took > period {
			n++
			if took > slowest {
				slowest, at = took, s.T
			}
		}
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("the sampler read the server late: %d of %d scrapes took longer than the sampling period (%s), "+
		"the slowest %.0f ms from %s. A scrape reads the gauges at some instant between its start and its answer, so "+
		"the peaks and the band were judged over the spans the scrapes took (docs/verdict.md)", n, scrapes, period, float64(slowest)/float64(time.Millisecond), secs(at))}
}
