package verdict

import (
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// RunSpread is what a run's replicas draw from: each request sent as late
// as it was measured, and reaching the server after a connect delay drawn
// from the run's connects that took no SYN retransmission (under load
// they take milliseconds, and which of two requests sent close together
// the server sees first is not measured), each handler's work longer than asked by a sample of
// what the run measured, and the kernel's part as KernelSpread gives it.
//
// A handler's overshoot is measured on the requests that the central
// prediction has start at once and end ok: for them, the client's latency
// less its connect time and the asked work is the handler's overshoot plus
// the loopback's round trip. A request that waited in a queue would count
// its wait as overshoot, so it is left out.
func RunSpread(central predict.Result, service time.Duration, measured []Measured, kernel predict.Spread) predict.Spread {
	sp := kernel
	sp.SendLate = make([]time.Duration, len(central.Requests))
	for _, m := range measured {
		if m.Seq < 0 || m.Seq >= len(central.Requests) {
			continue
		}
		sp.SendLate[m.Seq] = m.Late
		if m.Dialed && m.Connect < outcome.SynRetriedConnect {
			sp.ConnectDelay = append(sp.ConnectDelay, m.Connect)
		}
		p := central.Requests[m.Seq]
		if m.Outcome != outcome.OK || p.Outcome != outcome.OK || p.Started != p.Connected || p.Connected != p.Sent || !m.Dialed {
			continue
		}
		if over := m.Latency - m.Connect - service; over >= 0 {
			sp.Overshoot = append(sp.Overshoot, over)
		}
	}
	return sp
}
