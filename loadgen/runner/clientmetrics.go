package runner

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/conclab/conclab/internal/buckets"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/outcome"
)

// clientMetrics are loadgen's own series (docs/metrics.md, client metrics). Unlike
// vegeta's exporter they count failures and their buckets reach an hour.
type clientMetrics struct {
	registry *prometheus.Registry
	inflight *prometheus.GaugeVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	connect  *prometheus.HistogramVec
	runInfo  *prometheus.GaugeVec
}

func newClientMetrics() *clientMetrics {
	m := &clientMetrics{
		registry: prometheus.NewRegistry(),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "conclab_client_requests_inflight", Help: "Requests sent and not yet ended, per target.",
		}, []string{"target"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclab_client_requests_total", Help: "Ended requests by target and outcome.",
		}, []string{"target", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "conclab_client_latency_seconds", Help: "Request latency seen by the client, failures included.",
			Buckets: buckets.Duration,
		}, []string{"target"}),
		connect: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "conclab_client_connect_seconds", Help: "TCP connect time; >= 1 s means the kernel dropped a SYN.",
			Buckets: []float64{0.0005, 0.001, 0.005, 0.01, 0.1, 0.5, 0.9, 1.5, 2.5, 3.5, 4.5, 5.5, 7.5, 11.5, 20, 40, 80, 160},
		}, []string{"target"}),
		runInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "conclab_run_info", Help: "The run being driven; always 1.",
		}, []string{"run_id", "scenario", "scale"}),
	}
	m.registry.MustRegister(m.inflight, m.requests, m.latency, m.connect, m.runInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *clientMetrics) start(runID, scenario string, scale float64, targets []string) {
	m.runInfo.WithLabelValues(runID, scenario, strconv.FormatFloat(scale, 'g', -1, 64)).Set(1)
	for _, t := range targets {
		m.inflight.WithLabelValues(t)
		for _, o := range outcome.All {
			m.requests.WithLabelValues(t, string(o))
		}
	}
}

func (m *clientMetrics) sent(target string) { m.inflight.WithLabelValues(target).Inc() }

func (m *clientMetrics) ended(target string, h attack.Hit) {
	m.inflight.WithLabelValues(target).Dec()
	m.requests.WithLabelValues(target, string(h.Outcome)).Inc()
	m.latency.WithLabelValues(target).Observe(h.Result.Latency.Seconds())
	if h.Dialed {
		m.connect.WithLabelValues(target).Observe(h.Connect.Seconds())
	}
}

// serveMetrics serves m on addr's /metrics, and d on container.DiscoveryPath, until
// the returned function is called.
func serveMetrics(addr string, m *clientMetrics, d *serverDiscovery) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	mux.Handle(container.DiscoveryPath, d)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
