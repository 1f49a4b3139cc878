package attack

import "time"

// sleepCoarsely returns at t or later, with time.Sleep: up to a
// millisecond late on an idle machine (sleeper says why), where no
// timerfd can be had.
func sleepCoarsely(t time.Time) {
	for d := time.Until(t); d > 0; d = time.Until(t) {
		time.Sleep(d)
	}
}
