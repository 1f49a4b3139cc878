package attack

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// oneShot is the RoundTripper of an attack without keep-alive, which every
// scenario runs: each request has a connection of its own, dialled for it
// and closed with its answer. It writes the request and reads the answer on
// the caller's goroutine, where http.Transport runs a reading and a writing
// goroutine per connection and hands the request and the answer across
// channels. A held request therefore costs one goroutine instead of three,
// and its socket a 1 KiB read buffer; `make perf` measures the difference
// (docs/perf.md#client-memory-beside-vegeta).
//
// The wire format is net/http's own (Request.Write, ReadResponse); only the
// connection's life is handled here, and it keeps the one behaviour of
// http.Transport that the prediction models: a dial goes on after its
// request gives up (predict's ghost phase), so that the kernel keeps
// retransmitting the SYN until connect(2) ends, and a connection it then
// makes is closed at once.
type oneShot struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// other carries what oneShot does not: a request with a body, or a
	// scheme other than http.
	other http.RoundTripper
}

// maxInformational is how many informational answers a request takes
// before its final one, as in http.Transport.
const maxInformational = 5

var errTooManyInformational = errors.New("net/http: too many 1xx informational responses")

// requestWriters lend the buffer a request is written through, for the
// moment of the write only.
var requestWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, connBuffer) }}

func (o *oneShot) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || (req.Body != nil && req.Body != http.NoBody) {
		return o.other.RoundTrip(req)
	}
	ctx := req.Context()
	if ctx.Err() != nil {
		// As http.Transport does: a request that gave up before its round
		// trip began sends no SYN.
		return nil, context.Cause(ctx)
	}
	conn, err := o.connect(ctx, req.URL)
	if err != nil {
		return nil, err
	}
	// A deadline in the past wakes a blocked write or read at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	closing := *req // RoundTrip must not change the caller's request
	closing.Close = true
	w := requestWriters.Get().(*bufio.Writer)
	w.Reset(conn)
	err = closing.Write(w)
	if err == nil {
		err = w.Flush()
	}
	w.Reset(nil)
	requestWriters.Put(w)
	if err != nil {
		return fail(err)
	}
	r := bufio.NewReaderSize(conn, connBuffer)
	resp, err := http.ReadResponse(r, req)
	// An informational answer (100 Continue, 103 Early Hints) precedes the
	// final one; http.Transport gives up after five, as this does.
	for informational := 0; err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 &&
		resp.StatusCode != http.StatusSwitchingProtocols; informational++ {
		if informational == maxInformational {
			err = errTooManyInformational
			break
		}
		resp, err = http.ReadResponse(r, req)
	}
	if err != nil {
		return fail(err)
	}
	resp.Body = &oneShotBody{ReadCloser: resp.Body, ctx: ctx, conn: conn, stop: stop}
	return resp, nil
}

// connect dials u's host for one request. The dial does not end when the
// request gives up: as in http.Transport, it goes on in its own goroutine
// until connect(2) ends (or the dialer's own timeout), and a connection made
// after the request left is closed at once. It keeps the request context's
// values: the tracer's hooks and SYN stamper.
func (o *oneShot) connect(ctx context.Context, u *url.URL) (net.Conn, error) {
	port := u.Port()
	if port == "" {
		port = "80"
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	type dialed struct {
		conn net.Conn
		err  error
	}
	result := make(chan dialed, 1)
	var mu sync.Mutex
	abandoned := false
	go func() {
		conn, err := o.dial(context.WithoutCancel(ctx), "tcp", addr)
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			if conn != nil {
				conn.Close()
			}
			return
		}
		result <- dialed{conn, err}
	}()
	select {
	case d := <-result:
		if d.err != nil && ctx.Err() != nil {
			// Failed as the request gave up: the request's end is what
			// http.Transport reports then.
			return nil, context.Cause(ctx)
		}
		return d.conn, d.err
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		select {
		case d := <-result: // the dial ended as the request gave up
			if d.conn != nil {
				d.conn.Close()
			}
		default:
			abandoned = true
		}
		return nil, context.Cause(ctx)
	}
}

// oneShotBody closes its connection with the body, and reports a read that
// its request's end interrupted as that end, as http.Transport does.
type oneShotBody struct {
	io.ReadCloser
	ctx  context.Context
	conn net.Conn
	stop func() bool
}

func (b *oneShotBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && b.ctx.Err() != nil {
		err = context.Cause(b.ctx)
	}
	return n, err
}

func (b *oneShotBody) Close() error {
	b.stop()
	return b.conn.Close()
}
