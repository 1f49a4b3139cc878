package calibrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The release probe's grid (doc.go, "Off Linux").
const (
	// releaseStep separates the instants at which successive connects'
	// listeners are given room: less than half the smallest gap between
	// two retransmissions (1 s), so that each gap holds at least one.
	releaseStep = 400 * time.Millisecond
	// releaseGrids is how many grids run at once, each offset by a
	// fraction of a step: each measures every retransmission once.
	releaseGrids = 2
	// releaseBacklog is the probe listeners' backlog. Not 0: xnu takes a
	// backlog of 0 as somaxconn. Linux's queue then holds 2, xnu's 1.
	releaseBacklog = 1
	// maxReleaseHorizon bounds the time a release probe covers, and with
	// it its sockets: 2 grids of a listener per step, each with its
	// queue's connections and a connect.
	maxReleaseHorizon = 5 * time.Minute
	// fillTimeout is how long a dial to a listener may take before its
	// accept queue counts as full: far above a loopback handshake, far
	// below the first retransmission.
	fillTimeout = 300 * time.Millisecond
)

// newDialer makes the probe's connects; tests shorten their SYN retries.
var newDialer = func() *net.Dialer { return &net.Dialer{} }

// released is one connect of the release probe: its listener's queue is
// full until freeAt after the connect's first SYN, when one queued
// connection is accepted; the connect gets in at the next retransmission.
type released struct {
	ln       *net.TCPListener
	fillers  []net.Conn // the connections that fill its queue
	freeAt   time.Duration
	done     time.Duration // when the dial ended, from its start
	err      error         // how it failed; nil when it got in
	accepted net.Conn
}

// probeByRelease measures the SYN retransmission schedule without reading
// any socket's retransmission counters, so on any OS: each connect is
// sent to a listener of its own whose accept queue is full, and the queue
// gets room at a known instant, freeAt; the dial then returns at the
// first retransmission after freeAt. The freeAt of releaseGrids grids of
// connects cover the horizon, releaseStep apart, so each retransmission
// lets at least one connect of each grid in. A connect freed after the
// last retransmission waits until connect(2) gives up. Each grid gives
// one sequence of retransmissions (observed.seen), the spread of each
// over every connect that saw it, and, for a full plan, one give-up.
func probeByRelease(ctx context.Context, plan synPlan, horizon time.Duration) (observed, error) {
	if horizon > maxReleaseHorizon {
		return observed{}, fmt.Errorf("the connect timeout %s is above the release probe's %s", horizon, maxReleaseHorizon)
	}
	capacity, err := queueCapacity(ctx)
	if err != nil {
		return observed{}, err
	}
	grids := make([][]*released, releaseGrids)
	defer func() {
		for _, g := range grids {
			for _, r := range g {
				r.close()
			}
		}
	}()
	for g := range grids {
		offset := releaseStep/10 + time.Duration(g)*releaseStep/releaseGrids
		for at := offset; at < horizon; at += releaseStep {
			r, err := newReleased(ctx, capacity, at)
			if err != nil {
				return observed{}, errors.Join(context.Cause(ctx), err)
			}
			grids[g] = append(grids[g], r)
		}
	}
	runReleased(ctx, grids, plan)
	if err := context.Cause(ctx); err != nil {
		return observed{}, err
	}
	return readGrids(grids, plan.full)
}

// queueCapacity is how many connections a probe listener's accept queue
// holds here: dials until one does not get in within fillTimeout.
func queueCapacity(ctx context.Context) (int, error) {
	ln, err := probeListener()
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	dialer := net.Dialer{Timeout: fillTimeout}
	for len(conns) < 8 {
		c, err := dialer.DialContext(ctx, "tcp4", ln.Addr().String())
		switch {
		case err != nil && ctx.Err() != nil:
			return 0, context.Cause(ctx)
		case err != nil && len(conns) == 0:
			return 0, fmt.Errorf("listener: the first connect: %w", err)
		case err != nil:
			return len(conns), nil
		}
		conns = append(conns, c)
	}
	return 0, fmt.Errorf("listener: an accept queue of backlog %d took %d connections without filling", releaseBacklog, len(conns))
}

// probeListener listens on 127.0.0.1 with releaseBacklog: net.Listen
// uses somaxconn, and listen(2) again on the socket sets the backlog.
func probeListener() (*net.TCPListener, error) {
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("listener: %w", err)
	}
	rc, err := ln.SyscallConn()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listener: %w", err)
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = unix.Listen(int(fd), releaseBacklog) }); err != nil || lerr != nil {
		ln.Close()
		return nil, fmt.Errorf("listener: listen backlog %d: %w", releaseBacklog, errors.Join(err, lerr))
	}
	return ln, nil
}

// newReleased opens a listener and fills its queue with capacity
// connections, which get in at once.
func newReleased(ctx context.Context, capacity int, freeAt time.Duration) (*released, error) {
	ln, err := probeListener()
	if err != nil {
		return nil, err
	}
	r := &released{ln: ln, freeAt: freeAt}
	dialer := net.Dialer{Timeout: fillTimeout}
	for range capacity {
		c, err := dialer.DialContext(ctx, "tcp4", ln.Addr().String())
		if err != nil {
			r.close()
			return nil, fmt.Errorf("listener: a filling connect: %w", err)
		}
		r.fillers = append(r.fillers, c)
	}
	return r, nil
}

// close closes r's listener and connections; r.run has returned.
func (r *released) close() {
	r.ln.Close()
	for _, c := range append(r.fillers, r.accepted) {
		if c != nil {
			c.Close()
		}
	}
}

// runReleased starts every connect, stagger apart so that their timers
// sample different phases of the kernel's, and waits for every dial to
// end, or for the plan's end plus overrun.
func runReleased(ctx context.Context, grids [][]*released, plan synPlan) {
	ctx, cancel := context.WithTimeout(ctx, plan.end()+overrun)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, g := range grids {
		for _, r := range g {
			wg.Go(func() { r.run(ctx) })
			if sleepCtx(ctx, stagger) != nil {
				return
			}
		}
	}
}

// run dials r's listener, and accepts one queued connection at freeAt.
// The accept cannot block: the queue is full until it runs.
func (r *released) run(ctx context.Context) {
	stop := make(chan struct{})
	freed := make(chan struct{})
	started := time.Now()
	go func() {
		defer close(freed)
		t := time.NewTimer(r.freeAt)
		defer t.Stop()
		select {
		case <-t.C:
			r.accepted, _ = r.ln.Accept()
		case <-stop:
		}
	}()
	// No timeout of its own: the kernel's give-up ends the dial.
	c, err := newDialer().DialContext(ctx, "tcp4", r.ln.Addr().String())
	r.done, r.err = time.Since(started), err
	close(stop)
	<-freed
	if err == nil {
		c.Close()
	}
}

// readGrids reads each grid's retransmissions and give-up. Every grid
// must see the same number of retransmissions: one that merged or split
// one would pair the wrong offsets.
func readGrids(grids [][]*released, full bool) (observed, error) {
	var obs observed
	for i, g := range grids {
		seen, spread, gaveUp, err := readGrid(g, full)
		if err != nil {
			return observed{}, err
		}
		if i > 0 && len(seen) != len(obs.seen[0]) {
			return observed{}, fmt.Errorf("one grid of connects saw %d retransmissions, another %d", len(obs.seen[0]), len(seen))
		}
		obs.seen = append(obs.seen, seen)
		obs.gaveUp = append(obs.gaveUp, gaveUp)
		for k, s := range spread {
			if k == len(obs.spread) {
				obs.spread = append(obs.spread, s)
			}
			obs.spread[k] = [2]time.Duration{min(obs.spread[k][0], s[0]), max(obs.spread[k][1], s[1])}
		}
	}
	return obs, nil
}

// readGrid turns one grid's dials, in freeAt order, into its
// retransmissions: a dial got in at the next retransmission when it got
// in later than the previous dial by more than half a step and more than
// wheelSlack of the offset. Two connects' timers for one retransmission
// differ by less (their phases on the timer wheel); two retransmissions
// are 1 s apart at least. When a dial was freed is no guide near a
// retransmission: a connect whose timer fired a few ms before another's
// may be freed between the two and get in only at the next one. Each
// retransmission is the median of its dials' offsets,
// with their least and greatest. A dial that failed with ETIMEDOUT is the
// give-up (0 for a quick plan); one still waiting at the end of a full
// plan, or that got in before its listener had room, is an error.
func readGrid(grid []*released, full bool) (seen []time.Duration, spread [][2]time.Duration, gaveUp time.Duration, err error) {
	var cluster, timedOut []time.Duration
	var last *released // the last dial that got in
	closeCluster := func() {
		s := spreadOf(cluster)
		seen, spread = append(seen, s.Median), append(spread, [2]time.Duration{s.Min, s.Max})
		cluster = cluster[:0]
	}
	for _, r := range grid {
		switch {
		case r.err == nil && r.done < r.freeAt:
			return nil, nil, 0, fmt.Errorf("a connect got in after %s, before its listener had room at %s: the queue was not full", r.done, r.freeAt)
		case r.err == nil:
			if last != nil && r.done-last.done > max(releaseStep/2, time.Duration(wheelSlack*float64(last.done))) {
				closeCluster()
			}
			cluster, last = append(cluster, r.done), r
		case errors.Is(r.err, unix.ETIMEDOUT):
			timedOut = append(timedOut, r.done)
		case !full && errors.Is(r.err, context.DeadlineExceeded):
			// A quick plan's last dials, still waiting at its end.
		default:
			return nil, nil, 0, fmt.Errorf("a connect freed at %s: %w", r.freeAt, r.err)
		}
	}
	if len(cluster) > 0 {
		closeCluster()
	}
	if full {
		if len(timedOut) == 0 {
			return nil, nil, 0, errors.New("no connect timed out: the probe did not reach the give-up")
		}
		gaveUp = spreadOf(timedOut).Median
	}
	return seen, spread, gaveUp, nil
}
