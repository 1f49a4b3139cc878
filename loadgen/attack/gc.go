package attack

import (
	"runtime/debug"

	"github.com/conclab/conclab/internal/sysinfo"
)

// sendHeapLimit caps the memory loadgen lets its heap grow to while its
// garbage collector is paused for the sends.
const sendHeapLimit = 2 << 30

// PauseGC turns loadgen's garbage collector off while it sends, up to a
// soft memory limit of half the memory the kernel says is available (at
// most sendHeapLimit), where it collects again, and returns the function
// that restores the collector. A collection every half second marked for
// 30 to 50 ms on one of this box's two cores: answers waited up to 66 ms
// to be read, and the sampled client_inflight showed stalls that no
// replica has (docs/verdict.md#loadgens-own-pauses).
func PauseGC() (restore func()) {
	limit := int64(sendHeapLimit)
	if avail, err := sysinfo.MemAvailable(); err == nil {
		limit = min(limit, int64(avail/2))
	}
	before := debug.SetMemoryLimit(limit)
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(before)
	}
}
