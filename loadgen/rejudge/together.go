package rejudge

import "github.com/conclab/conclab/loadgen/summary"

// Together is how often every judged target of a run agrees, over several
// runs, and how an exact model would fare: per run, the product of its
// targets' chances (Exact), since each target's replicas are drawn on
// their own.
type Together struct {
	// Runs are the runs with a verdict on some target; Agree, those where
	// every judged target agrees.
	Runs, Agree int
	// Exact is nil where some target's summary did not count its
	// replicas' failures.
	Exact *Exact
}

// TogetherOf tallies sums as Together does.
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
