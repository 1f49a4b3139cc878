package report

import (
	"fmt"
	"math"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
)

// synQueueItem gives the most handshakes the listener held, as measured
// and as high as the replicas' band reaches; "" when neither knows of
// any. The verdict does not judge them, and docs/verdict.md says why.
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
	s := "Waiting in the kernel SYN queue (the listener's request sockets, counted at most once a second; " +
		"not judged, docs/verdict.md): peak " + count(measured)
	switch {
	case len(band) == 0:
	case hi == 0:
		s += "; no replica holds any"
	default:
		s += fmt.Sprintf("; the replicas' band reaches %d at %.1f s", hi, at.Seconds())
	}
	return s + "."
}
