package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// Two LIFO processes of one slot each, 100 ms of work, requests at 0, 10,
// 20 and 30 ms, taken in turn: #0 and #2 go to the first, #1 and #3 to the
// second. When #0 ends at 100 ms its process has only #2 waiting; at 110
// ms the other's frees for #3. One LIFO semaphore of two slots would hand
// the slot at 100 ms to the newest waiter of all, #3, and #2 would wait
// until 110 ms.
func TestEachProcessServesItsOwnWaiters(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: every(4, 10*ms), Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 4096, Settings: catalog.Settings{
			Limit: 1, Queue: catalog.Unbounded, Order: catalog.OrderLIFO, Processes: 2}}}
	for _, c := range []struct {
		processes  int
		limit      int
		start2, s3 time.Duration
	}{{2, 1, 100 * ms, 110 * ms}, {1, 2, 110 * ms, 100 * ms}} {
		in.Limits.Processes, in.Limits.Limit = c.processes, c.limit
		res := mustSimulate(t, in)
		if res.Requests[2].Started != c.start2 || res.Requests[3].Started != c.s3 {
			t.Errorf("%d processes of %d: #2 and #3 started at %v and %v, want %v and %v", c.processes, c.limit,
				res.Requests[2].Started, res.Requests[3].Started, c.start2, c.s3)
		}
	}
}
