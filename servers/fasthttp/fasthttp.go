// Package fasthttp serves the work with github.com/valyala/fasthttp. Its
// Server.Concurrency (--limit) caps the connections served at once; a
// connection beyond it gets fasthttp's own 503 and is closed, so nothing
// waits. fasthttp does not watch the connection while a handler runs: a
// client that leaves mid-request keeps its slot until the work ends.
package fasthttp

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync/atomic"
	"time"

	valyala "github.com/valyala/fasthttp"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.FastHTTP,
	New:   newModel,
}

type model struct {
	env *lab.Env
	srv *valyala.Server
}

func newModel(env *lab.Env) (lab.Model, error) {
	m := &model{env: env}
	c := env.Config
	m.srv = &valyala.Server{
		Handler:           m.handle,
		Name:              "conclab",
		Concurrency:       c.Limit,
		ReadTimeout:       firstNonZero(c.ReadTimeout, c.ReadHeaderTimeout),
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		DisableKeepalive:  !c.KeepAlive,
		ReadBufferSize:    16 << 10,
		NoDefaultDate:     true,
		CloseOnShutdown:   true,
		Logger:            quietLogger{},
		ReduceMemoryUsage: false,
	}
	return m, nil
}

func firstNonZero(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// quietLogger drops fasthttp's per-rejection log line; rejections are
// counted in conclab_requests_rejected_total instead.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func (m *model) Serve(ln net.Listener) error {
	err := m.srv.Serve(&rejectCounter{Listener: ln, env: m.env})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (m *model) Shutdown(ctx context.Context) error {
	return m.srv.ShutdownWithContext(ctx)
}

func (m *model) handle(ctx *valyala.RequestCtx) {
	arrived := time.Now()
	args := ctx.QueryArgs()
	get := func(k string) string { return string(args.Peek(k)) }
	remote, uri := ctx.RemoteAddr().String(), string(ctx.RequestURI())
	w, err := lab.ParseWork(get, m.env.Config)
	if err != nil {
		writeJSON(ctx, valyala.StatusBadRequest, map[string]string{"error": err.Error()})
		m.env.Finish(remote, uri, valyala.StatusBadRequest, arrived, lab.Reply{})
		return
	}
	reply, err := m.env.Execute(ctx, nil, w)
	if err != nil {
		m.env.Finish(remote, uri, lab.StatusClientClosed, arrived, reply)
		return
	}
	writeJSON(ctx, valyala.StatusOK, reply)
	m.env.Finish(remote, uri, valyala.StatusOK, arrived, reply)
}

func writeJSON(ctx *valyala.RequestCtx, code int, v any) {
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	_ = json.NewEncoder(ctx).Encode(v)
}

// rejectCounter tells fasthttp's concurrency rejections apart: fasthttp
// writes its 503 and closes such a connection without ever reading from it,
// which a served connection never does.
type rejectCounter struct {
	net.Listener
	env *lab.Env
}

func (l *rejectCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c, env: l.env, accepted: time.Now()}, nil
}

type watchedConn struct {
	net.Conn
	env      *lab.Env
	accepted time.Time
	read     atomic.Bool
	closed   atomic.Bool
}

func (c *watchedConn) Read(p []byte) (int, error) {
	c.read.Store(true)
	return c.Conn.Read(p)
}

func (c *watchedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) && !c.read.Load() {
		c.env.Metrics.Reject(lab.ReasonConcurrencyLimit)
		c.env.Finish(c.RemoteAddr().String(), "", valyala.StatusServiceUnavailable, c.accepted, lab.Reply{})
	}
	return c.Conn.Close()
}
