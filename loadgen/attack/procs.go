package attack

import (
	"os"
	"runtime"
)

// SpreadProcs gives Go's scheduler a P for each of the attacks that one
// process runs at once, and at least as many as it has (one per CPU), and
// returns the function that restores Go's default. An explicit
// GOMAXPROCS in the environment is left as it is. Calls that overlap in
// one process (runs in parallel tests) do not nest: the last restore wins,
// as with PauseGC.
//
// Why: with a P per CPU, the pacers and dials of every target wait for
// the same two Ps in Go's run queues, and Go preempts a running goroutine
// only after 10 ms. When the kernel deschedules the thread that holds a
// P, to run a server on the same CPUs, every goroutine queued on that P
// waits out the kernel's time slice, and every target's next send with
// it. With a P per attack, a pacer that wakes finds an idle P on a thread
// of its own, and the kernel, which preempts on wakeup, interleaves the
// threads as it interleaves nine vegeta processes. Measured on this lab's
// 2-CPU VM with nine targets at 100/s each (docs/perf.md): send lateness
// p99 0.93 to 0.99 ms with nine Ps against 1.6 to 2.0 ms with two, and a
// worst send 7 to 11 ms against 19 to 22 ms.
func SpreadProcs(attacks int) (restore func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	before, want := runtime.GOMAXPROCS(0), min(attacks, maxProcs)
	if want <= before {
		return func() {}
	}
	runtime.GOMAXPROCS(want)
	// Not GOMAXPROCS(before): any explicit setting turns off Go's own,
	// which follows the container's CPU limit.
	return func() { runtime.SetDefaultGOMAXPROCS() }
}

// maxProcs bounds SpreadProcs: past a few dozen, more Ps only add idle
// threads that spin looking for work.
const maxProcs = 64
