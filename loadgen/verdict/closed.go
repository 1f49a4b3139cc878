package verdict

import (
	"fmt"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/workload"
)

// comeBackTooSoon says why closed users' requests were refused (a 503 or
// a 429: a reset has causes of its own) where no replica refuses them,
// when some were: each was a user's next request,
// sent the moment the one before it ended for its client, and the server
// may still hold what that one held for a moment after its client saw it
// end. fasthttp frees its concurrency only once it has written the answer
// and closed the connection; a waiter leaves a semaphore's or a pool's
// queue only when the server has read its client's close. The simulation
// frees the hold at the instant the client sees the end, so it never
// refuses a user for its own previous request. Nothing in a run times the
// server's release, so the lab cannot replay it; the note counts the
// requests it may explain.
func comeBackTooSoon(users *workload.Users, reps predict.Replicas, measured []Measured) []string {
	if users == nil {
		return nil
	}
	n := 0
	for _, m := range measured {
		refused := m.Outcome == outcome.HTTP503 || m.Outcome == outcome.HTTP429
		if m.Seq < users.N() || m.Seq >= len(reps.Ends) || !refused || covered(reps.Ends[m.Seq], m.Outcome) {
			continue
		}
		n++
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("maybe why %d were refused where no replica refuses them: each was a user's next request, "+
		"sent the moment its previous one ended for the user (its answer or its give-up). The server may still hold what "+
		"the previous one held for a moment after that: fasthttp frees its concurrency only once it has written the answer "+
		"and closed the connection, and a waiter leaves a semaphore's or a pool's queue only when the server has read its "+
		"client's close. The simulation frees the hold at the instant the client sees the end, so it never refuses a user "+
		"for its own previous request; no run times the server's release, so the lab cannot replay it (docs/traffic.md)", n)}
}
