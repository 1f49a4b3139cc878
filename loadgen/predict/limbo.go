package predict

import (
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// A request in limbo completed its handshake for the client, but not for
// the server. When retransmitted SYNs fire together (on the timer wheel)
// into an accept queue with f free places, the listener checks each SYN
// before it sees any of their ACKs (loopback queues every packet behind
// the ones before), so all of them pass the SYN check and get a SYN-ACK;
// the first f ACKs take the free places, and the server drops the others'
// ACKs (ListenOverflows). Those clients think they are connected and send
// their requests; the server keeps a request socket for each and tries
// again when its SYN-ACK timer fires (net.ipv4.tcp_synack_retries, 5:
// after 1, 2, 4, 8 and 16 s) and whenever the client retransmits its
// request. The client's RTO is TCP_RTO_MIN, 200 ms, doubling: TCP
// timestamps give the handshake an RTT sample even when its SYN was
// retransmitted. Without timestamps (net.ipv4.tcp_timestamps=0) Karn's
// rule leaves no sample and the RTO is TCP_TIMEOUT_FALLBACK, 3 s. Each try
// gets the connection into the accept queue if it has room then.
//
// Measured on seed at scale 0.02, limitlistener-100's accept queue stayed
// full (129) until 25.6 s; with the client's retries every 3 s the
// replicas drained it from 24 s, with 200 ms they keep it full until
// 25.6 s as measured. A request still
// in limbo when the server gives up its request socket waits for its
// client's timeout. Only replicas with the timer wheel have limbo: it
// needs SYNs that fire together.
const (
	synAckRetries = 5                      // net.ipv4.tcp_synack_retries' default
	synAckRTO     = time.Second            // TCP_TIMEOUT_INIT
	dataRTO       = 200 * time.Millisecond // TCP_RTO_MIN
	fallbackRTO   = 3 * time.Second        // TCP_TIMEOUT_FALLBACK
)

// limboAttempts are when a request that entered limbo at t tries the
// accept queue again: the server's SYN-ACK retransmissions and the
// client's retransmissions of its request, each on the timer wheel, while
// the server keeps its request socket. retransmits are the client's
// retransmissions alone, on until its socket would give up
// (tcp_retries2): a connection that leaves limbo on a SYN-ACK
// retransmission does so on the client's bare ACK, and the server hears
// more from the client (its request, or its FIN once it gave up) only
// with the next of them.
func (w wheel) limboAttempts(t time.Duration, timestamps bool) (attempts, retransmits []time.Duration) {
	var out []time.Duration
	at, rto := t, synAckRTO
	for range synAckRetries {
		at = w.fire(at, rto)
		out = append(out, at)
		rto *= 2
	}
	kept := w.fire(at, rto) // the server drops the request socket then
	first := dataRTO
	if !timestamps {
		first = fallbackRTO
	}
	at, rto = t, first
	for range clientRetries {
		at = w.fire(at, rto)
		retransmits = append(retransmits, at)
		if at < kept {
			out = append(out, at)
		}
		rto = min(2*rto, maxRTO)
	}
	slices.Sort(out)
	return out, retransmits
}

// clientRetries is how many times a client retransmits what it sent
// before its socket gives up: net.ipv4.tcp_retries2's default.
const clientRetries = 15

// useWheel makes the engine fire SYN retransmissions and limbo attempts
// on w.
func (e *engine) useWheel(w wheel) {
	e.wheel = &w
	e.fires = map[int][]time.Duration{}
	e.limbo = map[int][]time.Duration{}
	e.retransmits = map[int][]time.Duration{}
}

// enterGhostLimbo puts a ghost's dial in limbo at this instant: its
// client had given up, so the Transport answered the SYN-ACK with its ACK
// and closed the connection at once, and the ACK found the queue full.
// The server keeps its request socket all the same, and each of its
// SYN-ACK retransmissions, and each of the client's retransmissions of
// its FIN (on the request's schedule), tries the accept queue again: one
// that finds room puts an orphan there, which the server accepts and
// closes. Measured on the ramp (limitlistener-4, a tcpdump of the run):
// 71 of 94 connections in limbo were such dials, and 52 of them entered
// the accept queue later.
func (e *engine) enterGhostLimbo(r int) { e.startLimbo(r, phaseGhostLimbo) }

// enterLimbo puts request r in limbo at this instant.
func (e *engine) enterLimbo(r int) {
	e.synPending--
	e.out[r].Connected = e.now
	e.startLimbo(r, phaseLimbo)
}

// startLimbo puts request r in limbo, live or a ghost's, and schedules
// its first try.
func (e *engine) startLimbo(r int, p phase) {
	e.st[r].phase = p
	e.limbo[r], e.retransmits[r] = e.wheel.limboAttempts(e.now, !e.in.Kernel.NoTimestamps)
	e.scheduleLimbo(r)
}

func (e *engine) scheduleLimbo(r int) {
	s := &e.st[r]
	attempts := e.limbo[r]
	if s.nextLimbo >= len(attempts) {
		return
	}
	// A client that gives up closes its socket, which its kernel goes on
	// retransmitting with a FIN: the tries go on (clientDeadline).
	e.events.push(event{t: attempts[s.nextLimbo], kind: kindLimboRetry, idx: r})
}

// limboRetry: the request in limbo gets into the accept queue if it has
// room now.
func (e *engine) limboRetry(r int) {
	s := &e.st[r]
	if s.phase != phaseLimbo && s.phase != phaseGhostLimbo {
		return
	}
	s.nextLimbo++
	if e.aq.len() >= e.aqCap {
		e.scheduleLimbo(r)
		return
	}
	delete(e.limbo, r)
	i, carried := slices.BinarySearch(e.retransmits[r], e.now)
	if carried {
		delete(e.retransmits, r)
	} else {
		// In on the client's bare ACK: it hears from the client again
		// at its next retransmission (acceptBare).
		s.bare = true
		e.retransmits[r] = e.retransmits[r][i:]
	}
	if s.phase == phaseGhostLimbo {
		s.phase = phaseOrphan
		e.aq.push(r)
		e.readyAfterDelay(r)
		return
	}
	connected := e.out[r].Connected
	e.enterAcceptQueue(r)
	e.out[r].Connected = connected // the client's view: it connected when it entered limbo
}

// acceptBare accepts request r's connection, which left limbo on a bare
// ACK: the server holds it, and a connection limit's slot, with nothing
// to read until the client's next retransmission. It brings the request,
// whose work then starts, or, from a client that has given up, a FIN, on
// which the server closes the connection. Measured on the ramp
// (limitlistener-4, ss every 100 ms): 19 accepted connections that had
// received nothing held a slot for 0.6 to 10 s each, up to all four slots
// at once, each in after a SYN-ACK retransmission.
func (e *engine) acceptBare(r int) {
	s := &e.st[r]
	s.accepted = true
	e.connections++
	e.backoff = 0
	switch {
	case s.phase == phaseAcceptQueue && !e.gaveUp(r):
		s.phase = phaseAwaitingRequest
	case s.phase == phaseAcceptQueue:
		e.finish(r, outcome.Timeout)
		s.phase = phaseAwaitingClose
	default: // an orphan
		s.phase = phaseAwaitingClose
	}
	if next := e.retransmits[r]; len(next) > 0 {
		e.events.push(event{t: max(e.now, next[0]), kind: kindGate, idx: r})
	}
	delete(e.retransmits, r)
}
