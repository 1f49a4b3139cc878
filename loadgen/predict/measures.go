package predict

import (
	"slices"
	"time"

	"github.com/conclab/conclab/internal/quantile"
	"github.com/conclab/conclab/loadgen/outcome"
)

// LastSend is when the last request was sent: the last arrival, or
// closed users' last send, which is not their last request's.
func (r Result) LastSend() time.Duration {
	var last time.Duration
	for _, q := range r.Requests {
		last = max(last, q.Sent)
	}
	return last
}

// OKLatencies are the latencies (Finished − Sent) of the ok requests,
// ascending: what a run measures as its ok latency.
func (r Result) OKLatencies() []time.Duration {
	return okLatencies(r.Requests, nil)
}

// OKLatency is the p50 and the p99 of OKLatencies, by
// quantile.NearestRank, as a run's measured ok latencies are taken; zero
// without ok requests.
func (r Result) OKLatency() [2]time.Duration {
	return p50p99(r.OKLatencies())
}

// okLatencies is OKLatencies gathered in buf's array.
func okLatencies(reqs []Request, buf []time.Duration) []time.Duration {
	lat := buf[:0]
	for _, q := range reqs {
		if q.Outcome == outcome.OK {
			lat = append(lat, q.Finished-q.Sent)
		}
	}
	slices.Sort(lat)
	return lat
}

func p50p99(sorted []time.Duration) [2]time.Duration {
	return [2]time.Duration{quantile.NearestRank(sorted, .5), quantile.NearestRank(sorted, .99)}
}
