package catalog

import (
	"math"
	"time"
)

// The ranges of the numbers that labserver's flags and a scenario's fields
// may hold, beyond which a value is refused with a one-line error, not
// truncated or run out of memory on. docs/contracts.md lists them.
const (
	// MaxCount bounds every count of slots, connections, workers and queue
	// places (limit, queue, core, max). A scenario sends at most a million
	// requests, so a larger limit never binds; a semaphore allocates its
	// slots up front, and 99,999,999,999 of them ran out of memory.
	MaxCount = 1_000_000
	// MaxDuration bounds every duration (sleep, cpu, timeouts, keep-alive):
	// sums of a few of them stay inside a time.Duration (292 years).
	MaxDuration = 1000 * time.Hour
	// MaxBacklog is the largest listen(2) backlog: the system call takes a
	// C int, and a larger value used to be cut to its low 32 bits
	// (4294967297 became 1). The kernel caps it at somaxconn anyway.
	MaxBacklog = math.MaxInt32
	// MaxRate bounds a rate knob: one per nanosecond, as a scenario's
	// rate.
	MaxRate = 1e9
	// MaxGOMAXPROCS is far above the cores of any machine the lab runs on;
	// the runtime allocates state for each P it is given.
	MaxGOMAXPROCS = 1024
	// MaxNoFile is Linux's default fs.nr_open, the most open files a
	// process may be allowed.
	MaxNoFile = 1 << 20
	// MaxTargets is the most targets a scenario may list. Each embedded
	// target is a labserver process, and every target is paced from the
	// same loadgen; 9 at 100/s already delay sends on a 2-core machine.
	MaxTargets = 64
)
