package calibrate

import (
	"context"
	"time"
)

// The SYN probe's pace.
const (
	// stagger separates the connects' first SYNs, so that their timers
	// land on different phases of the kernel's timer wheel (13 ms is no
	// multiple of a wheel granularity at HZ 100, 250 or 1000).
	stagger = 13 * time.Millisecond
	// pollEvery is how often each connect's TCP_INFO is read: a
	// retransmission is seen at most this much after it is sent.
	pollEvery = 2 * time.Millisecond
	// overrun is how long past its nominal end a probe may last before it
	// is given up: far beyond any lateness the timer wheel allows.
	overrun = 30 * time.Second
)

// synPlan is what the SYN probe is to measure.
type synPlan struct {
	connects int
	full     bool
	nominal  []time.Duration // the nominal retransmission offsets
	giveUp   time.Duration   // the nominal give-up offset
	progress func(Step)
}

// want is how many retransmissions a quick probe waits for: those
// nominally due within QuickHorizon.
func (p synPlan) want() int {
	n := 0
	for n < len(p.nominal) && p.nominal[n] <= QuickHorizon {
		n++
	}
	return n
}

// end is the nominal offset of the last event the probe waits for.
func (p synPlan) end() time.Duration {
	if p.full {
		return p.giveUp
	}
	if n := p.want(); n > 0 {
		return p.nominal[n-1]
	}
	return 0
}

// observed is what the probe saw: for each connect, the offset of each
// retransmission and of the give-up (0 if not seen). spread, when set, is
// each retransmission's least and greatest offset over more connects than
// seen lists (the release probe's).
type observed struct {
	seen   [][]time.Duration
	gaveUp []time.Duration
	spread [][2]time.Duration
}

// sleepCtx sleeps for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
