package calibrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
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
	// fraction of a step: each measures every retransmission once, and
	// their spread is the retransmission's.
	releaseGrids = 2
	// fillTimeout is how long a dial to a listener may take before its
	// accept queue counts as full: far above a loopback handshake, far
	// below the first retransmission.
	fillTimeout = 300 * time.Millisecond
)

// released is one connect of the release probe: its listener's queue is
// full until freeAt after the connect's first SYN, when one queued
// connection is accepted; the connect gets in at the next retransmission.
type released struct {
	ln       *net.TCPListener
	fillers  []net.Conn
	accepted chan net.Conn // the connection accepted at freeAt
	freeAt   time.Duration
	done     time.Duration // when the dial returned, from its start
	err      error         // how it failed; nil when it got in
}

// probeByRelease measures the SYN retransmission schedule without reading
// any socket's retransmission counters, so on any OS: each connect is
// sent to a listener of its own whose accept queue is full, and the queue
// gets room at a known instant, freeAt; the dial then returns at the
// first retransmission after freeAt. The freeAt of releaseGrids grids of
// connects cover the plan, releaseStep apart, so each retransmission lets
// at least one connect of each grid in. A connect freed after the last
// retransmission waits until connect(2) gives up. Each grid gives one
// sequence of retransmissions (observed.seen) and, for a full plan, one
// give-up.
func probeByRelease(ctx context.Context, plan synPlan, horizon time.Duration) (observed, error) {
	capacity, err := queueCapacity(ctx)
	if err != nil {
		return observed{}, err
	}
	var grids [][]*released
	defer func() {
		for _, g := range grids {
			for _, r := range g {
				r.close()
			}
		}
	}()
	for g := range releaseGrids {
		offset := releaseStep/10 + time.Duration(g)*releaseStep/releaseGrids
		var grid []*released
		for at := offset; at < horizon; at += releaseStep {
			r, err := newReleased(ctx, capacity, at)
			if err != nil {
				return observed{}, err
			}
			grid = append(grid, r)
		}
		grids = append(grids, grid)
	}
	runReleased(ctx, grids, plan)
	var obs observed
	for _, g := range grids {
		seen, gaveUp, err := readGrid(g, plan.full)
		if err != nil {
			return observed{}, err
		}
		obs.seen = append(obs.seen, seen)
		obs.gaveUp = append(obs.gaveUp, gaveUp)
	}
	return obs, nil
}

// queueCapacity is how many connections a backlog-0 listener's accept
// queue holds here (1 on Linux): dials until one does not get in within
// fillTimeout.
func queueCapacity(ctx context.Context) (int, error) {
	ln, err := backlogZeroListener()
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
	for len(conns) < 16 {
		c, err := dialer.DialContext(ctx, "tcp4", ln.Addr().String())
		if err != nil {
			if len(conns) == 0 {
				return 0, fmt.Errorf("listener: the first connect: %w", err)
			}
			return len(conns), nil
		}
		conns = append(conns, c)
	}
	return 0, errors.New("listener: a backlog-0 accept queue took 16 connections without filling")
}

// backlogZeroListener listens on 127.0.0.1 with backlog 0: net.Listen
// uses somaxconn, and listen(2) again on the socket sets the backlog.
func backlogZeroListener() (*net.TCPListener, error) {
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
	if err := rc.Control(func(fd uintptr) { lerr = unix.Listen(int(fd), 0) }); err != nil || lerr != nil {
		ln.Close()
		return nil, fmt.Errorf("listener: listen backlog 0: %w", errors.Join(err, lerr))
	}
	return ln, nil
}

// newReleased opens a listener and fills its queue with capacity
// connections, which get in at once.
func newReleased(ctx context.Context, capacity int, freeAt time.Duration) (*released, error) {
	ln, err := backlogZeroListener()
	if err != nil {
		return nil, err
	}
	r := &released{ln: ln, freeAt: freeAt, accepted: make(chan net.Conn, 1)}
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

func (r *released) close() {
	r.ln.Close()
	for _, c := range r.fillers {
		c.Close()
	}
	select {
	case c := <-r.accepted:
		c.Close()
	default:
	}
}

// runReleased starts every connect, stagger apart so that their timers
// sample different phases of the kernel's, frees each listener at its
// connect's freeAt, and waits for every dial to end, or for the plan's
// end plus overrun.
func runReleased(ctx context.Context, grids [][]*released, plan synPlan) {
	ctx, cancel := context.WithTimeout(ctx, plan.end()+overrun)
	defer cancel()
	var wg sync.WaitGroup
	for _, g := range grids {
		for _, r := range g {
			wg.Go(func() { r.run(ctx) })
			if sleepCtx(ctx, stagger) != nil {
				break
			}
		}
	}
	wg.Wait()
}

// run dials r's listener, and accepts one queued connection at freeAt.
func (r *released) run(ctx context.Context) {
	addr := r.ln.Addr().String()
	started := time.Now()
	free := time.AfterFunc(r.freeAt, func() {
		if c, err := r.ln.Accept(); err == nil {
			r.accepted <- c
		}
	})
	// No timeout of its own: the kernel's give-up ends the dial.
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp4", addr)
	r.done = time.Since(started)
	free.Stop()
	if err != nil {
		r.err = err
		return
	}
	c.Close()
}

// readGrid turns one grid's dials into its retransmissions: sorted by
// freeAt, a dial that returned later than the previous one by more than
// the timers' spread (wheelSlack of the offset, and half a step) got in at
// the next retransmission. A dial that failed with ETIMEDOUT is the
// give-up (0 if none did, or the plan is quick).
func readGrid(grid []*released, full bool) (seen []time.Duration, gaveUp time.Duration, err error) {
	var got []time.Duration
	var timedOut []time.Duration
	for _, r := range grid {
		switch {
		case r.err == nil:
			got = append(got, r.done)
		case errors.Is(r.err, unix.ETIMEDOUT):
			timedOut = append(timedOut, r.done)
		case errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled):
			// Still waiting when the plan ended: a quick plan's last.
		default:
			return nil, 0, fmt.Errorf("a connect freed at %s: %w", r.freeAt, r.err)
		}
	}
	slices.Sort(got)
	var cluster []time.Duration
	for i, d := range got {
		if i > 0 && d-got[i-1] > time.Duration(wheelSlack*float64(got[i-1]))+releaseStep/2 {
			seen = append(seen, median(cluster))
			cluster = cluster[:0]
		}
		cluster = append(cluster, d)
	}
	if len(cluster) > 0 {
		seen = append(seen, median(cluster))
	}
	if full && len(timedOut) > 0 {
		slices.Sort(timedOut)
		gaveUp = median(timedOut)
	}
	return seen, gaveUp, nil
}

// median is the middle of sorted ds (the lower of the two middles).
func median(ds []time.Duration) time.Duration { return ds[(len(ds)-1)/2] }
