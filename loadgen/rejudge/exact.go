package rejudge

import "github.com/conclab/conclab/loadgen/summary"

// Exact is how a model that were exact would fare over a set of runs. The
// verdict's rule fails some of a run's own replicas, each judged against
// the others (summary.ReplicasDisagreeing), so even a run that is one
// more draw of the very simulation disagrees now and then: Chances holds,
// per run, the share of its replicas the rule passes. Set against the
// runs that agree, it says whether the model parts from the runs more
// often than its rule fails the model itself.
type Exact struct {
	Chances []float64
}

// chanceOf is the share of p's replicas that the rule passes; false where
// the summary did not count them.
func chanceOf(p *summary.Predicted) (float64, bool) {
	if p == nil || p.ReplicasDisagreeing == nil || p.Replicas < 2 {
		return 0, false
	}
	return 1 - float64(p.ReplicasDisagreeing.Any)/float64(p.Replicas), true
}

// Expected is how many of the runs an exact model would agree in.
func (e Exact) Expected() float64 {
	var sum float64
	for _, c := range e.Chances {
		sum += c
	}
	return sum
}

// AtMost is the chance that an exact model agrees in k of the runs or
// fewer: the runs are independent draws, each agreeing with its own
// chance (a Poisson binomial distribution). A small value says the runs
// that disagree are more than the rule's own failures explain.
func (e Exact) AtMost(k int) float64 {
	// agree[j] is the chance that exactly j of the runs so far agree.
	agree := []float64{1}
	for _, c := range e.Chances {
		next := make([]float64, len(agree)+1)
		for j, p := range agree {
			next[j] += p * (1 - c)
			next[j+1] += p * c
		}
		agree = next
	}
	var sum float64
	for j := 0; j <= k && j < len(agree); j++ {
		sum += agree[j]
	}
	return min(sum, 1)
}
