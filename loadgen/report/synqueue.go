package report

import (
	"fmt"
	"math"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
)

// synQueueItem says how many handshakes the listener held at most, as
// measured and as the replicas' band reaches; "" when neither knows of
// any. The verdict does not judge it: the model keeps a request socket
// for every connection in limbo, where the kernel keeps no more than the
// backlog and answers the rest with SYN cookies (docs/kernel.md).
func synQueueItem(measured float64, band []predict.BandPoint) string {
	hi, at := 0, time.Duration(0)
	for _, b := range band {
		if b.Hi.SynQueue > hi {
			hi, at = b.Hi.SynQueue, b.T
		}
	}
	if (math.IsNaN(measured) || measured == 0) && hi == 0 {
		return ""
	}
	s := fmt.Sprintf("Waiting in the kernel SYN queue (the listener's request sockets, counted at most once a second): peak %s", count(measured))
	if band != nil {
		s += fmt.Sprintf("; the replicas' band reaches %d at %.1f s. Not judged: the model keeps a request socket for every connection in limbo, where the kernel keeps at most the backlog and answers the rest with SYN cookies", hi, at.Seconds())
	}
	return s + "."
}
