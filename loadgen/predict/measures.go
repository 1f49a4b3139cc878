package predict

import (
	"slices"
	"time"

	"github.com/conclab/conclab/internal/quantile"
	"github.com/conclab/conclab/loadgen/outcome"
)

// OKLatency is the p50 and the p99 of the ok requests' latencies (Finished
// − Sent), by quantile.NearestRank, as a run's measured ok latencies are
// taken; zero without ok requests.
func (r Result) OKLatency() [2]time.Duration {
	return okLatency(r.Requests, nil)
}

// okLatency is OKLatency with the latencies gathered in buf's array.
func okLatency(reqs []Request, buf []time.Duration) [2]time.Duration {
	lat := buf[:0]
	for _, q := range reqs {
		if q.Outcome == outcome.OK {
			lat = append(lat, q.Finished-q.Sent)
		}
	}
	slices.Sort(lat)
	return [2]time.Duration{quantile.NearestRank(lat, .5), quantile.NearestRank(lat, .99)}
}
