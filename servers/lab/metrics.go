package lab

import (
	"net"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/conclab/conclab/internal/buckets"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/sysinfo"
)

// Metrics are the server metrics of docs/metrics.md, on a registry of their own
// that also holds the Go and process collectors.
type Metrics struct {
	Registry *prometheus.Registry

	Inflight    prometheus.Gauge
	Queued      prometheus.Gauge
	Connections prometheus.Gauge

	requests  *prometheus.CounterVec
	rejected  *prometheus.CounterVec
	duration  prometheus.Histogram
	queueWait prometheus.Histogram
	wasted    prometheus.Counter
	synQueue  *synQueueCollector
}

// NewMetrics registers every conclab server metric. ln is probed with
// TCP_INFO at each scrape, and its request sockets are counted with
// sock_diag at most once a second (Metrics.Close releases that socket);
// info labels conclab_server_info.
func NewMetrics(ln *net.TCPListener, info map[string]string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "conclab_requests_inflight", Help: "Requests doing handler work now.",
		}),
		Queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "conclab_requests_queued", Help: "Requests inside the process waiting for a slot.",
		}),
		Connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "conclab_connections_open", Help: "Accepted connections not yet closed.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclab_requests_total", Help: "Finished requests by HTTP code (499: the client left first).",
		}, []string{"code"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "conclab_requests_rejected_total", Help: "Requests the model refused, by reason.",
		}, []string{"reason"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "conclab_request_duration_seconds", Help: "Time from the handler's start to its end, queueing included.",
			Buckets: buckets.Duration,
		}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "conclab_queue_wait_seconds", Help: "Time spent in the app queue before the work started.",
			Buckets: buckets.Duration,
		}),
		wasted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "conclab_wasted_work_seconds_total",
			Help: "Handler work done for requests whose client left before their answer, in seconds.",
		}),
	}
	for _, r := range catalog.Reasons {
		m.rejected.WithLabelValues(r)
	}
	m.requests.WithLabelValues("200")
	infoGauge := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "conclab_server_info", Help: "The server's configuration; always 1.", ConstLabels: info,
	})
	infoGauge.Set(1)
	m.synQueue = newSynQueueCollector(ln)
	reg.MustRegister(m.Inflight, m.Queued, m.Connections, m.requests, m.rejected, m.duration, m.queueWait, m.wasted, infoGauge,
		newAcceptQueueCollector(ln), m.synQueue, newListenCountersCollector(),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Close releases what the metrics hold open: the SYN queue's sock_diag
// socket.
func (m *Metrics) Close() error { return m.synQueue.Close() }

// SynQueueErr says why conclab_syn_queue_length cannot be read, where it
// could not be opened on a system that has it: a server then holds one
// file fewer than fds_at_start's estimate counts (adminapi.MinFDsAtStart).
func (m *Metrics) SynQueueErr() error { return m.synQueue.err }

// ObserveRequest counts a finished request and its duration in seconds.
func (m *Metrics) ObserveRequest(code int, seconds float64) {
	m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	m.duration.Observe(seconds)
}

// ObserveQueueWait records the time a request spent in the app queue.
func (m *Metrics) ObserveQueueWait(seconds float64) { m.queueWait.Observe(seconds) }

// Waste counts handler work, in seconds, whose answer nobody will read:
// its client left before the work ended.
func (m *Metrics) Waste(seconds float64) { m.wasted.Add(seconds) }

// Reject counts a refused request.
func (m *Metrics) Reject(reason string) { m.rejected.WithLabelValues(reason).Inc() }

var (
	acceptQueueLengthDesc = prometheus.NewDesc("conclab_accept_queue_length",
		"Connections in the kernel accept queue now (TCP_INFO tcpi_unacked of the listener; netstat qlen − incqlen on macOS).", nil, nil)
	acceptQueueLimitDesc = prometheus.NewDesc("conclab_accept_queue_limit",
		"The listener's backlog in force (TCP_INFO tcpi_sacked; netstat maxqlen on macOS); on Linux the queue holds one more.", nil, nil)
	listenOverflowsDesc = prometheus.NewDesc("conclab_listen_overflows_total",
		"TcpExt ListenOverflows of the server's network namespace since the server started.", nil, nil)
	listenDropsDesc = prometheus.NewDesc("conclab_listen_drops_total",
		"TcpExt ListenDrops of the server's network namespace since the server started.", nil, nil)
)

// acceptQueueCollector probes the listener at scrape time, so the gauge is
// as fresh as the scrape.
type acceptQueueCollector struct{ ln *net.TCPListener }

func newAcceptQueueCollector(ln *net.TCPListener) prometheus.Collector {
	return acceptQueueCollector{ln: ln}
}

func (c acceptQueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- acceptQueueLengthDesc
	ch <- acceptQueueLimitDesc
}

func (c acceptQueueCollector) Collect(ch chan<- prometheus.Metric) {
	q, err := ProbeAcceptQueue(c.ln)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(acceptQueueLengthDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(acceptQueueLengthDesc, prometheus.GaugeValue, float64(q.Length))
	ch <- prometheus.MustNewConstMetric(acceptQueueLimitDesc, prometheus.GaugeValue, float64(q.Limit))
}

// listenCountersCollector reports the namespace counters relative to the
// server's start, so a fresh server starts at 0 like any counter.
type listenCountersCollector struct {
	base sysinfo.ListenCounters
}

func newListenCountersCollector() prometheus.Collector {
	c := &listenCountersCollector{}
	c.base, _ = sysinfo.ReadListenCounters()
	return c
}

func (c *listenCountersCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- listenOverflowsDesc
	ch <- listenDropsDesc
}

func (c *listenCountersCollector) Collect(ch chan<- prometheus.Metric) {
	now, err := sysinfo.ReadListenCounters()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(listenOverflowsDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(listenOverflowsDesc, prometheus.CounterValue, float64(sub(now.Overflows, c.base.Overflows)))
	ch <- prometheus.MustNewConstMetric(listenDropsDesc, prometheus.CounterValue, float64(sub(now.Drops, c.base.Drops)))
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}
