// Package pool is net/http in front of a worker pool with the semantics of
// java.util.concurrent.ThreadPoolExecutor (see Executor), the model of
// Executors.newFixedThreadPool and of uwsgi --threads. The connection's
// goroutine submits the request's work and waits; a worker runs it.
//
// The rejection policies map to what a client can see:
//   - abort: 503 at once (RejectedExecutionException);
//   - discard: the request is dropped: its connection is reset;
//   - discard-oldest: the oldest queued request's connection is reset and
//     the new one is queued;
//   - caller-runs: the connection's own goroutine runs the work, beyond
//     the pool's limit.
//
// With --max-connections, the listener accepts only while fewer than that
// many accepted connections are open (x/net's LimitListener), and the rest
// wait in the kernel's accept queue: Tomcat's connector, whose acceptor
// stops at maxConnections in front of a pool of maxThreads with an
// unbounded queue, and whose acceptCount is the backlog.
package pool

import (
	"net"

	"golang.org/x/net/netutil"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Pool,
	New:   newModel,
}

func newModel(env *lab.Env) (lab.Model, error) {
	workers := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "conclab_pool_workers", Help: "Live pool workers (threads), idle ones included.",
	})
	if err := env.Metrics.Registry.Register(workers); err != nil {
		return nil, err
	}
	c := env.Config
	ex := NewExecutor(Options{Core: c.Core, Max: c.Max, Queue: c.Queue, KeepAlive: c.PoolKeepAlive, Policy: c.Policy,
		Order: c.Order},
		Hooks{
			Queued:  func(d int) { env.Metrics.Queued.Add(float64(d)) },
			Workers: func(n int) { workers.Set(float64(n)) },
		})
	srv := env.NewHTTPServer(env.Handler(ex))
	srv.RegisterOnShutdown(ex.Close)
	m := &lab.HTTPModel{Server: srv}
	if n := c.MaxConnections; n > 0 {
		m.WrapListener = func(ln net.Listener) net.Listener { return netutil.LimitListener(ln, n) }
	}
	return m, nil
}
