package attack

import (
	"context"
	"errors"
	"net"
	"sync"
)

// cachingDialer looks a target's host name up once and dials the addresses
// it got for every later connection, as vegeta's own -dns-ttl 0 default
// does. A run measures the server's queues: a lookup per request would add
// the resolver's latency to every request, and a burst of them can make a
// resolver such as Docker's embedded one fail requests that the server never
// saw.
type cachingDialer struct {
	dialer *net.Dialer
	// loopback, when set, dials IPv4 loopback addresses from a source
	// address of its own (see Options.source).
	loopback *net.Dialer
	// lookup resolves a host name; net.DefaultResolver.LookupHost outside
	// tests.
	lookup func(ctx context.Context, host string) ([]string, error)

	mu    sync.Mutex
	addrs map[string][]string // by host name; only successful lookups
}

// newCachingDialer dials with d; when source is set, it dials IPv4 loopback
// addresses from source instead, leaving the port for connect(2) to choose.
func newCachingDialer(d *net.Dialer, source net.IP) *cachingDialer {
	stamping := *d
	stamping.ControlContext = stampingSyn(d.Control)
	c := &cachingDialer{dialer: &stamping, lookup: net.DefaultResolver.LookupHost, addrs: map[string][]string{}}
	if source != nil {
		loopback := *d
		loopback.LocalAddr = &net.TCPAddr{IP: source}
		loopback.ControlContext = stampingSyn(bindAddressNoPort)
		c.loopback = &loopback
	}
	return c
}

// DialContext dials addr ("host:port"), resolving host at most once while
// lookups succeed. An address given as an IP is dialled as it is.
func (c *cachingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return c.dialer.DialContext(ctx, network, addr)
	}
	if net.ParseIP(host) != nil {
		return c.dial(ctx, network, host, port)
	}
	ips, err := c.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range ips {
		conn, err := c.dial(ctx, network, ip, port)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// dial connects to ip:port, from the loopback source when ip is an IPv4
// loopback address and a source was given.
func (c *cachingDialer) dial(ctx context.Context, network, ip, port string) (net.Conn, error) {
	d := c.dialer
	if parsed := net.ParseIP(ip); c.loopback != nil && parsed.IsLoopback() && parsed.To4() != nil {
		d = c.loopback
	}
	conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip, port))
	if err == nil {
		if stamps, ok := ctx.Value(dialStampsKey{}).(*dialStamps); ok {
			stamps.rto(retransmitTimeout(conn))
		}
	}
	return conn, err
}

// resolve holds the lock through the lookup, so that the first burst of
// connections sends one query and waits for its answer instead of sending
// one each.
func (c *cachingDialer) resolve(ctx context.Context, host string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ips, ok := c.addrs[host]; ok {
		return ips, nil
	}
	ips, err := c.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	c.addrs[host] = ips
	return ips, nil
}
