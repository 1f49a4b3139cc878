package lab

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conclab/conclab/internal/workapi"
)

// Work is what one request asks the handler to do.
type Work struct {
	ID    string
	Sleep time.Duration
	CPU   time.Duration
	// Deadline is when the client gives up (workapi.DeadlineHeader); zero
	// when it did not say.
	Deadline time.Time
	// Accepted is when accept(2) returned the connection that carried
	// the request (workapi.Reply.Accepted); zero when not known.
	Accepted time.Time
	// SlotFreed is when the close that freed the slot its connection
	// took happened (SlotFreer); zero when no close freed it.
	SlotFreed time.Time
}

// ParseDeadline reads the value of workapi.DeadlineHeader; "" is none.
func ParseDeadline(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(workapi.DeadlineFormat, v)
	if err != nil {
		return t, &ParseError{Param: workapi.DeadlineHeader,
			Msg: fmt.Sprintf("%q is not an RFC 3339 time like 2026-12-02T09:30:00.123456789Z", truncate(v, 40))}
	}
	return t, nil
}

// ParseError is a bad query parameter; the server answers it with 400.
type ParseError struct {
	Param string
	Msg   string
}

func (e *ParseError) Error() string { return e.Param + ": " + e.Msg }

// ParseWork reads id, sleep and cpu through get (a query lookup), with the
// config's defaults. A duration is a Go duration ("30s", "1m") or a bare
// number of seconds ("1.5"); it must not exceed --max-sleep.
func ParseWork(get func(string) string, c Config) (Work, error) {
	w := Work{ID: get("id"), Sleep: c.Sleep, CPU: c.CPU}
	if len(w.ID) > 128 {
		return w, &ParseError{Param: "id", Msg: fmt.Sprintf("longer than 128 bytes (%d)", len(w.ID))}
	}
	var err error
	if w.Sleep, err = parseParam(get, "sleep", c.Sleep, c.MaxSleep); err != nil {
		return w, err
	}
	if w.CPU, err = parseParam(get, "cpu", c.CPU, c.MaxSleep); err != nil {
		return w, err
	}
	return w, nil
}

func parseParam(get func(string) string, name string, def, max time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(get(name))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || secs != secs { // NaN
			return 0, &ParseError{Param: name, Msg: fmt.Sprintf("%q is not a duration (use 30s, 1m or seconds)", truncate(v, 40))}
		}
		if secs < 0 || secs > max.Seconds() {
			return 0, rangeError(name, v, max)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 || d > max {
		return 0, rangeError(name, v, max)
	}
	return d, nil
}

func rangeError(name, v string, max time.Duration) error {
	return &ParseError{Param: name, Msg: fmt.Sprintf("%s is outside 0..%s (--max-sleep)", truncate(v, 40), max)}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Perform sleeps, then spins the CPU, as w asks. It stops early when ctx
// ends — the client left or the server is shutting down — and returns how
// much of each it did.
func Perform(ctx context.Context, w Work) (slept, spun time.Duration, err error) {
	start := time.Now()
	if w.Sleep > 0 {
		t := time.NewTimer(w.Sleep)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return time.Since(start), 0, ctx.Err()
		}
	}
	slept = time.Since(start)
	spun, err = spin(ctx, w.CPU)
	return slept, spun, err
}

// spin burns CPU for d of wall time, checking ctx every few microseconds.
func spin(ctx context.Context, d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, nil
	}
	start := time.Now()
	x := uint64(1)
	for {
		for i := 0; i < 4096; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		atomic.StoreUint64(&spinSink, x)
		el := time.Since(start)
		if el >= d {
			return el, nil
		}
		if ctx.Err() != nil {
			return el, ctx.Err()
		}
	}
}

// spinSink keeps the compiler from dropping the spin loop.
var spinSink uint64
