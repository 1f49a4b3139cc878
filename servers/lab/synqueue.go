package lab

import (
	"errors"
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conclab/conclab/internal/sysinfo"
)

var synQueueLengthDesc = prometheus.NewDesc("conclab_syn_queue_length",
	"Handshakes the listener holds now: request sockets (SYN_RECV) on its port, read with sock_diag.", nil, nil)

// synQueueCollector counts the listener's request sockets at scrape
// time. A connection whose ACK found the accept queue full waits there,
// connected for its client and not for the server, until a retransmission
// finds room (docs/kernel.md); the kernel keeps one more of them than the
// backlog at the most, and answers the rest with SYN cookies, which it
// does not count.
type synQueueCollector struct {
	probe synQueueProbe // nil where none can be read: the metric is absent
	err   error         // why the probe could not be opened, when it failed
}

// synQueueProbe counts the request sockets of one listener.
type synQueueProbe interface {
	Count() (int, error)
	Close() error
}

func newSynQueueCollector(ln *net.TCPListener) *synQueueCollector {
	p, err := openSynQueueProbe(ln)
	if errors.Is(err, sysinfo.ErrNotOnThisOS) {
		return &synQueueCollector{}
	}
	return &synQueueCollector{probe: p, err: err}
}

// Close releases the probe's socket.
func (c *synQueueCollector) Close() error {
	if c.probe == nil {
		return nil
	}
	return c.probe.Close()
}

func (c *synQueueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- synQueueLengthDesc }

func (c *synQueueCollector) Collect(ch chan<- prometheus.Metric) {
	if c.probe == nil && c.err == nil {
		return
	}
	if c.err != nil {
		ch <- prometheus.NewInvalidMetric(synQueueLengthDesc, c.err)
		return
	}
	n, err := c.probe.Count()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(synQueueLengthDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(synQueueLengthDesc, prometheus.GaugeValue, float64(n))
}
