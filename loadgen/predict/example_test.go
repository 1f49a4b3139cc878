package predict_test

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/catalog"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// The seed replay (1000 requests at 2 per second, 800 s of work) against a
// semaphore of 40 slots with an unbounded queue, as FastAPI's 40-token pool.
func ExampleSimulate() {
	arrivals := make([]time.Duration, 1000)
	for i := range arrivals {
		arrivals[i] = time.Duration(i) * 500 * time.Millisecond
	}
	res, err := predict.Simulate(predict.Input{
		Arrivals: arrivals,
		Service:  800 * time.Second,
		Limits:   predict.Limits{Discipline: catalog.AppQueue, Backlog: 4096, Settings: catalog.Settings{Limit: 40, Queue: -1}},
		Kernel:   predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := res.Peak
	fmt.Printf("inflight=%d queued=%d accept_queue=%d connections=%d syn_pending=%d\n",
		p.Inflight, p.Queued, p.AcceptQueue, p.Connections, p.SynPending)
	fmt.Printf("ok=%d timeout=%d syn_retried=%d end=%v\n",
		res.Outcomes[outcome.OK], res.Outcomes[outcome.Timeout], res.SynRetried, res.End)
	// Output:
	// inflight=40 queued=960 accept_queue=0 connections=1000 syn_pending=0
	// ok=1000 timeout=0 syn_retried=0 end=5h33m39.5s
}

// The kernel's SYN retransmission schedule on a kernel with
// tcp_syn_retries=6 and tcp_syn_linear_timeouts=4.
func ExampleKernel_SynSchedule() {
	retransmits, giveUp := predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second}.SynSchedule()
	fmt.Println(retransmits, giveUp)
	// Output:
	// [1s 2s 3s 4s 5s 7s 11s 19s 35s 1m7s] 2m11s
}
