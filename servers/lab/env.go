package lab

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/workapi"
)

// Env is what a model gets from the shared instrumentation.
type Env struct {
	Config  Config
	Metrics *Metrics
	// AccessLog is nil unless --access-log is on.
	AccessLog *slog.Logger
	// Listener is the raw app listener, for models that need its fd.
	Listener *net.TCPListener
	// Passages keeps every request's way through the gate; nil keeps none.
	Passages *Passages

	turns slotTurns
}

// slotTurns counts, per slot, the requests that have started on it
// (Reply.Turn).
type slotTurns struct {
	mu sync.Mutex
	n  map[string]int
}

// next counts one more request started on slot and returns its turn.
func (t *slotTurns) next(slot string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[slot]++
	return t.n[slot]
}

// Reply is the JSON body of a finished request (workapi.Reply).
type Reply = workapi.Reply

// Execute admits w through gate (nil: at once), performs it and keeps
// inflight, the queue-wait histogram and the rejection counters true. It
// returns the reply, or a *Rejection, or the context's error when the
// client left first.
func (e *Env) Execute(ctx context.Context, gate Gate, w Work) (Reply, error) {
	arrived := time.Now()
	reply := Reply{ID: w.ID, Model: e.Config.Model, Accepted: w.Accepted, Arrived: arrived}
	var workErr error
	work := func(slot string) {
		reply.Start = time.Now()
		reply.Slot = slot
		if slot != "" {
			reply.Turn = e.turns.next(slot)
		}
		reply.QueuedS = reply.Start.Sub(arrived).Seconds()
		e.Metrics.Inflight.Inc()
		slept, spun, err := Perform(ctx, w)
		e.Metrics.Inflight.Dec()
		reply.End = time.Now()
		reply.SleptS, reply.CPUS, workErr = slept.Seconds(), spun.Seconds(), err
		if err != nil {
			// Stopped because the client left: the work done so far
			// was for nobody.
			e.Metrics.Waste(reply.End.Sub(reply.Start).Seconds())
		}
	}
	if gate == nil {
		work("")
		return reply, workErr
	}
	err := gate.Run(ctx, w, work)
	var rej *Rejection
	if errors.As(err, &rej) {
		e.Metrics.Reject(rej.Reason)
		return reply, err
	}
	if !reply.Start.IsZero() {
		e.Metrics.ObserveQueueWait(reply.QueuedS)
	}
	if err != nil {
		return reply, err
	}
	return reply, workErr
}

// StatusClientClosed is the code counted when the client left before its
// response, after nginx's 499.
const StatusClientClosed = 499

// Finish counts a finished request and writes its access-log line.
func (e *Env) Finish(remote, uri string, code int, arrived time.Time, reply Reply) {
	d := time.Since(arrived)
	e.Metrics.ObserveRequest(code, d.Seconds())
	if e.AccessLog != nil {
		e.AccessLog.Info("request", "remote", remote, "uri", uri, "status", code,
			"queued_s", reply.QueuedS, "slot", reply.Slot, "duration_s", d.Seconds())
	}
}
