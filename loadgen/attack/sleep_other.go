//go:build !linux

package attack

import "time"

// sleeper is time.Sleep where there is no timerfd.
type sleeper struct{}

func newSleeper() *sleeper { return nil }

// sleepUntil returns at t or later.
func (s *sleeper) sleepUntil(t time.Time) { sleepCoarsely(t) }

func (s *sleeper) close() {}
