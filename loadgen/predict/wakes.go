package predict

import (
	"cmp"
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
// the cut ones censored, the shortest uncut one at which the estimate
// that a natural overshoot is longer has fallen to half its value at the
// cut one. Where it never falls that far (too few uncut ones beyond), the
// overshoot keeps its length; so does every one when cut is nil.
func naturalOvershoots(overs []time.Duration, cut []bool) []time.Duration {
	if cut == nil {
		return overs
	}
	order := make([]int, len(overs))
	for i := range order {
		order[i] = i
	}
	// At a tie the uncut one first: a cut length says only that the
	// natural one was longer.
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(overs[a], overs[b]); c != 0 || cut[a] == cut[b] {
			return c
		}
		if cut[a] {
			return 1
		}
		return -1
	})
	// longer[k] estimates the chance that a natural overshoot is longer
	// than overs[order[k]].
	longer := make([]float64, len(order))
	s := 1.0
	for k, i := range order {
		if !cut[i] {
			s *= 1 - 1/float64(len(order)-k)
		}
		longer[k] = s
	}
	out := slices.Clone(overs)
	for k, i := range order {
		if !cut[i] {
			continue
		}
		for j := k + 1; j < len(order); j++ {
			// Relative to a product of up to len(overs) factors'
			// rounding, so that an exact half counts.
			if !cut[order[j]] && longer[j] <= longer[k]/2*(1+halfSlack) {
				out[i] = overs[order[j]]
				break
			}
		}
	}
	return out
}

// halfSlack is how far above half an estimate may be, relatively, and
// still count as half: a float64 product of n factors rounds by about n
// times 1e-16, which would miss an exact half and take the next uncut
// sample. An estimate that exceeds half by less than 1e-9 is taken for
// half, a difference that no run's samples say anything of.
const halfSlack = 1e-9
