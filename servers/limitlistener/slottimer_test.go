package limitlistener

import (
	"net"
	"testing"
	"time"

	"golang.org/x/net/netutil"

	"github.com/conclab/conclab/servers/lab"
)

// With one slot, the first connection is accepted at once (no close to
// wait for), and the second only after the first closes: its SlotFreed is
// that close, between the instants before and after it, whether its
// accept was blocked yet or not.
func TestASecondConnectionKnowsTheCloseThatFreedItsSlot(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &slotTimer{Listener: netutil.LimitListener(raw, 1), limit: 1}
	defer ln.Close()
	for range 2 {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if f := first.(lab.SlotFreer).SlotFreed(); !f.IsZero() {
		t.Errorf("the first connection's SlotFreed is %v; want zero, its accept waited for no close", f)
	}
	second := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
			c = nil
		}
		second <- c
	}()
	before := time.Now()
	_ = first.Close()
	after := time.Now()
	select {
	case c := <-second:
		if c == nil {
			t.FailNow()
		}
		defer c.Close()
		if f := c.(lab.SlotFreer).SlotFreed(); f.Before(before) || f.After(after) {
			t.Errorf("the second connection's SlotFreed is %v; want the close, between %v and %v", f, before, after)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second accept did not return within 5 s of the close")
	}
}
