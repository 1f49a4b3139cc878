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
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/runfolder"
)

// The hub's waits, unless Options say otherwise.
const (
	// DefaultJoinWithin is how long a run waits for its workers to be
	// ready: a swarm places a task and starts its container in seconds
	// when the image is on the node.
	DefaultJoinWithin = time.Minute
	// DefaultSilence is how long a worker's stream may carry nothing
	// before the worker counts as lost: it sends its counters every
	// DefaultStatusEvery at least, so a stream this quiet belongs to a worker, or a node,
	// that is gone.
	DefaultSilence = 15 * time.Second
	// DefaultStatusEvery is how often a worker sends its counters, unless
	// the run asks for more often.
	DefaultStatusEvery = 250 * time.Millisecond
)

// Options configure a hub.
type Options struct {
	Workers int              // how many workers the run waits for
	Folder  runfolder.Folder // where their results go, as shard .bin files
	// JoinWithin and Silence: 0 means DefaultJoinWithin, DefaultSilence.
	JoinWithin, Silence time.Duration
	// Progress hears, now and then, how many workers are ready.
	Progress io.Writer
	// StatusEvery is how often each worker sends its counters, which feed
	// the samples of client in-flight requests: a run asks for a quarter
	// of its sampling period, so that no sample is older than that. 0
	// means DefaultStatusEvery.
	StatusEvery time.Duration
}

// Hub is the coordinator's side: it hands out assignments, agrees on the
// start, and takes each worker's results into the run folder.
type Hub struct {
	opt Options
	ln  net.Listener
	srv *http.Server

	mu         sync.Mutex
	assignment *Assignment // nil until Arm
	targets    []*Target
	slots      []*slot
	readyCount int
	allReady   chan struct{} // closed when every slot is ready
	gathered   bool          // Gather is over: late workers are turned away
	start      *Start        // nil until Begin
	begun      chan struct{} // closed by Begin
	beginOnce  sync.Once
	ending     bool // the run is over: streams still open are cut
}

// slot is one worker's state.
type slot struct {
	n         int // 1-based
	joined    bool
	ready     bool
	streaming bool
	done      chan struct{} // closed when its stream ended, whole or not
	final     bool
	lost      string   // why its results are missing; "" when they are not
	counts    []Counts // its latest counters, per target
	received  []int    // results taken, per target
	bins      []*runfolder.BinWriter
	rc        *http.ResponseController // its stream's, while it is open
	cut       bool                     // its stream is to end now
	ended     bool                     // its stream is over
	// ticks are its counters of its latest ticks on the grid, oldest
	// first, at most keptTicks of them.
	ticks []tickCounts
}

// errCut ends a stream that the run no longer reads.
var errCut = errors.New("the run stopped reading this worker's stream")

// Listen starts a hub on addr.
func Listen(addr string, opt Options) (*Hub, error) {
	if opt.Workers < 1 {
		return nil, fmt.Errorf("workers: %d, must be at least 1", opt.Workers)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--hub: %w", err)
	}
	h := &Hub{opt: opt, ln: ln, allReady: make(chan struct{}), begun: make(chan struct{})}
	h.opt.JoinWithin = cmp.Or(opt.JoinWithin, DefaultJoinWithin)
	h.opt.Silence = cmp.Or(opt.Silence, DefaultSilence)
	for n := 1; n <= opt.Workers; n++ {
		h.slots = append(h.slots, &slot{n: n, done: make(chan struct{})})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathAssignment, h.serveAssignment)
	mux.HandleFunc("POST "+PathStream, h.serveStream)
	mux.HandleFunc("GET "+PathStart, h.serveStart)
	h.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// Addr is the address the hub listens on.
func (h *Hub) Addr() string { return h.ln.Addr().String() }

// Close stops the hub, cutting what is still open.
func (h *Hub) Close() error { return h.srv.Close() }

// Target is a target whose schedule the workers send, in the order Arm
// hands them out; opt is its attack as loadgen would send it whole.
func (h *Hub) Target(opt attack.Options) *Target {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := &Target{hub: h, index: len(h.targets), opt: opt}
	t.opt.Shards = h.opt.Workers
	h.targets = append(h.targets, t)
	return t
}

// Arm makes the assignments, with the run's resolved scenario, and lets
// the workers have them.
func (h *Hub) Arm(scenario []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := &Assignment{Workers: h.opt.Workers, Scenario: string(scenario),
		StatusEvery: min(cmp.Or(h.opt.StatusEvery, DefaultStatusEvery), DefaultStatusEvery)}
	for _, t := range h.targets {
		a.Targets = append(a.Targets, AssignedTarget{Name: t.opt.Name, URL: t.opt.URL, Offset: t.opt.Offset})
	}
	for _, s := range h.slots {
		s.counts = make([]Counts, len(h.targets))
		s.received = make([]int, len(h.targets))
		s.bins = make([]*runfolder.BinWriter, len(h.targets))
	}
	h.assignment = a
}

// Gather waits until every worker is ready, JoinWithin has passed, or ctx
// is done. A worker not ready by then is lost, and turned away should it
// come later: its share of each schedule is not sent. It returns how many
// workers are ready.
func (h *Hub) Gather(ctx context.Context) int {
	if h.isGathered() {
		return h.ready()
	}
	deadline := time.NewTimer(h.opt.JoinWithin)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
wait:
	for {
		select {
		case <-h.allReady:
			break wait
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			break wait
		case <-tick.C:
			h.say("waiting for workers: %d of %d ready", h.ready(), h.opt.Workers)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gathered = true
	for _, s := range h.slots {
		if !s.ready {
			s.lost = fmt.Sprintf("did not join within %s (not placed, or it could not start or reach loadgen)", h.opt.JoinWithin)
			if ctx.Err() != nil {
				s.lost = "had not joined when the run was interrupted"
			}
			if s.streaming {
				s.cutLocked() // end() closes done
			} else {
				close(s.done)
			}
		}
	}
	h.sayLocked("%d of %d workers ready", h.readyCount, h.opt.Workers)
	return h.readyCount
}

// Begin tells the ready workers that the schedule starts at start; the
// first call decides.
func (h *Hub) Begin(start time.Time) {
	h.beginOnce.Do(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.start = &Start{At: start}
		close(h.begun)
	})
}

// wait waits until every worker's stream has ended, or ctx is done; then
// it cuts the streams still open and waits for them to end.
func (h *Hub) wait(ctx context.Context) {
	all := make(chan struct{})
	go func() {
		for _, s := range h.slots {
			<-s.done
		}
		close(all)
	}()
	select {
	case <-all:
		return
	case <-ctx.Done():
	}
	h.mu.Lock()
	h.ending = true
	for _, s := range h.slots {
		s.cutLocked()
	}
	h.mu.Unlock()
	<-all
}

// cutLocked ends the slot's stream, if open, at its next read: the
// reader sees cut before it sets another deadline (h.mu held).
func (s *slot) cutLocked() {
	s.cut = true
	if s.rc != nil {
		_ = s.rc.SetReadDeadline(time.Now())
	}
}

func (h *Hub) isGathered() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gathered
}

func (h *Hub) ready() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.readyCount
}

func (h *Hub) say(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sayLocked(format, args...)
}

func (h *Hub) sayLocked(format string, args ...any) {
	if h.opt.Progress != nil {
		fmt.Fprintf(h.opt.Progress, "loadgen: "+format+"\n", args...)
	}
}

// slotOf is the slot that the request names, or an error to answer with.
func (h *Hub) slotOf(r *http.Request) (*slot, error) {
	n, err := strconv.Atoi(r.URL.Query().Get("slot"))
	if err != nil || n < 1 || n > len(h.slots) {
		return nil, fmt.Errorf("slot %q: this run has slots 1 to %d", r.URL.Query().Get("slot"), len(h.slots))
	}
	return h.slots[n-1], nil
}

func (h *Hub) serveAssignment(w http.ResponseWriter, r *http.Request) {
	s, err := h.slotOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.gathered:
		http.Error(w, "the run started without this worker", http.StatusGone)
		return
	case h.assignment == nil:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "the run is not ready to hand out assignments", http.StatusServiceUnavailable)
		return
	case s.joined:
		http.Error(w, fmt.Sprintf("slot %d has already joined", s.n), http.StatusConflict)
		return
	}
	s.joined = true
	a := *h.assignment
	a.Shard = s.n - 1
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

func (h *Hub) serveStart(w http.ResponseWriter, r *http.Request) {
	if _, err := h.slotOf(r); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case <-h.begun:
	case <-r.Context().Done():
		return
	}
	h.mu.Lock()
	st := *h.start
	h.mu.Unlock()
	st.In = time.Until(st.At)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// serveStream takes a worker's frames until its final one, until it
// breaks, or until the worker has been quiet for Silence.
func (h *Hub) serveStream(w http.ResponseWriter, r *http.Request) {
	s, err := h.slotOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	if !s.joined || s.streaming || s.lost != "" {
		h.mu.Unlock()
		http.Error(w, fmt.Sprintf("slot %d: no stream expected", s.n), http.StatusConflict)
		return
	}
	s.streaming, s.rc = true, http.NewResponseController(w)
	h.mu.Unlock()
	err = h.take(s, gob.NewDecoder(bufio.NewReaderSize(r.Body, 64<<10)))
	h.end(s, err)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// take reads frames until the final one, or an error.
func (h *Hub) take(s *slot, dec *gob.Decoder) error {
	for {
		if err := h.armDeadline(s); err != nil {
			return err
		}
		var f frame
		if err := dec.Decode(&f); err != nil {
			return err
		}
		if err := h.apply(s, &f); err != nil {
			return err
		}
		if f.Final {
			return nil
		}
	}
}

// armDeadline gives the slot's stream Silence for its next frame, unless
// the run has cut it.
func (h *Hub) armDeadline(s *slot) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.cut {
		return errCut
	}
	return s.rc.SetReadDeadline(time.Now().Add(h.opt.Silence))
}

// apply takes one frame of slot s.
func (h *Hub) apply(s *slot, f *frame) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.cut {
		return errCut
	}
	switch {
	case f.Ready && !s.ready:
		s.ready = true
		if h.readyCount++; h.readyCount == len(h.slots) {
			close(h.allReady)
		}
	case f.Result != nil:
		if f.Target < 0 || f.Target >= len(h.targets) {
			return fmt.Errorf("a result of target %d, of %d", f.Target, len(h.targets))
		}
		if s.bins[f.Target] == nil {
			bin, err := runfolder.CreateBin(h.opt.Folder.Shard(h.targets[f.Target].opt.Name, s.n-1))
			if err != nil {
				return err
			}
			s.bins[f.Target] = bin
		}
		s.bins[f.Target].Write(f.Result)
		s.received[f.Target]++
	}
	s.final = f.Final
	if len(f.Counts) == len(h.targets) {
		copy(s.counts, f.Counts)
		if f.Tick > 0 {
			s.remember(f.Tick, f.Counts)
		}
		h.sumLocked()
	}
	return nil
}

// end closes slot s's files once its stream is over, and says why it is
// lost when it ended before its final frame.
func (h *Hub) end(s *slot, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, b := range s.bins {
		if b != nil {
			errs = append(errs, b.Close())
		}
	}
	if werr := errors.Join(errs...); werr != nil && err == nil {
		err = fmt.Errorf("its results could not be written: %w", werr)
	}
	short := false
	if err == nil {
		err = h.shortLocked(s)
		short = err != nil
	}
	if err != nil && s.lost == "" {
		switch {
		case h.ending:
			s.lost = "was still sending when the run was interrupted"
		case short:
			s.lost = fmt.Sprintf("stopped before it had sent its share (%v)", err)
		case !s.ready:
			s.lost = fmt.Sprintf("broke off before it was ready (%v)", err)
		case h.start == nil:
			s.lost = fmt.Sprintf("stopped reporting before the start (%v)", err)
		default:
			s.lost = fmt.Sprintf("stopped reporting %.1f s into the run (%v)", time.Since(h.start.At).Seconds(), err)
		}
	}
	s.rc = nil // the handler returns: its controller is no longer ours
	s.ended = true
	h.sumLocked() // the others' sums no longer wait for its ticks
	close(s.done)
}

// shortLocked is an error when a worker that ended whole sent fewer
// results than its share: a worker stopped (SIGTERM) before it was done.
func (h *Hub) shortLocked(s *slot) error {
	for i, t := range h.targets {
		opt := t.opt
		opt.Shard = s.n - 1
		if s.received[i] < opt.ShardHits() {
			return fmt.Errorf("it ended with %d of its %d results of target %s", s.received[i], opt.ShardHits(), t.opt.Name)
		}
	}
	return nil
}

// Lost says, for each worker that was lost, which and why: "worker 3 of 3
// did not join within 1m0s (...)".
func (h *Hub) Lost() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, s := range h.slots {
		if s.lost != "" {
			out = append(out, fmt.Sprintf("worker %d of %d %s", s.n, len(h.slots), s.lost))
		}
	}
	return out
}
