package predict

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// noTimer is embedded by the models without timers of their own.
type noTimer struct{}

func (noTimer) timer(*engine, event) {}

// plain is nethttp, gin and echo: net/http starts a goroutine per accepted
// connection and accepts again at once, so every accepted request runs at
// once (Inflight+1 for Service). gin and echo are routers on net/http and
// behave the same. Only the FD limit (checked by the engine) stops accepting.
type plain struct{ noTimer }

func (plain) willAccept(*engine) bool   { return true }
func (plain) accepted(e *engine, r int) { e.startWork(r) }
func (plain) workEnded(*engine, int)    {}

// limitListener is net/http behind x/net/netutil.LimitListener: the listener
// takes a slot before it calls accept and the slot is freed when the accepted
// connection closes, so it accepts only while fewer than limit accepted
// connections are open. The excess waits in the kernel accept queue (FIFO),
// then as dropped SYNs. Once accepted, a request runs at once.
type limitListener struct{ conns connCap }

func (l *limitListener) willAccept(e *engine) bool { return l.conns.room(e) }
func (l *limitListener) accepted(e *engine, r int) { e.startWork(r) }
func (l *limitListener) workEnded(*engine, int)    {}
func (l *limitListener) connClosed(e *engine)      { l.conns.closed(e) }
func (l *limitListener) timer(*engine, event)      { l.conns.woke() }

// connCap is LimitListener's cap on accepted connections, in front of a
// model: at most limit open at once (0: no cap).
//
// In a replica, a slot freed by a connection's close is taken again only
// after a wake delay: LimitListener's accept loop is blocked on its
// semaphore and wakes when the connection closes. The delay draws among
// the run's own wakes of the moment where the server timed them
// (Spread.AcceptWake), else as a waiter handed a slot wakes. The engine
// tells the model of every close (connCloser), and the model hands the
// kindServerTimer event that ends the delay to woke; its idx is
// acceptLoopWakes.
type connCap struct {
	limit  int
	waking int // slots freed whose accept loop has not woken yet
}

// acceptLoopWakes is the idx of the kindServerTimer event that ends a
// connCap's wake delay.
const acceptLoopWakes = -1

func (c *connCap) room(e *engine) bool { return c.limit == 0 || e.connections+c.waking < c.limit }

func (c *connCap) closed(e *engine) {
	var wake time.Duration
	switch {
	case c.limit == 0:
		return
	case len(e.acceptWake) > 0:
		wake = e.drawLocal(e.acceptWake, e.acceptWakeAt)
	case len(e.wakeDelay) > 0:
		wake = e.drawLocal(e.wakeDelay, e.wakeAt)
	default:
		return
	}
	c.waking++
	e.events.push(event{t: e.now + wake, kind: kindServerTimer, idx: acceptLoopWakes})
}

func (c *connCap) woke() { c.waking-- }

// fastHTTP is fasthttp's Server with Concurrency = limit: it accepts at once
// and serves at most limit connections at the same time; a connection
// accepted while limit are being served gets "503 Service Unavailable" at once
// and is closed. Concurrency 0 means fasthttp's DefaultConcurrency.
//
// A connection's place is a worker, held from the accept until the close:
// in a replica, an admitted request reaches its handler a drawn
// Spread.ReadHold later (the read of the request), and its place is freed
// a drawn Spread.CloseHold after its work (the write of the answer and the
// close).
type fastHTTP struct {
	limit   int
	serving int
}

// The gens of fastHTTP's kindServerTimer events, whose idx is the request.
const (
	fastRead  = 1 // its request has been read: its work starts
	fastClose = 2 // its connection is closed: its place is free
)

func newFastHTTP(l Limits) *fastHTTP {
	f := &fastHTTP{limit: l.Limit}
	if f.limit == 0 {
		f.limit = catalog.FastHTTP.DefaultLimit
	}
	return f
}

func (f *fastHTTP) willAccept(*engine) bool { return true }

func (f *fastHTTP) accepted(e *engine, r int) {
	if f.serving >= f.limit {
		e.end(r, outcome.HTTP503)
		return
	}
	f.serving++
	// A request that reached the gate as measured (Spread.Reach) was read
	// on its way there.
	if d := e.drawnLocal(e.readHold, e.readHoldAt); d > 0 && e.reach == nil {
		e.st[r].phase = phaseReadAccepted
		e.events.push(event{t: e.now + d, kind: kindServerTimer, idx: r, gen: fastRead})
		return
	}
	e.startWork(r)
}

func (f *fastHTTP) workEnded(e *engine, r int) {
	if d := e.drawnLocal(e.closeHold, e.closeHoldAt); d > 0 {
		e.events.push(event{t: e.now + d, kind: kindServerTimer, idx: r, gen: fastClose})
		return
	}
	f.serving--
}

func (f *fastHTTP) leftReading(*engine, int) { f.serving-- }

func (f *fastHTTP) timer(e *engine, ev event) {
	switch {
	case ev.gen == fastClose:
		f.serving--
	case ev.gen == fastRead && e.st[ev.idx].phase == phaseReadAccepted:
		e.woke = e.cutsAtWakes // the request's read
		e.startWork(ev.idx)
	}
}

// needLimit is the check of the disciplines that need a limit of at least 1.
func needLimit(l Limits) error {
	if l.Limit < 1 {
		return fmt.Errorf("Limits.Limit: discipline %s needs a limit of at least 1, got %d", l.Discipline, l.Limit)
	}
	return nil
}

func init() {
	disciplines[catalog.NoLimit] = discipline{build: func(Limits) server { return plain{} }}
	disciplines[catalog.KernelQueue] = discipline{check: needLimit,
		build: func(l Limits) server { return &limitListener{conns: connCap{limit: l.Limit}} }}
	disciplines[catalog.RejectBeyond] = discipline{build: func(l Limits) server { return newFastHTTP(l) }}
}
