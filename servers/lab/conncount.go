package lab

import (
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// countingListener keeps conclab_connections_open equal to the connections
// accepted and not yet closed, whichever model serves them.
type countingListener struct {
	net.Listener
	open prometheus.Gauge
}

// CountConnections wraps ln so that every accepted connection is counted
// in open until it is closed.
func CountConnections(ln net.Listener, open prometheus.Gauge) net.Listener {
	return &countingListener{Listener: ln, open: open}
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Inc()
	return &countedConn{Conn: c, open: l.open}, nil
}

// countedConn decrements the gauge once, on the first Close.
type countedConn struct {
	net.Conn
	open prometheus.Gauge
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.open.Dec)
	return err
}

// Reset closes the connection with SO_LINGER 0, so the peer gets an RST
// ("connection reset by peer") instead of an orderly FIN.
func (c *countedConn) Reset() error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	return c.Close()
}

// SetKeepAlive and SetKeepAlivePeriod let net/http and fasthttp tune TCP
// keep-alive through the wrapper as they would on a *net.TCPConn.
func (c *countedConn) SetKeepAlive(on bool) error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		return tc.SetKeepAlive(on)
	}
	return nil
}

func (c *countedConn) SetKeepAlivePeriod(d time.Duration) error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		return tc.SetKeepAlivePeriod(d)
	}
	return nil
}

// Resetter is a connection that can be closed with an RST.
type Resetter interface {
	Reset() error
}
