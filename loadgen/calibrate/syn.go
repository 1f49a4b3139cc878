package calibrate

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
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

// connect is one connecting socket whose SYNs the listener drops.
type connect struct {
	fd      int
	started time.Time       // just before connect(2): its first SYN
	seen    []time.Duration // when each retransmission was seen, from started
	gaveUp  time.Duration   // when ETIMEDOUT was seen; 0 while it tries
}

// observed is what the probe saw: for each connect, the offset of each
// retransmission and of the give-up (0 if not seen).
type observed struct {
	seen   [][]time.Duration
	gaveUp []time.Duration
}

// probeSyn fills the accept queue of a backlog-0 listener on 127.0.0.1,
// starts plan.connects non-blocking connects to it, and follows their
// retransmissions until the plan is done, ctx ends, or the nominal end
// plus overrun passes.
func probeSyn(ctx context.Context, plan synPlan) (observed, error) {
	lfd, port, filler, err := fullListener()
	if err != nil {
		return observed{}, err
	}
	defer unix.Close(lfd)
	defer filler.Close()
	conns := make([]*connect, 0, plan.connects)
	defer func() {
		for _, c := range conns {
			unix.Close(c.fd)
		}
	}()
	for i := range plan.connects {
		if i > 0 {
			if err := sleepCtx(ctx, stagger); err != nil {
				return observed{}, err
			}
		}
		c, err := startConnect(port)
		if err != nil {
			return observed{}, fmt.Errorf("connect %d: %w", i+1, err)
		}
		conns = append(conns, c)
	}
	w := watch{plan: plan, conns: conns, deadline: time.Now().Add(plan.end() + overrun)}
	if err := w.run(ctx); err != nil {
		return observed{}, err
	}
	var obs observed
	for _, c := range conns {
		obs.seen = append(obs.seen, c.seen)
		obs.gaveUp = append(obs.gaveUp, c.gaveUp)
	}
	return obs, nil
}

// watch polls the connects until the plan is done.
type watch struct {
	plan     synPlan
	conns    []*connect
	deadline time.Time
	reported int  // retransmissions reported through plan.progress
	gaveUp   bool // the give-up reported
}

func (w *watch) run(ctx context.Context) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !w.done() {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
		if time.Now().After(w.deadline) {
			return fmt.Errorf("still waiting %s past the nominal end, %s: %s",
				overrun, w.plan.end(), w.waitingFor())
		}
		for i, c := range w.conns {
			if c.gaveUp > 0 {
				continue
			}
			if err := c.poll(); err != nil {
				return fmt.Errorf("connect %d: %w", i+1, err)
			}
		}
		w.report()
	}
	return nil
}

// measured is how many retransmissions every connect has seen.
func (w *watch) measured() int {
	n := -1
	for _, c := range w.conns {
		if n < 0 || len(c.seen) < n {
			n = len(c.seen)
		}
	}
	return max(n, 0)
}

func (w *watch) allGaveUp() bool {
	for _, c := range w.conns {
		if c.gaveUp == 0 {
			return false
		}
	}
	return true
}

func (w *watch) done() bool {
	if w.plan.full {
		return w.allGaveUp()
	}
	return w.measured() >= w.plan.want()
}

func (w *watch) waitingFor() string {
	if w.plan.full && w.measured() >= len(w.plan.nominal) {
		return "not every connect has given up"
	}
	return fmt.Sprintf("retransmission %d not seen by every connect", w.measured()+1)
}

// report tells plan.progress of each retransmission every connect has
// now seen, and of the give-up.
func (w *watch) report() {
	if w.plan.progress == nil {
		return
	}
	for ; w.reported < w.measured(); w.reported++ {
		k := w.reported
		offsets := make([]time.Duration, len(w.conns))
		for i, c := range w.conns {
			offsets[i] = c.seen[k]
		}
		step := spreadOf(offsets)
		step.Retransmit = k + 1
		if k < len(w.plan.nominal) {
			step.Nominal = w.plan.nominal[k]
		}
		w.plan.progress(step)
	}
	if !w.gaveUp && w.allGaveUp() {
		w.gaveUp = true
		offsets := make([]time.Duration, len(w.conns))
		for i, c := range w.conns {
			offsets[i] = c.gaveUp
		}
		step := spreadOf(offsets)
		step.GiveUp, step.Nominal = true, w.plan.giveUp
		w.plan.progress(step)
	}
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
