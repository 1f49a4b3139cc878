package predict

import (
	"slices"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// cutsAtWakes reports whether a replica of a model with discipline d ends
// each due sleep at the server's next accept or arrival, and draws
// natural overshoots (Spread.OvershootCut): a model that holds a place per
// connection, given which of the run's sleeps a wake cut short.
func cutsAtWakes(d catalog.Discipline, spread Spread) bool {
	return d == catalog.RejectBeyond && spread.SleepTimers && spread.OvershootCut != nil
}

// withNaturalOvershoots is s for a model with discipline d: with the
// natural overshoots where its replicas cut sleeps at wakes.
func (s Spread) withNaturalOvershoots(d catalog.Discipline) Spread {
	if cutsAtWakes(d, s) {
		s.Overshoot = naturalOvershoots(s.Overshoot, s.OvershootCut)
		s.OvershootLocal = naturalOvershoots(s.OvershootLocal, s.OvershootLocalCut)
	}
	return s
}

// naturalOvershoots gives each overshoot that a wake cut short (cut[i])
// the length its own timer would have given it: the median of what the
// uncut overshoots say lies beyond it, by the Kaplan–Meier estimate with
// the cut ones censored (kaplanMeier), the shortest uncut one at which
// the estimate that a natural overshoot is longer has fallen to half its
// value at the cut one. Where it never falls that far (too few uncut ones
// beyond), the overshoot keeps its length; so does every one when cut is
// nil.
func naturalOvershoots(overs []time.Duration, cut []bool) []time.Duration {
	if cut == nil {
		return overs
	}
	samples := make([]censoredSample, len(overs))
	for i, d := range overs {
		samples[i] = censoredSample{d: d, censored: cut[i]}
	}
	km, order := kaplanMeierOf(samples) // a cut one tied with an uncut one comes after it
	longer := km.longer()
	out := slices.Clone(overs)
	for k, i := range order {
		if !cut[i] {
			continue
		}
		for j := k + 1; j < len(order); j++ {
			// Relative, so that an exact half counts despite the
			// weights' rounding.
			if !cut[order[j]] && longer[j] <= longer[k]/2*(1+halfSlack) {
				out[i] = km.values[j]
				break
			}
		}
	}
	return out
}

// halfSlack is how far above half an estimate may be, relatively, and
// still count as half: float64 sums of up to n weights of thirds and the
// like round by about n times 1e-16, which would miss an exact half and
// take the next uncut sample. An estimate that exceeds half by less than
// 1e-9 is taken for half, a difference that no run's samples say
// anything of.
const halfSlack = 1e-9
