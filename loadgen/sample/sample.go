// Package sample records a target's server and client gauges once a second
// into a timeline, the raw material of peaks, charts and the comparison
// with the prediction.
package sample

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/promscrape"
)

// Row is one sample. Server values are NaN when the target has no admin
// endpoint or the scrape failed.
type Row struct {
	T time.Duration // since the run's start
	// Scraped is when the server's answer to the scrape came, since the
	// run's start: the server's values were read at some instant between
	// T and Scraped. 0 when no scrape answered.
	Scraped time.Duration

	Inflight    float64
	Queued      float64
	AcceptQueue float64
	AcceptLimit float64
	// SynQueue is the listener's request sockets,
	// conclab_syn_queue_length: the server counts them at most once a
	// second, so the value may be up to a second old. NaN where the
	// server does not export it (off Linux).
	SynQueue    float64
	Connections float64
	Goroutines  float64
	RSSBytes    float64
	Overflows   float64
	Rejected    float64
	WastedWork  float64 // seconds, conclab_wasted_work_seconds_total
	// Limit is the adaptive model's conclab_concurrency_limit; NaN for
	// the other models.
	Limit          float64
	ClientSent     float64
	ClientInflight float64
	ClientOK       float64
	ClientErrors   float64
}

// Client reads the client-side numbers at sampling time.
type Client func() (sent, inflight, ok, errors int64)

// Sampler scrapes one target's /metrics every Interval.
type Sampler struct {
	MetricsURL string // "" when the target has no admin endpoint
	Client     Client
	Interval   time.Duration
	HTTP       *http.Client

	mu   sync.Mutex
	rows []Row
	last Row
}

// Run samples from start until ctx ends, then takes one last sample.
func (s *Sampler) Run(ctx context.Context, start time.Time) {
	every := s.Interval
	if every <= 0 {
		every = time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	s.take(start)
	for {
		select {
		case <-ctx.Done():
			s.take(start)
			return
		case <-tick.C:
			s.take(start)
		}
	}
}

func (s *Sampler) take(start time.Time) {
	r := Row{T: time.Since(start)}
	// The client's counters are read at T, before the scrape: a scrape
	// can take tens of milliseconds where the server's CPU is scarce (a
	// container's), and counters read after it belong to a later instant
	// than the row's. A run of the seed in Docker sampled 7 sends past T
	// that way, and a target's client in-flight requests rose above the
	// predicted band at T.
	if s.Client != nil {
		sent, inflight, ok, errs := s.Client()
		r.ClientSent, r.ClientInflight, r.ClientOK, r.ClientErrors = float64(sent), float64(inflight), float64(ok), float64(errs)
	}
	nan := math.NaN()
	r.Inflight, r.Queued, r.AcceptQueue, r.AcceptLimit, r.Connections, r.SynQueue = nan, nan, nan, nan, nan, nan
	r.Goroutines, r.RSSBytes, r.Overflows, r.Rejected, r.WastedWork, r.Limit = nan, nan, nan, nan, nan, nan
	if s.MetricsURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
		m, err := promscrape.Scrape(ctx, s.HTTP, s.MetricsURL)
		cancel()
		if err == nil {
			r.Scraped = time.Since(start)
			get := func(name string) float64 {
				if v, ok := m[name]; ok {
					return v
				}
				return nan
			}
			r.Inflight = get("conclab_requests_inflight")
			r.Queued = get("conclab_requests_queued")
			r.AcceptQueue = get("conclab_accept_queue_length")
			r.AcceptLimit = get("conclab_accept_queue_limit")
			r.SynQueue = get("conclab_syn_queue_length")
			r.Connections = get("conclab_connections_open")
			r.Goroutines = get("go_goroutines")
			r.RSSBytes = get("process_resident_memory_bytes")
			r.Overflows = get("conclab_listen_overflows_total")
			r.WastedWork = get("conclab_wasted_work_seconds_total")
			r.Limit = get("conclab_concurrency_limit")
			r.Rejected = 0
			for _, reason := range catalog.Reasons {
				r.Rejected += m[promscrape.Key("conclab_requests_rejected_total", "reason", reason)]
			}
		}
	}
	s.mu.Lock()
	s.rows = append(s.rows, r)
	s.last = r
	s.mu.Unlock()
}

// Last is the newest sample.
func (s *Sampler) Last() Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Rows is a copy of every sample so far.
func (s *Sampler) Rows() []Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Row(nil), s.rows...)
}
