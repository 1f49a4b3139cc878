package calibrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// samples is how many times the accept delay and the sleep overshoot are
// measured.
const samples = 50

// acceptDelay measures how long after a dial returns a goroutine blocked
// in Accept returns with that connection: [median, max] in seconds, each
// sample clamped at 0 (Accept may return first).
func acceptDelay(ctx context.Context) ([2]float64, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return [2]float64{}, fmt.Errorf("listen: %w", err)
	}
	// Room for every accept, so the accepting goroutine never blocks on
	// a send after the loop below has stopped reading.
	accepted := make(chan time.Time, samples+1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range samples {
			c, err := ln.Accept()
			at := time.Now()
			if err != nil {
				return
			}
			c.Close()
			accepted <- at
		}
	})
	defer wg.Wait()
	defer ln.Close()
	dialer := net.Dialer{Timeout: time.Second}
	delays := make([]time.Duration, 0, samples)
	for range samples {
		c, err := dialer.DialContext(ctx, "tcp4", ln.Addr().String())
		dialed := time.Now()
		if err != nil {
			return [2]float64{}, fmt.Errorf("dial: %w", err)
		}
		at, err := receive(ctx, accepted)
		c.Close()
		if err != nil {
			return [2]float64{}, err
		}
		delays = append(delays, max(0, at.Sub(dialed)))
	}
	return medianMax(delays), nil
}

// receive waits up to 1 s for the next accept.
func receive(ctx context.Context, accepted <-chan time.Time) (time.Time, error) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case at := <-accepted:
		return at, nil
	case <-t.C:
		return time.Time{}, errors.New("accept did not return within 1s of a dial")
	case <-ctx.Done():
		return time.Time{}, context.Cause(ctx)
	}
}

// sleepOvershoot measures how much longer than asked a 1 ms time.Sleep
// lasts: [median, max] in seconds.
func sleepOvershoot(ctx context.Context) ([2]float64, error) {
	overshoots := make([]time.Duration, 0, samples)
	for range samples {
		if err := context.Cause(ctx); err != nil {
			return [2]float64{}, err
		}
		start := time.Now()
		time.Sleep(time.Millisecond)
		overshoots = append(overshoots, max(0, time.Since(start)-time.Millisecond))
	}
	return medianMax(overshoots), nil
}
