package rejudge

import (
	"slices"

	"github.com/conclab/conclab/loadgen/summary"
)

// Tally is one target's verdicts over several runs: how often it agrees,
// and where each run's counts lie among that run's replicas
// (summary.Predicted.Rank). A model that is right has its runs agree about
// as often as its replicas agree with each other, and their ranks spread
// evenly over 0 to 1; ranks bunched at one end say which way it errs.
type Tally struct {
	Target string
	// Runs are the runs that judged the target; Agree, those where it
	// agreed.
	Runs, Agree int
	// Ranks are, by compared count, the runs' ranks, ascending.
	Ranks map[string][]float64
	// Exact is how an exact model would fare over the same runs; nil
	// where some run's replicas were not judged against each other
	// (fewer than two of them).
	Exact *Exact
}

// TallyOf tallies the judged targets of sums, in the order they first
// appear.
func TallyOf(sums []*summary.Summary) []Tally {
	var out []Tally
	for _, s := range sums {
		for _, t := range s.Targets {
			if t.Agrees == nil {
				continue
			}
			i := slices.IndexFunc(out, func(c Tally) bool { return c.Target == t.Name })
			if i < 0 {
				out = append(out, Tally{Target: t.Name, Ranks: map[string][]float64{}, Exact: &Exact{}})
				i = len(out) - 1
			}
			c := &out[i]
			c.Runs++
			if *t.Agrees {
				c.Agree++
			}
			if chance, ok := chanceOf(t.Predicted); ok && c.Exact != nil {
				c.Exact.Chances = append(c.Exact.Chances, chance)
			} else {
				c.Exact = nil
			}
			if t.Predicted == nil {
				continue
			}
			for k, r := range t.Predicted.Rank {
				c.Ranks[k] = append(c.Ranks[k], r)
			}
		}
	}
	for _, c := range out {
		for _, r := range c.Ranks {
			slices.Sort(r)
		}
	}
	return out
}
