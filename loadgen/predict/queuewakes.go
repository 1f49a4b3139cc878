package predict

import (
	"slices"
	"time"
)

// A waiter's queue timeout is a Go timer, and the runtime fires its
// timers at its wakes: one wake, armed for the earliest timer, fires
// every timer due by then. Each timer it fires readies its waiter's
// goroutine into the P's runnext, which pushes the one readied before to
// the tail of the run queue, so the goroutine of the last timer fired
// runs first, and the others then in the order their timers fired, one
// after another. A timer that fires readies the waiter's parked select
// with its case, so a slot handed to the waiter after that is passed on;
// one handed before it wins. In the burst-after-deploy run of 2026-12-07
// 21:39:05 UTC, the 5 ms timeouts of codel-4's waiters 840, 843, 678 and
// 841 came due at 30.33517 to 30.33522 s: 841's goroutine refused it at
// 30.33525 s, then 842's, whose timer came due at 30.33523 s, at
// 30.33532 s, and 843's and 840's at 30.33558 and 30.33564 s. Over the
// twelve runs of that evening, in 318 of 493 close groups of three or
// more refusals the first refused was the latest due, and in 23 the
// earliest. A slot came free at 30.33569 s and went to 678, the newest
// still listed, which ran its work: its timer had not fired, which one
// wake for all of them does not explain (each P keeps its own timers,
// which the model does not).

// queueWakes reports whether the replica fires queue timers at the
// runtime's wakes: it has the run's steps between their goroutines.
func (e *engine) queueWakes() bool { return e.rng != nil && len(e.queueTimeoutStep) > 0 }

// armQueueTimer arms waiter r's queue timer, due at its queueDue: its
// goroutine runs at queueWake, or without the steps as late as
// queueTimeoutDue draws.
func (e *engine) armQueueTimer(r int) {
	due := e.st[r].queueDue
	if !e.queueWakes() {
		e.events.push(event{t: e.queueTimeoutDue(due), kind: kindQueueTimeout, idx: r})
		return
	}
	e.events.push(event{t: due, kind: kindQueueTimerDue, idx: r})
}

// queueTimerDue: waiter r's queue timer comes due. One still waiting
// joins the timers of the runtime's next wake, which the first of them
// arms as late as queueTimeoutDue draws. A waiter handed its slot before
// then has stopped its timer.
func (e *engine) queueTimerDue(r int) {
	if e.st[r].phase != phaseAppQueued {
		return
	}
	if len(e.queueTimersDue) == 0 { // the first arms the wake
		e.queueWakeFrom = e.now
		e.events.push(event{t: e.queueTimeoutDue(e.now), kind: kindQueueWake})
	}
	e.queueTimersDue = append(e.queueTimersDue, r)
}

// queueWake: the runtime fires the queue timers that came due, of the
// waiters still waiting. The goroutine of the last one fired runs now,
// and the others in the order they fired, each a step later than the one
// before, drawn among the run's steps of the wake's moment: when its
// earliest timer came due, as the verdict places them, or else among
// all of them: a wake of several timers has its goroutines run one after
// another even where the run had none then, while a wake's lateness
// without samples near it is none (queueTimeoutDue), as before. A step is
// at least a nanosecond, so that goroutines keep their order at one
// instant.
func (e *engine) queueWake() {
	// A waiter that got its slot or lost its client since its timer came
	// due has stopped the timer.
	fired := slices.DeleteFunc(e.queueTimersDue, func(r int) bool { return e.st[r].phase != phaseAppQueued })
	e.queueTimersDue = fired[:0] // fired is read before anything appends
	if len(fired) == 0 {
		return
	}
	at := e.now
	for k := range fired {
		r := fired[(k+len(fired)-1)%len(fired)] // the last, then from the first
		if k > 0 {
			at += max(e.drawLocalTo(e.queueTimeoutStep, e.queueTimeoutStepAt, e.queueWakeFrom), time.Nanosecond)
		}
		e.st[r].queueTimerFired = true
		e.events.push(event{t: at, kind: kindQueueTimeout, idx: r})
	}
}
