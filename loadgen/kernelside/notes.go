package kernelside

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/loadgen/reconstruct"
)

// Notes say how the target was measured, and what went wrong.
func (s *Side) Notes() []string {
	if s == nil {
		return nil
	}
	samples, _, reqs := s.split()
	notes := s.method(reqs)
	var peakThreads, peakProcs, notListening, failed int
	var firstErr error
	for _, ks := range samples {
		peakThreads, peakProcs = max(peakThreads, ks.tree.Threads), max(peakProcs, ks.tree.Processes)
		switch {
		case ks.portErr != nil:
			failed++
			if firstErr == nil {
				firstErr = ks.portErr
			}
		case !ks.port.Listening():
			notListening++
		}
	}
	if len(samples) > 0 {
		notes = append(notes, fmt.Sprintf("watched processes: peak %d processes, %d threads", peakProcs, peakThreads))
	}
	if failed > 0 {
		notes = append(notes, fmt.Sprintf("kernel view failed in %d of %d samples: %v", failed, len(samples), firstErr))
	}
	if notListening > 0 {
		notes = append(notes, fmt.Sprintf("no socket listened on port %d in %d of %d samples", s.port, notListening, len(samples)))
	}
	return notes
}

// method says how the target was measured, and warns when the server was
// slower than the service time the rebuild assumes.
func (s *Side) method(reqs []reconstruct.Request) []string {
	how := fmt.Sprintf("measured from the kernel side: port %d by sock_diag (accept queue, connections), processes from /proc", s.port)
	if s.service <= 0 {
		return []string{how + "; no service time, so running and waiting are unknown"}
	}
	how += fmt.Sprintf("; running and waiting rebuilt from the client's records with a service time of %s", s.service)
	est, ok := reconstruct.EstimateService(reqs)
	if !ok {
		return []string{how}
	}
	how += fmt.Sprintf(" (shortest ok latency %s)", est.Round(time.Millisecond))
	if est <= s.service+s.service/10+50*time.Millisecond {
		return []string{how}
	}
	return []string{how, fmt.Sprintf("the shortest ok latency %s is well above the service time %s: the server is slower than assumed, so the rebuild overstates waiting and understates running",
		est.Round(time.Millisecond), s.service)}
}
