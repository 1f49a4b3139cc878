package verdict

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// RunSpread is what a run's replicas draw from: each request reaching the
// server as its SYN did, when its dial called connect(2) (Spread.Syn; the
// client's dial may return far later on a starved machine), its client's
// timeout and in-flight gauge counting from its send and its timeout
// firing as late as the run's timed-out clients' of its moment did
// (Spread.GiveUpLate: their latency less the timeout, or less where the
// server saw them leave sooner: giveUpLate), a client that took an answer
// written after its timeout counting as one that would have given up
// later still (Spread.StayedLate: stayedPast), and reaching the model's gate as the
// server timed it, when the server's answers timed every request's
// arrival there (reachDelay), waiting in the kernel's accept queue on its
// way only until the server accepted it, when they timed that too
// (Spread.InKernel), the gate deciding as much later as the run's
// refusals at once were decided after their arrival
// (Spread.DecideDelay), or, when it timed some arrivals but not all,
// reaching it no sooner than its client wrote it and the server read it
// (Spread.Written, Spread.ReadAfterAccept: a LimitListener's replicas use
// them), or else with an admission delay drawn from the run's scheduling
// delays (which of two requests that connected close together the server
// admits first is then not measured); each rejection
// reaching its client as late after the server's decision as the run's
// rejections decided about the same time did (labserver's refusals say
// when it decided; any other rejection is taken as decided as its SYN
// arrived); each handler's work longer than asked by a sample of what the
// run measured; each hand-over of a freed slot or worker as slow as the
// run's, and a LimitListener's slot back as slow as the server timed it
// (Spread.AcceptWake, from the passages' slot_freed); each waiter that a
// deadline queue refused written as late after its turn's first refusal
// as the run's waiter of its rank was (Spread.RefusalStorms); a place per connection (fasthttp's) held as long before the work
// and after it as the run's were (Spread.ReadHold, Spread.CloseHold, from
// the server's passages); and the kernel's part as KernelSpread gives it, with an accept
// delay at least as long as the run's samples show (TransitDelay).
//
// Where the server's replies timed the work (labserver), the overshoot is
// each ok request's work as the server timed it, less the asked work (where
// kernel.SleepTimers says the work is a sleep, less the sleeps that ended
// at an earlier one's wake: overshoots), drawn
// after as long a quiet as the server had had when its sleep came due
// (Spread.OvershootQuiet) or, where the server timed the arrivals too, as
// the run's sleeps that came due at about the same moment overshot
// (Spread.OvershootAt), and the hand-overs are HandOvers, later by
// PerRefusal for each waiter refused at the release; each ok answer then
// reaches its client as late after its work as the run's answers of the
// same moment did, where the server shares loadgen's clock. Otherwise the overshoot is measured on the
// requests that the central prediction has start at once and end ok: for
// them, the client's latency less its connect time and the asked work is
// the handler's overshoot plus the loopback's round trip (a request that
// waited in a queue would count its wait as overshoot, so it is left
// out), and a hand-over draws from the admission delays.
func RunSpread(central predict.Result, work func(seq int) time.Duration, timeout time.Duration, rate float64, measured []Measured, samples []Sample,
	kernel predict.Spread) predict.Spread {
	sp := kernel
	sp.AcceptDelay = max(sp.AcceptDelay, TransitDelay(central, samples, rate))
	sp.SendLate = make([]time.Duration, len(central.Requests))
	sp.Syn = make([]time.Duration, len(central.Requests))
	reach := make([]time.Duration, len(central.Requests))
	inKernel := make([]time.Duration, len(central.Requests))
	acceptsKnown := true
	sp.ReplyOf = make([]time.Duration, len(central.Requests))
	var clientSide, reached, decided []time.Duration
	var replies, answers, lateness, reachedAt, giveUps, stayers []timed
	for _, m := range measured {
		if m.Seq < 0 || m.Seq >= len(central.Requests) {
			continue
		}
		sp.SendLate[m.Seq] = m.Late
		if late, ok := giveUpLate(m, timeout); ok {
			giveUps = append(giveUps, timed{at: m.SentAt() + timeout, d: late})
		} else if stayed, ok := stayedPast(m, timeout); ok {
			stayers = append(stayers, timed{at: m.SentAt() + timeout, d: stayed})
		}
		if m.Dialed {
			sp.SendLate[m.Seq] += m.Syn
			sp.Syn[m.Seq] = m.Syn
		}
		sp.AdmitDelay = append(sp.AdmitDelay, max(m.Late, -m.Late))
		lateness = append(lateness, timed{at: m.SentAt(), d: max(m.Late, -m.Late)})
		p := central.Requests[m.Seq]
		switch {
		case m.AnswerDelay > 0:
			answers = append(answers, timed{at: m.SentAt() + m.Latency - m.AnswerDelay, d: m.AnswerDelay})
		case m.Dialed && (m.Outcome == outcome.HTTP503 || m.Outcome == outcome.HTTP429 || m.Outcome == outcome.Reset) &&
			m.Latency >= m.Syn:
			// Without the server's word, a rejection is taken as
			// decided as its SYN arrived: true of fasthttp's, not of a
			// queue's timeout.
			answers = append(answers, timed{at: m.SentAt() + m.Syn, d: m.Latency - m.Syn})
		}
		if m.Decided > 0 && p.Queued == 0 && slices.Contains(outcome.Rejected, p.Outcome) &&
			slices.Contains(outcome.Rejected, m.Outcome) {
			decided = append(decided, m.Decided)
		}
		if d, ok := reachDelay(m, p); ok {
			reach[m.Seq] = d
			reached = append(reached, d)
			reachedAt = append(reachedAt, timed{at: m.SentAt() + m.Syn, d: d})
			if m.ToAccept > 0 {
				inKernel[m.Seq] = min(max(m.ToAccept-m.Syn, 0), d)
			} else {
				acceptsKnown = false
			}
		}
		if s := m.Served; s != nil {
			if d := s.Received.Sub(s.End); !s.Received.IsZero() && d >= 0 && d <= m.Latency {
				replies = append(replies, timed{at: m.SentAt() + m.Latency - d, d: d})
				sp.ReplyOf[m.Seq] = d
			}
		}
		if m.Outcome != outcome.OK || p.Outcome != outcome.OK || p.Started != p.Connected || p.Connected != p.Sent || !m.Dialed {
			continue
		}
		if over := m.Latency - m.Connect - work(m.Seq); over >= 0 {
			clientSide = append(clientSide, over)
		}
	}
	sp.Overshoot = clientSide
	sp.GiveUpLate, sp.GiveUpAt = splitTimed(giveUps)
	sp.StayedLate, sp.StayedAt = splitTimed(stayers)
	sp.ReplyDelay, sp.ReplyAt = splitTimed(replies)
	sp.AnswerDelay, sp.AnswerAt = splitTimed(answers)
	works := timedWorks(measured, work, len(central.Requests), timeout)
	if byQuiet, byTime := overshoots(measured, works, kernel.SleepTimers); len(byQuiet) > 0 {
		sp.Overshoot, sp.OvershootQuiet = splitTimed(byQuiet)
		sp.OvershootLocal, sp.OvershootAt = splitTimed(byTime)
		sp.OvershootCut, sp.OvershootLocalCut = cuts(byQuiet), cuts(byTime)
		if kernel.SleepTimers {
			sp.WakeStagger, sp.WakeStaggerAt = splitTimed(wakeStaggers(sleepWakes(works)))
		}
		h := HandOvers(measured)
		sp.WakeDelay, sp.WakeAt, sp.PerRefusal, sp.AfterRefusals = h.Alone, h.AloneAt, h.PerRefusal, h.AfterRefusals
	}
	sp.AdmitLocal, sp.AdmitAt = splitTimed(lateness)
	ends := workEnds(measured)
	sp.AcceptWake, sp.AcceptWakeAt = acceptWakes(measured, ends)
	sp.RefusalStorms = refusalStorms(measured, releases(measured, ends), work, timeout)
	sp.StopLate, sp.StopAt = StopsLate(measured, work, len(central.Requests), timeout)
	placeHolds(&sp, measured)
	// Only when the server timed every request's arrival: the ok
	// requests alone, say, would put the requests that ended otherwise
	// at drawn instants around measured ones, and which requests were ok
	// is what the prediction is asked. Some timed bound each request's
	// way instead.
	if len(reached) > 0 && len(reached) == len(measured) {
		sp.AdmitDelay, sp.Reach, sp.DecideDelay = reached, reach, decided
		sp.AdmitLocal, sp.AdmitAt = splitTimed(reachedAt)
		if acceptsKnown {
			sp.InKernel = inKernel
		}
	} else if len(reached) > 0 {
		sp.Written, sp.ReadAfterAccept = writeBounds(measured, len(central.Requests))
		sp.AcceptAfter = acceptsAfter(measured, len(central.Requests))
	}
	return sp
}

// acceptsAfter is Spread.AcceptAfter from the requests measured, of n on
// the schedule: how long after its SYN the server accepted each
// connection it timed the accept of, where the handshake came at the
// first SYN.
func acceptsAfter(measured []Measured, n int) []time.Duration {
	after := make([]time.Duration, n)
	for _, m := range measured {
		if m.Seq >= 0 && m.Seq < n && m.ToAccept > 0 && m.Dialed && !m.SynRetried() {
			after[m.Seq] = max(m.ToAccept-m.Syn, time.Nanosecond)
		}
	}
	return after
}

// giveUpLate is how late after its timeout the client of request m, which
// timed out, gave up: when its timer fired, which decides whether an answer
// written just after the timeout is the client's. Its latency says when
// loadgen recorded the give-up, some time after the timer fired; where the
// server saw the client leave (or ended its work, or refused it) sooner,
// but not before the timeout, that bounds it: a way that ended before the
// timeout says nothing of when the timer fired.
// In an overload-controls run (2026-12-06), deadline-10's seven timeouts
// were recorded 0.10 to 1.75 ms late, and three of them had left their
// server 0.42 to 0.96 ms after their timeouts, before loadgen recorded the
// give-up. ok is false for any other request.
func giveUpLate(m Measured, timeout time.Duration) (late time.Duration, ok bool) {
	if m.Outcome != outcome.Timeout || timeout <= 0 || m.Latency < timeout {
		return 0, false
	}
	late = m.Latency - timeout
	if m.Left >= timeout {
		late = min(late, m.Left-timeout)
	}
	return late, true
}

// stayedPast is how long after its timeout the answer of request m, which
// did not time out, was written (Spread.StayedLate): its client had not
// given up by then. Only the write says so. An answer written before the
// timeout and read after it says nothing of the client's timer: when its
// goroutine runs and finds both the answer and the cancelled request, Go's
// select takes either. The write is the server's decision of a refusal it
// timed, or the end of an ok work whose answer's way it timed; ok is false
// for any other request, and for one written in time or timed out.
func stayedPast(m Measured, timeout time.Duration) (stayed time.Duration, ok bool) {
	if m.Outcome == outcome.Timeout || timeout <= 0 {
		return 0, false
	}
	written := time.Duration(0)
	switch s := m.Served; {
	case m.AnswerDelay > 0:
		written = m.Latency - m.AnswerDelay
	case m.Outcome == outcome.OK && s != nil && !s.Received.IsZero() && !s.Received.Before(s.End):
		written = m.Latency - s.Received.Sub(s.End)
	}
	if written <= timeout {
		return 0, false
	}
	return written - timeout, true
}

// writeBounds are Spread.Written and Spread.ReadAfterAccept from the requests
// measured, of n on the schedule, where the server timed their gates: the
// instant, after its SYN, at which each request's client had written it,
// and how long after its accept the server read one written before. A
// request the server accepted before its client's dial returned reached
// the gate with that write, as the server timed it; for the others the
// dial's return is the bound (its connect time runs from just before
// connect(2)), and the server's goroutine and read took the rest of their
// way from the accept. A connect that retransmitted a SYN says nothing of
// the write (a replica's handshake comes at another moment), nor does a
// dial that had not returned when its client gave up (its connect time is
// then the give-up's).
func writeBounds(measured []Measured, n int) (written, readAfter []time.Duration) {
	written, readAfter = make([]time.Duration, n), make([]time.Duration, n)
	for _, m := range measured {
		if m.Seq < 0 || m.Seq >= n || !m.Dialed || m.Connect <= 0 || m.Syn+m.Connect >= m.Latency {
			continue
		}
		acceptedFirst := m.ToAccept > 0 && m.ToGate >= m.ToAccept && m.ToAccept-m.Syn < m.Connect
		if m.ToAccept > 0 && m.ToGate >= m.ToAccept && !acceptedFirst {
			readAfter[m.Seq] = m.ToGate - m.ToAccept
		}
		switch {
		case m.SynRetried():
		case acceptedFirst:
			written[m.Seq] = m.ToGate - m.Syn
		default:
			written[m.Seq] = m.Connect
		}
	}
	return written, readAfter
}

// acceptWakes are the run's LimitListener wakes, each timed where it
// began (Spread.AcceptWake): a connection's accept less the close that
// freed its slot, where the connection had completed its handshake before
// the close (its first SYN, not a retransmission's, came before it), so
// that the accept waited for the wake alone and not for the connection
// too. A replica closes a connection as its work ends, so where an ok
// request's work ended within endToClose before that close, the wake
// counts from that end: the server's write of the answer and its close
// are part of the slot's way back, a tenth of a millisecond a turn that,
// left out, lets a replica's saturated queue run ahead of the run's.
// ends are the ok requests' work ends (workEnds).
func acceptWakes(measured []Measured, ends []time.Duration) (wakes, at []time.Duration) {
	var ts []timed
	for _, m := range measured {
		if m.SlotFreed <= 0 || m.ToAccept < m.SlotFreed || !m.Dialed || m.Syn >= m.SlotFreed || m.SynRetried() {
			continue
		}
		freed := m.SentAt() + m.SlotFreed
		from := freed
		if k, _ := slices.BinarySearch(ends, freed+1); k > 0 && freed-ends[k-1] <= endToClose {
			from = ends[k-1]
		}
		ts = append(ts, timed{at: from, d: m.SentAt() + m.ToAccept - from})
	}
	return splitTimed(ts)
}

// workEnds are the ok requests' work ends on the schedule's clock,
// ascending, each placed from its arrival at the gate on loadgen's clock
// (its send and Measured.ToGate) as overshoots places its sleep.
func workEnds(measured []Measured) []time.Duration {
	var ends []time.Duration
	for _, m := range measured {
		if at, ok := endAt(m, m.Served); ok {
			ends = append(ends, at)
		}
	}
	slices.Sort(ends)
	return ends
}

// endAt is when on the schedule's clock m's work s (its Served or its
// Stopped) ended, placed from its arrival at the gate on loadgen's clock as
// overshoots places its sleep; false where the server did not time that
// arrival.
func endAt(m Measured, s *Served) (time.Duration, bool) {
	if s == nil || m.ToGate <= 0 || s.Arrived.IsZero() || s.End.IsZero() {
		return 0, false
	}
	return m.SentAt() + m.ToGate + s.End.Sub(s.Arrived), true
}

// releases are the instants the run's works freed their slots, ascending:
// ends, the ok requests' work ends, and the ends of the works whose
// clients left during them (Measured.StartedLeft), which the model
// stopped then.
func releases(measured []Measured, ends []time.Duration) []time.Duration {
	out := slices.Clone(ends)
	for _, m := range measured {
		if m.StartedLeft > 0 && m.Left > m.StartedLeft {
			out = append(out, m.SentAt()+m.Left)
		}
	}
	slices.Sort(out)
	return out
}

// endToClose is how long before a slot's freeing close an ok request's
// work may have ended to count as the work that held it: the write of a
// small answer and a close take a tenth of a millisecond on this lab's
// machine, and the works of a 40-a-second server end 25 ms apart.
const endToClose = 2 * time.Millisecond

// placeHolds gives sp the holds of a model that holds a place per
// connection (fasthttp), when the server's passages timed its closes: from
// the accept to the handler, and after the work to the close, each timed
// where it began; and, since such a model decides at the accept whichever
// way, the accepts' delays for its admission's (the requests it refused at
// once say nothing of those).
func placeHolds(sp *predict.Spread, measured []Measured) {
	var reads, closes []timed
	var accepts []time.Duration
	var acceptsAt []timed
	for _, m := range measured {
		if m.ToAccept > 0 && m.Dialed && !m.SynRetried() {
			accepts = append(accepts, max(m.ToAccept-m.Syn, 0))
			acceptsAt = append(acceptsAt, timed{at: m.SentAt() + m.Syn, d: max(m.ToAccept-m.Syn, 0)})
		}
		s := m.Served
		if m.CloseHold <= 0 || s == nil || s.Received.IsZero() {
			continue
		}
		closes = append(closes, timed{at: m.SentAt() + m.Latency - s.Received.Sub(s.End), d: m.CloseHold})
		if m.ToAccept > 0 && m.ToGate >= m.ToAccept {
			reads = append(reads, timed{at: m.SentAt() + m.ToAccept, d: m.ToGate - m.ToAccept})
		}
	}
	if len(closes) == 0 {
		return
	}
	sp.ReadHold, sp.ReadHoldAt = splitTimed(reads)
	sp.CloseHold, sp.CloseHoldAt = splitTimed(closes)
	if len(accepts) > 0 {
		sp.AdmitDelay = accepts
		sp.AdmitLocal, sp.AdmitAt = splitTimed(acceptsAt)
	}
}

// timed is a delay the run measured, and what replicas pick it by: when
// it began on the schedule's clock, or the quiet before it. cut: a
// sleep's overshoot that a wake of the server ended (cutByWake).
type timed struct {
	at, d time.Duration
	cut   bool
}

// splitTimed sorts ts by at and returns their delays and their ats; nil
// for none.
func splitTimed(ts []timed) (delays, at []time.Duration) {
	slices.SortFunc(ts, func(a, b timed) int { return cmp.Compare(a.at, b.at) })
	for _, t := range ts {
		delays, at = append(delays, t.d), append(at, t.at)
	}
	return delays, at
}

// cuts says of each of ts, in their order, whether a wake cut it; nil
// for none. splitTimed sorts ts in place, so cuts of the same ts after it
// line up with its delays.
func cuts(ts []timed) []bool {
	var out []bool
	for _, t := range ts {
		out = append(out, t.cut)
	}
	return out
}

// reachDelay is how long after its SYN request m reached the model's
// gate, as the server timed it on loadgen's clock (Measured.ToGate): the
// accept, a goroutine, the client's write and the server's read of the
// request. Only a request that the central prediction has reach the gate
// at once after its connect counts: for the others, the time includes a
// wait in the kernel's accept queue, which the simulation models itself.
func reachDelay(m Measured, p predict.Request) (time.Duration, bool) {
	// A request refused at the gate ends there; one refused, or given up
	// on, in the application queue ends as it leaves it.
	gate := p.Finished - p.Queued
	if p.Started != predict.Never {
		gate = p.Started - p.Queued
	}
	if m.ToGate <= 0 || !m.Dialed || m.SynRetried() || p.Connected != p.Sent || gate != p.Connected ||
		(p.Started == predict.Never && p.Queued == 0 && !slices.Contains(outcome.Rejected, p.Outcome)) {
		return 0, false
	}
	d := m.ToGate - m.Syn
	return d, d >= 0
}

// TransitDelay is the accept delay that the run's own samples show, by
// Little's law: while the central prediction has the accept queue empty,
// and no SYN dropped for a full one, and requests arrive at rate per
// second, any connection a sample finds in the queue is in transit
// between its handshake and accept(2), so the mean of those samples is
// rate × the mean delay. A delay drawn
// uniformly up to twice that mean is returned, 0 without such samples.
// On a loaded machine it is far above the calibrated idle delay: fd-ceiling
// sampled 0, 1 and 3 connections in transit at 1000 requests a second.
func TransitDelay(central predict.Result, samples []Sample, rate float64) time.Duration {
	if rate <= 0 || len(central.Series) == 0 || len(central.Requests) == 0 {
		return 0
	}
	lastSend := central.LastSend()
	step := central.Series[min(1, len(central.Series)-1)].T
	sum, n := 0.0, 0
	for _, s := range samples {
		if s.T < 0 || s.T > lastSend || math.IsNaN(s.AcceptQueue) {
			continue
		}
		k := 0
		if step > 0 {
			k = min(int(s.T/step), len(central.Series)-1)
		}
		// The state holds from one point to the next: the queue is
		// empty around the sample when it is at both. A connection waits
		// nowhere else then either, no SYN dropped for a full queue: in
		// a saturated run the central queue empties for a moment where
		// the run's, on its own timing, is full, and that is not transit.
		here, next := central.Series[k], central.Series[min(k+1, len(central.Series)-1)]
		if here.AcceptQueue != 0 || next.AcceptQueue != 0 || here.SynPending != 0 || next.SynPending != 0 {
			continue
		}
		sum += s.AcceptQueue
		n++
	}
	if n == 0 {
		return 0
	}
	mean := sum / float64(n) / rate // seconds
	return time.Duration(2 * mean * float64(time.Second))
}

// overshoots are the overshoots of the run's works (timedWorks, of the
// requests in measured) as the server timed them, each with how long
// before its sleep came due the server's previous work had ended (byQuiet),
// and, for the requests whose arrival at the gate the server timed too,
// when on the schedule's clock its sleep came due (byTime): the arrival on
// loadgen's clock (its send and Measured.ToGate) and the server's own times
// from that arrival on. Where the work is a sleep (sleepTimers), a sleep
// that ended at the wake of one that came due before it (rodeWake) is left
// out: its overshoot is not a wake's lateness, and a replica ends such a
// sleep at the earlier one's wake (predict's armSleepWake). Counted too,
// they made the replicas' wakes early, each turn of a deadline queue's
// slots a little shorter than the run's.
func overshoots(measured []Measured, works []timedWork, sleepTimers bool) (byQuiet, byTime []timed) {
	sleeps := make([]sleepSpan, 0, len(works))
	for _, w := range works {
		sleeps = append(sleeps, sleepSpan{due: w.due, end: w.end})
	}
	slices.SortFunc(sleeps, func(a, b sleepSpan) int { return a.end.Compare(b.end) })
	wakes := serverWakes(measured)
	for _, w := range works {
		if !w.sample {
			continue
		}
		if sleepTimers && rodeWake(sleeps, sleepSpan{due: w.due, end: w.end}) {
			continue
		}
		over := w.end.Sub(w.due)
		cut := cutByWake(wakes, w.seq, w.due, w.end)
		i, _ := slices.BinarySearchFunc(sleeps, w.due, func(s sleepSpan, t time.Time) int { return s.end.Compare(t) })
		q := time.Hour // no work ended before it
		if i > 0 {
			q = w.due.Sub(sleeps[i-1].end)
		}
		byQuiet = append(byQuiet, timed{at: q, d: over, cut: cut})
		if w.atKnown {
			byTime = append(byTime, timed{at: w.at, d: over, cut: cut})
		}
	}
	return byQuiet, byTime
}

// timedWork is one handler work as the server timed it, on its clock: when
// it came due (its start and the asked work) and ended.
type timedWork struct {
	seq      int
	due, end time.Time
	// at is when on the schedule's clock it came due, where atKnown.
	at      time.Duration
	atKnown bool
	// sample: its end was its sleep's wake, late by end less due.
	sample bool
}

// timedWorks are the works the server timed: the ok requests', and those
// whose clients gave up during them (Measured.StartedLeft), placed on the
// server's clock from the schedule's zero that the ok requests' arrivals
// give. A work whose client gave up is a sample of its wake's lateness
// when it came due no later than its client's timeout, the earliest its
// client can leave, and ended after: its end was its timer's wake, not the
// client's leaving. Left out, the samples lacked exactly the longest
// overshoots, those that made a request time out: in a burst-after-deploy
// run (2026-12-07), deadline-4's works of 882 to 884, due at 32.231 s,
// ended 5.1 to 5.7 ms late, for clients who then gave up, and its
// replicas, whose slots freed half a millisecond after, refused with 503
// in time the waiters that the run's clients gave up on.
func timedWorks(measured []Measured, work func(seq int) time.Duration, n int, timeout time.Duration) []timedWork {
	var works []timedWork
	var zero time.Time // the schedule's zero on the server's clock
	for _, m := range measured {
		s := m.Served
		if s == nil || m.Seq < 0 || m.Seq >= n {
			continue
		}
		w := timedWork{seq: m.Seq, due: s.Start.Add(work(m.Seq)), end: s.End}
		w.sample = s.End.Sub(s.Start) >= work(m.Seq)
		if m.ToGate > 0 && !s.Arrived.IsZero() {
			w.at, w.atKnown = m.SentAt()+m.ToGate+w.due.Sub(s.Arrived), true
			zero = s.Arrived.Add(-m.SentAt() - m.ToGate)
		}
		works = append(works, w)
	}
	if zero.IsZero() {
		return works
	}
	for _, m := range measured {
		if m.StartedLeft <= 0 || m.Left <= m.StartedLeft || m.Seq < 0 || m.Seq >= n {
			continue
		}
		sent := zero.Add(m.SentAt())
		dueAfter := m.StartedLeft + work(m.Seq)
		works = append(works, timedWork{seq: m.Seq, due: sent.Add(dueAfter),
			end: sent.Add(m.Left), at: m.SentAt() + dueAfter, atKnown: true,
			sample: timeout > 0 && dueAfter <= timeout && m.Left >= dueAfter})
	}
	return works
}
