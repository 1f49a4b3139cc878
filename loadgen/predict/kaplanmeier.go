package predict

import (
	"cmp"
	"slices"
	"time"
)

// kaplanMeier is the distribution that samples estimate where some of
// them are censored (at least that long): values ascending, and the
// weight of each, adding up to the count of samples. It is the
// Kaplan-Meier estimate in Efron's form: each censored sample hands its
// weight on in equal shares to the samples above it. One with none above
// it keeps its weight as if it were uncensored: the samples cannot say
// how much longer it would have been, only that it was no shorter.
type kaplanMeier struct {
	values []time.Duration
	weight []float64
}

// censoredSample is one sample of a kaplanMeier: a value, or at least
// that value (censored).
type censoredSample struct {
	d        time.Duration
	censored bool
}

// newKaplanMeier is the distribution of events and, censored, of
// atLeast: each censored sample's weight passes in equal shares to the
// samples above it (an event of the same value counts as below it), and
// the last keeps its own.
func newKaplanMeier(events, atLeast []time.Duration) *kaplanMeier {
	samples := make([]censoredSample, 0, len(events)+len(atLeast))
	for _, d := range events {
		samples = append(samples, censoredSample{d: d})
	}
	for _, d := range atLeast {
		samples = append(samples, censoredSample{d: d, censored: true})
	}
	km, _ := kaplanMeierOf(samples)
	return km
}

// kaplanMeierOf is newKaplanMeier of samples, with, for each of its
// values in order, the index in samples of the one it holds.
func kaplanMeierOf(samples []censoredSample) (*kaplanMeier, []int) {
	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := samples[i], samples[j]
		if c := cmp.Compare(a.d, b.d); c != 0 {
			return c
		}
		switch {
		case a.censored == b.censored:
			return 0
		case a.censored:
			return 1
		}
		return -1
	})
	km := &kaplanMeier{values: make([]time.Duration, len(samples)), weight: make([]float64, len(samples))}
	var carried float64 // what each later sample has been handed so far
	for k, i := range order {
		s := samples[i]
		km.values[k], km.weight[k] = s.d, 1+carried
		if s.censored && k < len(samples)-1 {
			carried += km.weight[k] / float64(len(samples)-1-k)
			km.weight[k] = 0
		}
	}
	return km, order
}

// longer is, for each of km's values in order, the estimated chance that
// a sample lies above it: the share of the weight past it.
func (km *kaplanMeier) longer() []float64 {
	out := make([]float64, len(km.weight))
	n, through := float64(len(km.weight)), 0.0
	for k, w := range km.weight {
		through += w
		out[k] = 1 - through/n
	}
	return out
}

// quantile is the value at the u-th quantile (0 ≤ u < 1); 0 without
// samples.
func (km *kaplanMeier) quantile(u float64) time.Duration {
	target := u * float64(len(km.values))
	for i, w := range km.weight {
		if target -= w; target < 0 && w > 0 {
			return km.values[i]
		}
	}
	if len(km.values) == 0 {
		return 0
	}
	return km.values[len(km.values)-1]
}
