package predict

import (
	"cmp"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// RefusalStorm is how late after one turn of a server's releases the
// goroutines of the waiters it refused wrote their answers, as a run
// measured them. A deadline queue refuses all its hopeless waiters under
// one lock and readies their goroutines at once; Go's scheduler then runs
// them over as long as their writes take (306 in 18 ms in a
// burst-after-deploy run of 2026-12-06), and not in the order it readied
// them: a P's run queue holds 256 goroutines and moves half of a full one
// to the global queue, and an idle P steals half of a busy one's, so
// whole chunks of waiters run last. A waiter whose client gives up before
// its goroutine runs times out instead of getting its 503.
type RefusalStorm struct {
	// At is when the turn's first refusing release came, on the
	// schedule's clock.
	At time.Duration
	// Delays are, by rank in the order the releases readied the waiters
	// (the queue's order), how long after At each one's goroutine ran.
	Delays []time.Duration
}

// StormJoin is how long after a turn's first refusing release a later
// refusing release still belongs to that turn, in a replica and in the
// run's storms (loadgen/verdict): the slots of a deadline queue that turn
// in lockstep free within a few milliseconds of each other, and a turn is
// a work (100 ms in burst-after-deploy) from the next.
const StormJoin = 5 * time.Millisecond

// refuse ends queued request r with a 503, written when its goroutine
// runs. The server takes it off its queue's list now, and its gauge when
// the goroutine runs. In a replica that follows the run's refusal storms
// it runs as late after this turn's first refusal as the run's waiter of
// its rank did in the storm of the moment (Spread.RefusalStorms), or else
// PerRefusal for each waiter refused before it in the turn; a client that
// gives up before then times out (clientDeadline). A turn takes the
// refusing releases of StormJoin from its first.
func (e *engine) refuse(r int) {
	if e.storms == nil {
		e.leaveQueue(r)
		e.end(r, outcome.HTTP503)
		return
	}
	if e.stormRank == 0 || e.now-e.stormAt > StormJoin {
		e.stormAt, e.stormRank, e.storm = e.now, 0, e.stormOfMoment()
	}
	at := max(e.now, e.stormAt+e.stormDelay(e.stormRank))
	e.stormRank++
	e.unlist()
	e.st[r].phase = phaseRefusing
	e.events.push(event{t: at, kind: kindRefusalWritten, idx: r})
}

// stormOfMoment is the run's storm nearest now within localWindow; nil
// when there is none.
func (e *engine) stormOfMoment() *RefusalStorm {
	i, _ := slices.BinarySearchFunc(e.storms, e.now, func(s RefusalStorm, t time.Duration) int {
		return cmp.Compare(s.At, t)
	})
	var best *RefusalStorm
	for _, k := range []int{i - 1, i} {
		if k < 0 || k >= len(e.storms) {
			continue
		}
		d := e.storms[k].At - e.now
		if d.Abs() <= localWindow && (best == nil || d.Abs() < (best.At-e.now).Abs()) {
			best = &e.storms[k]
		}
	}
	return best
}

// stormDelay is how long after the turn's first refusal the waiter of
// rank k ran: the run storm's, beyond its last rank PerRefusal more for
// each.
func (e *engine) stormDelay(k int) time.Duration {
	s := e.storm
	if s == nil || len(s.Delays) == 0 {
		return time.Duration(k) * e.perRefusal
	}
	if k < len(s.Delays) {
		return s.Delays[k]
	}
	return s.Delays[len(s.Delays)-1] + time.Duration(k-len(s.Delays)+1)*e.perRefusal
}
