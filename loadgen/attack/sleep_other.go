//go:build !linux

package attack

import "time"

// sleeper is time.Sleep where there is no timerfd.
type sleeper struct{}

func newSleeper() *sleeper { return nil }

// sleepUntil returns at t or later.
func (s *sleeper) sleepUntil(t time.Time) {
	for d := time.Until(t); d > 0; d = time.Until(t) {
		time.Sleep(d)
	}
}

func (s *sleeper) close() {}
