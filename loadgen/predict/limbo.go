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
// request (clientRetransmissions). Each try gets the connection into the
// accept queue if it has room then.
//
// Measured on seed at scale 0.02, limitlistener-100's accept queue stayed
// full (129) until 25.6 s; with the client's retries every 3 s the
// replicas drained it from 24 s, with 200 ms, doubling (the schedule
// before the loss probe below), they kept it full until 25.6 s as
// measured, and with the probe they agree with the seed's runs as well.
// The server gives up a request socket at its SYN-ACK timer's last
// firing, or sooner when request sockets crowd the backlog
// (synAckRetriesNow); a client still waiting then is reset at its next
// retransmission. Only replicas with the timer wheel have limbo: it needs
// SYNs that fire together.
const (
	synAckRetries = 5                      // net.ipv4.tcp_synack_retries' default
	synAckRTO     = time.Second            // TCP_TIMEOUT_INIT
	dataRTO       = 200 * time.Millisecond // TCP_RTO_MIN
	fallbackRTO   = 3 * time.Second        // TCP_TIMEOUT_FALLBACK
	// cookieLife is how long a SYN cookie stays good: the kernel stamps
	// it with a minute counter and takes it while the counter has moved
	// by less than 2 (MAX_SYNCOOKIE_AGE), 1 to 2 minutes; the model takes
	// the shorter.
	cookieLife = time.Minute
)

// clientRetransmissions are when a client whose connection entered limbo
// at t sends again what it sent, its request or, once it gave up, its
// FIN, each on the timer wheel, until its socket would give up
// (tcp_retries2). The first is a tail loss probe (net.ipv4.tcp_early_retrans
// = 3, the default, which the model assumes: it reads no such sysctl), and
// the retransmission timer, armed again as the probe goes, backs off only
// after that. With TCP timestamps, which give the handshake an RTT sample
// even when its SYN was retransmitted, the probe comes after 2·SRTT +
// TCP_RTO_MIN (one segment out: the request, or the FIN) capped at the
// RTO, 200 ms on loopback, and the retransmissions 200, 400, 800 ms and so
// on after it.
// Measured in burst-after-deploy (limitlistener-4, a tcpdump of the run on
// 2026-12-06): requests first sent at 31.256 s went again at 31.465,
// 31.677, 32.118, 32.954 and 34.614 s; a ghost's FIN sent at 34.358 s went
// again at 34.565 and 34.773 s. Without timestamps
// (net.ipv4.tcp_timestamps=0) Karn's rule leaves no RTT sample: the probe
// comes after TCP_TIMEOUT_INIT, 1 s (tcp_schedule_loss_probe), and the RTO
// is TCP_TIMEOUT_FALLBACK, 3 s (tcp_init_transfer); from the kernel's
// source, not measured here. The wheel puts each resend up to a unit late,
// and the kernel's RTO adds the SRTT: the tcpdump's resends came 5 to 54 ms
// after these. The kernel can start the RTO far higher, from the RTT it
// keeps for the pair of addresses (tcp_init_metrics): loadgen records each
// connection's (attack.Hit.RTO), but the replicas resend on these
// defaults (docs/traffic.md says why).
func (w wheel) clientRetransmissions(t time.Duration, timestamps bool) []time.Duration {
	probe, rto := dataRTO, dataRTO
	if !timestamps {
		probe, rto = synAckRTO, fallbackRTO
	}
	at := w.fire(t, probe)
	out := append(make([]time.Duration, 0, clientRetries+1), at)
	for range clientRetries {
		at = w.fire(at, rto)
		out = append(out, at)
		rto = min(2*rto, maxRTO)
	}
	return out
}

// limboAttempts are when a request in limbo tries the accept queue
// again, in order: its request socket's SYN-ACK retransmissions (the
// first synAckRetries of firings, synAckFirings) and its client's
// retransmissions (clientRetransmissions) while the server keeps the
// request socket, until the last firing. A connection that leaves limbo
// on a SYN-ACK retransmission does so on the client's bare ACK, and the
// server hears more from the client (its request, or its FIN once it
// gave up) only with the client's next retransmission.
func limboAttempts(firings, retransmits []time.Duration) []time.Duration {
	out := slices.Clone(firings[:synAckRetries])
	kept := firings[synAckRetries] // the server drops the request socket then
	for _, at := range retransmits {
		if at < kept {
			out = append(out, at)
		}
	}
	slices.Sort(out)
	return out
}

// synAckFirings are when the SYN-ACK timer of a request socket made at t
// fires: synAckRetries times to resend, and once more to drop it, unless
// an earlier firing already dropped it (synAckRetriesNow).
func (w wheel) synAckFirings(t time.Duration) []time.Duration {
	out := make([]time.Duration, 0, synAckRetries+1)
	at, rto := t, synAckRTO
	for range synAckRetries + 1 {
		at = w.fire(at, rto)
		out = append(out, at)
		rto *= 2
	}
	return out
}

// synAckRetriesNow is how many times the server resends a SYN-ACK before
// it drops the request socket, as its SYN-ACK timer reckons it now
// (reqsk_timer_handler in net/ipv4/inet_connection_sock.c): when request
// sockets fill more than half the listen backlog and number more than 4,
// the kernel keeps half of that room for young ones, those whose timer
// has not fired yet, and gives the old ones fewer retries, down to 2:
// starting from twice the young count and doubling, one less for each
// step that does not exceed the request sockets. Measured on the ramp
// (limitlistener-4, backlog 16, ss every 200 ms): up to 15 request
// sockets at once, none retransmitted its SYN-ACK more than 3 times,
// where synAckRetries would allow 5.
func (e *engine) synAckRetriesNow() int {
	retries := synAckRetries
	pending := e.requestSockets()
	if 2*pending <= max(8, e.in.Limits.Backlog) {
		return retries
	}
	for young := 2 * e.youngRequestSockets; retries > 2 && pending >= young; young *= 2 {
		retries--
	}
	return retries
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
	e.cookies = map[int]time.Duration{}
	e.synAcks = map[int][]time.Duration{}
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
func (e *engine) enterGhostLimbo(r int, cookie bool) { e.startLimbo(r, phaseGhostLimbo, cookie) }

// enterLimbo puts request r in limbo at this instant, on a SYN cookie
// or with a request socket.
func (e *engine) enterLimbo(r int, cookie bool) {
	e.synPending--
	e.out[r].Connected = e.now
	e.startLimbo(r, phaseLimbo, cookie)
}

// startLimbo puts request r in limbo, live or a ghost's, and schedules
// its first try. With a request socket it tries at the server's SYN-ACK
// retransmissions and its client's; on a cookie only at its client's,
// each of which carries what the client sent, until the cookie goes
// stale.
func (e *engine) startLimbo(r int, p phase, cookie bool) {
	e.st[r].phase = p
	e.st[r].synAcksFired = 0
	retransmits := e.wheel.clientRetransmissions(e.now, !e.in.Kernel.NoTimestamps)
	e.retransmits[r] = retransmits
	if cookie {
		stale := e.now + cookieLife
		e.cookies[r] = stale
		// The first resend after the cookie went stale finds only the
		// listener, which resets it (limboRetry): it ends the tries.
		i, _ := slices.BinarySearch(retransmits, stale)
		e.limbo[r] = retransmits[:min(i+1, len(retransmits))]
		e.scheduleLimbo(r)
		return
	}
	firings := e.wheel.synAckFirings(e.now)
	e.synAcks[r] = firings
	// The last firing drops the request socket: it ends the tries.
	e.limbo[r] = append(limboAttempts(firings, retransmits), firings[synAckRetries])
	e.youngRequestSockets++
	e.scheduleLimbo(r)
}

// leaveLimbo forgets request r's request socket or cookie: the
// connection got in, or the server dropped or no longer knows it.
func (e *engine) leaveLimbo(r int) {
	if _, ok := e.cookies[r]; ok {
		delete(e.cookies, r)
		delete(e.limbo, r)
		return
	}
	if e.st[r].synAcksFired == 0 {
		e.youngRequestSockets--
	}
	delete(e.limbo, r)
	delete(e.synAcks, r)
}

// requestSockets is how many connections in limbo the listener holds a
// request socket for: those not on a cookie.
func (e *engine) requestSockets() int { return len(e.limbo) - len(e.cookies) }

// synInstant is what the listener's SYN check saw at one instant: the
// request sockets it held, those of the SYNs it took then included.
type synInstant struct {
	at     time.Duration
	set    bool
	reqsks int
}

// takeSyn counts a SYN that the listener takes now, whether its ACK will
// find room or not, and reports whether the listener answers it with a
// cookie rather than a request socket: it does once its request sockets
// exceed its backlog (inet_csk_reqsk_queue_is_full, which since 2025 lets a
// listener hold one more than the backlog, as the accept queue does; with
// net.ipv4.tcp_syncookies 1, the default, which the model assumes: it reads
// no such sysctl). SYNs that fire together are all checked before any of
// their ACKs comes (limbo's comment above), so each holds a request socket
// from its check on, and the later ones of a large instant get cookies,
// whether or not their ACKs then find room. Measured on 2026-12-07
// (conclab_syn_queue_length, 13 burst and 5 ramp runs): limitlistener-4's
// listener held at most 59 request sockets in a burst (backlog 64; counted
// once a second, and `ss` saw 65) and 17 in a ramp (backlog 16), where the
// model without cookies held up to 315 and 144.
func (e *engine) takeSyn() bool {
	if e.wheel == nil {
		return false
	}
	if !e.syns.set || e.syns.at != e.now {
		e.syns = synInstant{at: e.now, set: true, reqsks: e.requestSockets()}
	}
	if e.syns.reqsks > e.in.Limits.Backlog {
		return true
	}
	e.syns.reqsks++
	return false
}

// synAckTimer runs request r's SYN-ACK timer if it fires now, and reports
// whether the request socket survives it: the timer either drops it
// (synAckRetriesNow) or resends the SYN-ACK, which the client answers.
func (e *engine) synAckTimer(r int) bool {
	s := &e.st[r]
	firings := e.synAcks[r]
	if s.synAcksFired >= len(firings) || firings[s.synAcksFired] != e.now {
		return true // a retransmission of the client's
	}
	if s.synAcksFired >= e.synAckRetriesNow() {
		e.dropRequestSocket(r)
		return false
	}
	if s.synAcksFired == 0 {
		e.youngRequestSockets--
	}
	s.synAcksFired++
	return true
}

// staleCookie: request r's client resent after its cookie went stale:
// the listener, which never knew the connection, resets it. A live
// request ends so; a ghost's dial is gone.
func (e *engine) staleCookie(r int) {
	s := &e.st[r]
	e.leaveLimbo(r)
	delete(e.retransmits, r)
	if s.phase == phaseLimbo {
		e.finish(r, outcome.Reset)
	}
	s.phase = phaseDone
}

// dropRequestSocket: the server forgets request r's handshake. A ghost's
// is gone for good. A waiting client's next retransmission of its request
// finds only the listener, which answers with a reset: its request ends
// so, unless its client gives up first.
func (e *engine) dropRequestSocket(r int) {
	s := &e.st[r]
	e.leaveLimbo(r)
	if s.phase == phaseGhostLimbo {
		s.phase = phaseDone
		delete(e.retransmits, r)
		return
	}
	s.phase = phaseForgotten
	next := e.retransmits[r]
	delete(e.retransmits, r)
	if i, _ := slices.BinarySearch(next, e.now+1); i < len(next) {
		e.events.push(event{t: next[i], kind: kindLimboRetry, idx: r})
	}
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
	if s.phase == phaseForgotten {
		e.finish(r, outcome.Reset)
		s.phase = phaseDone
		return
	}
	if s.phase != phaseLimbo && s.phase != phaseGhostLimbo {
		return
	}
	s.nextLimbo++
	if stale, ok := e.cookies[r]; ok && e.now >= stale {
		e.staleCookie(r)
		return
	}
	if !e.synAckTimer(r) {
		return
	}
	if e.aq.len() >= e.aqCap {
		e.scheduleLimbo(r)
		return
	}
	e.leaveLimbo(r)
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
