package hub

import (
	"bufio"
	"cmp"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/scenario"
)

// DefaultReachWithin is how long a worker keeps trying to reach the hub
// before it gives up: loadgen opens the hub once its servers are up and
// predicted, which takes seconds, and a swarm may start the worker first.
const DefaultReachWithin = 3 * time.Minute

// WorkerOptions are a worker's, as `loadgen worker --hub` takes them.
type WorkerOptions struct {
	Hub  string // the hub's base URL: http://loadgen:9200
	Slot int    // 1 to the run's workers
	// ReachWithin bounds the tries to reach the hub; 0 means
	// DefaultReachWithin.
	ReachWithin time.Duration
}

// RunWorker is a worker of a hub: it takes its assignment, says it is
// ready, starts when the hub says, and streams every result back.
func RunWorker(ctx context.Context, o WorkerOptions) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a, err := fetchAssignment(ctx, o)
	if err != nil {
		return err
	}
	attacks, out, err := armWorker(ctx, a)
	if err != nil {
		return err
	}
	st := openStream(ctx, o, cancel)
	st.send(frame{Ready: true})
	heartbeat := st.beat(attacks, cmp.Or(a.StatusEvery, DefaultStatusEvery))
	start, err := getJSON[Start](ctx, o, PathStart)
	if err != nil {
		heartbeat.stop()
		if cause := context.Cause(ctx); cause != nil {
			err = cause // the stream's failure says more than the cancelled wait
		}
		_ = st.close(false)
		return fmt.Errorf("the start: %w", err)
	}
	local := time.Now().Add(start.In)
	heartbeat.align(local)
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for h := range out {
			// The coordinator's clock: an offset from the agreed start.
			h.r.Timestamp = start.At.Add(h.r.Timestamp.Sub(local))
			st.send(frame{Target: h.target, Result: h.r})
		}
	}()
	select {
	case <-time.After(time.Until(local)):
		restoreGC := attack.PauseGC()
		var wg sync.WaitGroup
		for _, at := range attacks {
			wg.Go(func() { at.Run(ctx) })
		}
		wg.Wait()
		restoreGC()
	case <-ctx.Done():
	}
	close(out)
	<-forwarded
	heartbeat.stop()
	if ctx.Err() != nil {
		// Stopped (SIGTERM, or the stream failed): the hub must not take
		// this for a whole share.
		_ = st.close(false)
		return cmp.Or(context.Cause(ctx), ctx.Err())
	}
	st.send(frame{Counts: counts(attacks), Final: true})
	return st.close(true)
}

// result is one hit on its way to the stream.
type result struct {
	target int
	r      *vegeta.Result
}

// armWorker prepares an attack per target of the assignment, which send
// their results to out.
func armWorker(ctx context.Context, a Assignment) ([]*attack.Attack, chan result, error) {
	s, err := scenario.Read("the hub's scenario", strings.NewReader(a.Scenario))
	if err != nil {
		return nil, nil, err
	}
	sched := s.Schedule()
	out := make(chan result, 4096)
	var attacks []*attack.Attack
	for i, t := range a.Targets {
		opt := attack.Options{Name: t.Name, URL: t.URL, Schedule: sched, Offset: t.Offset,
			Timeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout), KeepAlive: s.KeepAlive,
			Shard: a.Shard, Shards: a.Workers}
		at, err := attack.New(ctx, opt, func(h attack.Hit) {
			out <- result{target: i, r: h.Result}
		})
		if err != nil {
			return nil, nil, err
		}
		attacks = append(attacks, at)
	}
	return attacks, out, nil
}

// counts are the attacks' counters now.
func counts(attacks []*attack.Attack) []Counts {
	out := make([]Counts, len(attacks))
	for i, a := range attacks {
		c := &a.Counters
		out[i] = Counts{Sent: c.Sent.Load(), Done: c.Done.Load(), Inflight: c.Inflight.Load(), OK: c.OK.Load(), Errors: c.Errors.Load()}
	}
	return out
}

// fetchAssignment asks the hub for the slot's assignment until it has it,
// ReachWithin passes, or the hub turns the worker away.
func fetchAssignment(parent context.Context, o WorkerOptions) (Assignment, error) {
	within := cmp.Or(o.ReachWithin, DefaultReachWithin)
	reached := time.Now() // when the hub last answered, or the first try
	ctx := parent
	for {
		a, err := getJSON[Assignment](ctx, o, PathAssignment)
		var retry *notYet
		if !errors.As(err, &retry) {
			return a, err
		}
		if retry.answered {
			// The hub is there and not ready yet (its targets still
			// starting): wait for it as long as it answers.
			reached = time.Now()
		}
		select {
		case <-time.After(500 * time.Millisecond):
			if time.Since(reached) < within {
				continue
			}
		case <-parent.Done():
			return a, parent.Err()
		}
		return a, fmt.Errorf("the hub at %s did not answer within %s: %w", o.Hub, within, retry.err)
	}
}

// notYet is an answer worth asking again for: no hub listening yet, or
// (answered) one not ready to answer.
type notYet struct {
	err      error
	answered bool
}

func (e *notYet) Error() string { return e.err.Error() }

func (e *notYet) Unwrap() error { return e.err }

// getJSON asks the hub for path, for the worker's slot.
func getJSON[T any](ctx context.Context, o WorkerOptions, path string) (T, error) {
	var v T
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.url(path), nil)
	if err != nil {
		return v, fmt.Errorf("--hub: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return v, err
		}
		return v, &notYet{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		return v, &notYet{err: fmt.Errorf("%s", resp.Status), answered: true}
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return v, fmt.Errorf("the hub at %s: %s: %s", o.Hub, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return v, fmt.Errorf("the hub at %s: %s: %w", o.Hub, path, err)
	}
	return v, nil
}

// url is the hub's path for the worker's slot.
func (o WorkerOptions) url(path string) string {
	return strings.TrimSuffix(o.Hub, "/") + path + "?slot=" + url.QueryEscape(strconv.Itoa(o.Slot))
}

// stream is the worker's frames on their way to the hub, in one POST.
type stream struct {
	mu   sync.Mutex
	enc  *gob.Encoder
	buf  *bufio.Writer
	pw   *io.PipeWriter
	err  error
	resp chan error // the POST's outcome
}

// openStream starts the POST of the worker's frames; a stream that fails
// cancels the worker.
func openStream(ctx context.Context, o WorkerOptions, cancel context.CancelCauseFunc) *stream {
	pr, pw := io.Pipe()
	buf := bufio.NewWriterSize(pw, 64<<10)
	st := &stream{enc: gob.NewEncoder(buf), buf: buf, pw: pw, resp: make(chan error, 1)}
	go func() {
		err := post(ctx, o.url(PathStream), pr)
		if err != nil {
			err = fmt.Errorf("the hub at %s: the results: %w", o.Hub, err)
			cancel(err)
		}
		_ = pr.CloseWithError(cmp.Or(err, io.ErrClosedPipe))
		st.resp <- err
	}()
	return st
}

func post(ctx context.Context, u string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// send writes f; a frame that carries counters is flushed at once, with
// the results before it. After an error, frames are dropped.
func (st *stream) send(f frame) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err != nil {
		return
	}
	st.err = st.enc.Encode(&f)
	if st.err == nil && (f.Counts != nil || f.Ready) {
		st.err = st.buf.Flush()
	}
}

// beat sends the attacks' counters every period until its stop. Before
// align gives it the schedule's start, its frames only keep the stream
// alive (Tick 0). From then on it reads the counters on the start's grid,
// tick k at start + k periods, as every worker of the run does, so that
// the hub can add up counters that were all read at one instant.
func (st *stream) beat(attacks []*attack.Attack, every time.Duration) *heartbeat {
	hb := &heartbeat{start: make(chan time.Time, 1), done: make(chan struct{})}
	hb.wg.Go(func() {
		var origin time.Time
		timer := time.NewTimer(every)
		defer timer.Stop()
		for {
			select {
			case <-hb.done:
				return
			case origin = <-hb.start:
				_, next := gridTick(origin, every, time.Now())
				timer.Reset(time.Until(next))
			case <-timer.C:
				tick, next := gridTick(origin, every, time.Now())
				st.send(frame{Counts: counts(attacks), Tick: tick})
				timer.Reset(time.Until(next))
			}
		}
	})
	return hb
}

// heartbeat is a worker's beat.
type heartbeat struct {
	start chan time.Time
	done  chan struct{}
	wg    sync.WaitGroup
}

// align puts the beat on the grid of a schedule that starts at start.
func (hb *heartbeat) align(start time.Time) { hb.start <- start }

// stop ends the beat, and returns once it has.
func (hb *heartbeat) stop() {
	close(hb.done)
	hb.wg.Wait()
}

// gridTick is the tick of the grid of a schedule that started at origin
// that counters read at now belong to (0 before the first tick, or while
// origin is unknown), and when the next beat is due: the next tick, or a
// period from now while there is none yet, to keep the stream alive.
func gridTick(origin time.Time, every time.Duration, now time.Time) (tick int64, next time.Time) {
	first := origin.Add(every)
	if origin.IsZero() || now.Before(first) {
		next = now.Add(every)
		if !origin.IsZero() && next.After(first) {
			next = first
		}
		return 0, next
	}
	tick = int64(now.Sub(origin) / every)
	return tick, origin.Add(time.Duration(tick+1) * every)
}

// close ends the stream, whole or not, and returns what failed.
func (st *stream) close(whole bool) error {
	st.mu.Lock()
	err := st.err
	if err == nil {
		err = st.buf.Flush()
	}
	st.mu.Unlock()
	if !whole || err != nil {
		_ = st.pw.CloseWithError(cmp.Or(err, errors.New("the worker gave up")))
	} else {
		_ = st.pw.Close()
	}
	if perr := <-st.resp; perr != nil {
		return perr
	}
	return err
}
