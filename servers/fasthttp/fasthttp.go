// Package fasthttp serves the work with github.com/valyala/fasthttp. Its
// Server.Concurrency (--limit) caps the connections served at once; a
// connection beyond it gets fasthttp's own 503 and is closed, so nothing
// waits. fasthttp does not watch the connection while a handler runs: a
// client that leaves mid-request keeps its slot until the work ends.
//
// Methods and bodies follow the lab's contract (lab.CheckMethod,
// lab.MaxBodyBytes): fasthttp reads the whole body, up to the cap, before it
// calls the handler, and the errors of that read are answered and counted as
// the net/http models answer and count them.
package fasthttp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	valyala "github.com/valyala/fasthttp"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/workapi"
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
	// bodies holds the requests whose header has come and whose body is
	// being read: fasthttp resets a request whose body fails, so this is
	// how readError tells a failed body from a failed header.
	bodies sync.Map // *valyala.RequestHeader → struct{}
}

func newModel(env *lab.Env) (lab.Model, error) {
	m := &model{env: env}
	c := env.Config
	m.srv = &valyala.Server{
		Handler:     m.handle,
		Name:        "conclab",
		Concurrency: c.Limit,
		// fasthttp has one read deadline: the header's, which
		// HeaderReceived renews for the body. With --read-timeout 0 the
		// header's deadline covers the body too.
		ReadTimeout:                  firstNonZero(c.ReadHeaderTimeout, c.ReadTimeout),
		HeaderReceived:               m.bodyConfig,
		ErrorHandler:                 m.readError,
		MaxRequestBodySize:           lab.MaxBodyBytes,
		DisablePreParseMultipartForm: true,
		WriteTimeout:                 c.WriteTimeout,
		IdleTimeout:                  c.IdleTimeout,
		DisableKeepalive:             !c.KeepAlive,
		ReadBufferSize:               16 << 10,
		NoDefaultDate:                true,
		CloseOnShutdown:              true,
		Logger:                       quietLogger{},
		ReduceMemoryUsage:            false,
	}
	return m, nil
}

// bodyConfig gives the body --read-timeout from the end of the header.
func (m *model) bodyConfig(h *valyala.RequestHeader) valyala.RequestConfig {
	if hasBody(h) {
		m.bodies.Store(h, struct{}{})
	}
	return valyala.RequestConfig{ReadTimeout: m.env.Config.ReadTimeout}
}

// hasBody reports whether a request comes with a body that can fail: a
// Content-Length above 0, or chunked (-1); -2 (none given) and 0 have none.
func hasBody(h *valyala.RequestHeader) bool {
	cl := h.ContentLength()
	return cl > 0 || cl == -1
}

// readError answers a request fasthttp could not read. A failure in the
// body is answered and counted as lab.Env.Handler does; a failure in the
// header gets fasthttp's own answer, uncounted, as net/http's own answers
// to bad headers are.
func (m *model) readError(ctx *valyala.RequestCtx, err error) {
	if _, inBody := m.bodies.LoadAndDelete(&ctx.Request.Header); !inBody {
		headerError(ctx, err)
		return
	}
	arrived := time.Now()
	remote, uri := ctx.RemoteAddr().String(), string(ctx.RequestURI())
	var ne net.Error
	switch {
	case errors.Is(err, valyala.ErrBodyTooLarge):
		writeJSON(ctx, valyala.StatusRequestEntityTooLarge, map[string]string{"error": lab.ErrBodyTooLarge.Error()})
		m.env.Finish(remote, uri, valyala.StatusRequestEntityTooLarge, arrived, lab.Reply{})
	case errors.As(err, &ne) && ne.Timeout():
		writeJSON(ctx, valyala.StatusRequestTimeout, map[string]string{"error": lab.BodyTimeoutError(m.env.Config.ReadTimeout).Error()})
		m.env.Finish(remote, uri, valyala.StatusRequestTimeout, arrived, lab.Reply{})
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &ne):
		// The client left before the end of its body; fasthttp still
		// writes something, to nobody.
		ctx.SetStatusCode(valyala.StatusBadRequest)
		m.env.Finish(remote, uri, lab.StatusClientClosed, arrived, lab.Reply{})
	default:
		writeJSON(ctx, valyala.StatusBadRequest, map[string]string{"error": "request body: " + err.Error()})
		m.env.Finish(remote, uri, valyala.StatusBadRequest, arrived, lab.Reply{})
	}
}

// headerError is fasthttp's default answer to a header it could not read.
func headerError(ctx *valyala.RequestCtx, err error) {
	var small *valyala.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.As(err, &small):
		ctx.Error("Too big request header", valyala.StatusRequestHeaderFieldsTooLarge)
	case errors.As(err, &ne) && ne.Timeout():
		ctx.Error("Request timeout", valyala.StatusRequestTimeout)
	default:
		ctx.Error("Error when parsing request", valyala.StatusBadRequest)
	}
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
	if hasBody(&ctx.Request.Header) {
		m.bodies.Delete(&ctx.Request.Header) // read whole: no longer in its body
	}
	args := ctx.QueryArgs()
	get := func(k string) string { return string(args.Peek(k)) }
	remote, uri := ctx.RemoteAddr().String(), string(ctx.RequestURI())
	if err := lab.CheckMethod(string(ctx.Method())); err != nil {
		ctx.Response.Header.Set("Allow", lab.AllowHeader)
		writeJSON(ctx, valyala.StatusMethodNotAllowed, map[string]string{"error": err.Error()})
		m.env.Finish(remote, uri, valyala.StatusMethodNotAllowed, arrived, lab.Reply{})
		return
	}
	w, err := lab.ParseWork(get, m.env.Config)
	if err == nil {
		w.Deadline, err = lab.ParseDeadline(string(ctx.Request.Header.Peek(workapi.DeadlineHeader)))
	}
	conn, _ := ctx.Conn().(*watchedConn) // rejectCounter's, always
	if conn != nil {
		w.Accepted = conn.accepted
	}
	if err != nil {
		writeJSON(ctx, valyala.StatusBadRequest, map[string]string{"error": err.Error()})
		m.env.Finish(remote, uri, valyala.StatusBadRequest, arrived, lab.Reply{})
		return
	}
	reply, err := m.env.Execute(ctx, nil, w)
	if conn != nil {
		q := lab.Passage(w, reply, time.Now())
		if kept := conn.passage.Swap(&q); kept != nil {
			// Kept alive: the previous request's place was its
			// connection's, which is still open.
			m.env.Passages.Keep(*kept)
		}
	} else {
		m.env.Passages.Add(w, reply, time.Now())
	}
	if err == nil && lab.PeerClosed(ctx.Conn()) {
		// fasthttp cannot stop the work when the client leaves: the
		// whole of it was for nobody.
		m.env.Metrics.Waste(reply.End.Sub(reply.Start).Seconds())
		ctx.SetConnectionClose()
		err = errClientLeft
	}
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

// errClientLeft: the client closed its connection before the work ended.
var errClientLeft = errors.New("the client left before its answer")

type watchedConn struct {
	net.Conn
	env      *lab.Env
	accepted time.Time
	read     atomic.Bool
	closed   atomic.Bool
	// passage is its request's, kept at the close: fasthttp frees the
	// connection's worker, its place, only after closing it.
	passage atomic.Pointer[adminapi.Passage]
}

func (c *watchedConn) Read(p []byte) (int, error) {
	c.read.Store(true)
	return c.Conn.Read(p)
}

func (c *watchedConn) Close() error {
	first := c.closed.CompareAndSwap(false, true)
	if first && !c.read.Load() {
		c.env.Metrics.Reject(catalog.ReasonConcurrencyLimit)
		c.env.Finish(c.RemoteAddr().String(), "", valyala.StatusServiceUnavailable, c.accepted, lab.Reply{})
	}
	err := c.Conn.Close()
	if q := c.passage.Load(); first && q != nil {
		q.Closed = time.Now().UnixNano()
		c.env.Passages.Keep(*q)
	}
	return err
}

// PeerClosed lets lab.PeerClosed see through the wrapper.
func (c *watchedConn) PeerClosed() bool { return lab.PeerClosed(c.Conn) }
