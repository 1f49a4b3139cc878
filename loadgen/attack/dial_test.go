package attack

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Twenty connections opened at once to a name send one lookup, and all
// twenty reach the listener at the address it returned.
func TestCachingDialerLooksUpOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	var lookups atomic.Int32
	fail := atomic.Bool{}
	fail.Store(true)
	d := newCachingDialer(&net.Dialer{Timeout: 5 * time.Second}, nil)
	d.lookup = func(_ context.Context, host string) ([]string, error) {
		lookups.Add(1)
		if host != "lab.test" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		if fail.Swap(false) {
			return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
		}
		time.Sleep(50 * time.Millisecond) // a slow resolver: the burst waits for one answer
		return []string{"127.0.0.1"}, nil
	}
	ctx := context.Background()

	// A failed lookup is not remembered: the next dial asks again.
	if _, err := d.DialContext(ctx, "tcp", "lab.test:"+port); err == nil {
		t.Fatal("dial with a failing lookup succeeded")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			c, err := d.DialContext(ctx, "tcp", "lab.test:"+port)
			if err != nil {
				errs <- err
				return
			}
			c.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// An IP is dialled without a lookup.
	c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	var dnsErr *net.DNSError
	if _, err := d.DialContext(ctx, "tcp", "elsewhere.test:"+port); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("unknown host: %v, want a not-found DNS error", err)
	}
	if n := lookups.Load(); n != 3 {
		t.Errorf("%d lookups, want 3: the failed one, one for the burst of 20, one for the unknown host", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for accepted.Load() != 21 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := accepted.Load(); n != 21 {
		t.Errorf("%d connections accepted, want 21", n)
	}
}

// Each shard of a split schedule has its own source address; an unsplit one
// has none.
func TestEachShardConnectsFromItsOwnLoopbackAddress(t *testing.T) {
	for _, tc := range []struct {
		shard, shards int
		want          string
	}{
		{0, 0, "<nil>"},
		{0, 1, "<nil>"},
		{0, 3, "127.0.1.1"},
		{2, 3, "127.0.1.3"},
		{253, 254, "127.0.1.254"},
		{254, 300, "<nil>"},
	} {
		if got := (Options{Shard: tc.shard, Shards: tc.shards}).source().String(); got != tc.want {
			t.Errorf("shard %d of %d: source %s, want %s", tc.shard, tc.shards, got, tc.want)
		}
	}
}

// A dialer with a source connects to an IPv4 loopback listener from it, and
// to an IPv6 one as the kernel chooses.
func TestLoopbackTargetsAreDialledFromTheSource(t *testing.T) {
	d := newCachingDialer(&net.Dialer{Timeout: 5 * time.Second}, net.IPv4(127, 0, 1, 7))
	for _, tc := range []struct{ listen, want string }{
		{"127.0.0.1:0", "127.0.1.7"},
		{"[::1]:0", "::1"},
	} {
		ln, err := net.Listen("tcp", tc.listen)
		if err != nil {
			t.Logf("%s: %v (no such address here)", tc.listen, err)
			continue
		}
		accepted := make(chan net.Addr, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				accepted <- nil
				return
			}
			accepted <- c.RemoteAddr()
			c.Close()
		}()
		c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("dial %s: %v", ln.Addr(), err)
		}
		c.Close()
		remote := <-accepted
		ln.Close()
		if host, _, _ := net.SplitHostPort(remote.String()); host != tc.want {
			t.Errorf("listener %s saw a connection from %s, want %s", tc.listen, remote, tc.want)
		}
	}
}
