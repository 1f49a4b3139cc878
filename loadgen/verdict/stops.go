package verdict

import "time"

// StopsLate are predict.Spread.StopLate and StopAt from the requests
// measured: for each work whose client gave up during it before it came
// due (its work(seq) after its start), how much later than the client's
// deadline, its send and timeout, the server stopped it, as the server's
// passages timed it (Measured.Left), by when on the schedule's clock that
// deadline came. A work that came due first ended at its own timer's wake
// (timedWorks), and one that began after its client left is no stop.
// None, or no timeout: nil.
func StopsLate(measured []Measured, work func(seq int) time.Duration, timeout time.Duration) (late, at []time.Duration) {
	if timeout <= 0 {
		return nil, nil
	}
	var ts []timed
	for _, m := range measured {
		if m.StartedLeft <= 0 || m.StartedLeft >= timeout || m.StartedLeft+work(m.Seq) <= timeout || m.Left < timeout {
			continue
		}
		ts = append(ts, timed{at: m.SentAt() + timeout, d: m.Left - timeout})
	}
	return splitTimed(ts)
}
