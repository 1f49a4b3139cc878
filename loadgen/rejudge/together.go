package rejudge

import "github.com/conclab/conclab/loadgen/summary"

// Together is how often every judged target of a run agrees, over several
// runs, and how an exact model would fare: per run, the product of its
// targets' chances (Exact), since each target's replicas are drawn on
// their own. The runs' targets share a machine, and a stall that fails
// one may fail others: such a correlation only raises the chance that
// every target agrees, so the product leans toward calling the runs
// ordinary, not the other way.
type Together struct {
	// Runs are the runs with a verdict on some target; Agree, those where
	// every judged target agrees.
	Runs, Agree int
	// Exact is nil where some judged target's replicas were not judged
	// against each other (fewer than two of them).
	Exact *Exact
}

// TogetherOf counts the runs of sums with a verdict on some target, those
// where every judged target agrees, and each one's product of its judged
// targets' chances. Unjudged targets count in none of them.
func TogetherOf(sums []*summary.Summary) Together {
	all := Together{Exact: &Exact{}}
	for _, s := range sums {
		judged, agree, chance := 0, true, 1.0
		for _, t := range s.Targets {
			if t.Agrees == nil {
				continue
			}
			judged++
			agree = agree && *t.Agrees
			c, ok := chanceOf(t.Predicted)
			if !ok {
				all.Exact = nil
			}
			chance *= c
		}
		if judged == 0 {
			continue
		}
		all.Runs++
		if agree {
			all.Agree++
		}
		if all.Exact != nil {
			all.Exact.Chances = append(all.Exact.Chances, chance)
		}
	}
	return all
}
