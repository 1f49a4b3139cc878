package verdict

import "time"

// StopsLate are predict.Spread.StopLate and StopAt from the requests
// measured, of n on the schedule: for each work whose client gave up
// during it before it came due (its work(seq) after its start), how much
// later than the client's deadline, its send and timeout, the server
// freed its slot, as the server's passages timed it (Measured.Left), by
// when on the schedule's clock that deadline came. A work whose goroutine
// ran only after its sleep came due too counts as well: its slot was held
// until then, and a replica ends such a work at its own sleep's end if
// that comes before the drawn stop. A work that came due before its
// client's deadline ended at its own timer's wake (timedWorks), and one
// that began after its client left is no stop. None, or no timeout: nil.
func StopsLate(measured []Measured, work func(seq int) time.Duration, n int, timeout time.Duration) (late, at []time.Duration) {
	if timeout <= 0 {
		return nil, nil
	}
	var ts []timed
	for _, m := range measured {
		if m.Seq < 0 || m.Seq >= n || m.StartedLeft <= 0 || m.StartedLeft >= timeout ||
			m.StartedLeft+work(m.Seq) <= timeout || m.Left < timeout {
			continue
		}
		ts = append(ts, timed{at: m.SentAt() + timeout, d: m.Left - timeout})
	}
	return splitTimed(ts)
}
