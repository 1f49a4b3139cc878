package limitlistener

import (
	"net"
	"sync"
	"time"
)

// slotTimer wraps a LimitListener of limit slots and stamps each
// connection it accepts with the close that freed its slot, when every
// slot was taken before that close (lab.SlotFreer): the accept loop blocks on
// LimitListener's semaphore while every slot is taken, and how long it
// takes to wake after a close is a delay of this machine's scheduler
// that the prediction replays. The stamp less the accept is that wake
// only for a connection already in the kernel's queue at the close; for
// one that came later, the accept waited for it too, and loadgen leaves
// it out. Without the stamp the replicas drew the wake from loadgen's own
// lateness, which in a burst is tens of milliseconds where the server
// took a few hundredths of one (docs/traffic.md).
type slotTimer struct {
	net.Listener
	limit int

	mu    sync.Mutex
	open  int       // connections accepted and not yet closed
	freed time.Time // the close that freed a slot while all were taken; zero once an accept took it
}

func (l *slotTimer) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		// LimitListener gave the slot back; the next accept, after
		// net/http's backoff, waited for more than a wake.
		l.mu.Lock()
		l.freed = time.Time{}
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Lock()
	l.open++
	freed := l.freed
	l.freed = time.Time{}
	l.mu.Unlock()
	return &slotConn{Conn: c, l: l, freed: freed}, nil
}

// closed notes that a connection closed, at now.
func (l *slotTimer) closed(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open == l.limit {
		l.freed = now
	}
	l.open--
}

// slotConn is a connection of a slotTimer.
type slotConn struct {
	net.Conn
	l     *slotTimer
	freed time.Time
	once  sync.Once
}

// SlotFreed implements lab.SlotFreer.
func (c *slotConn) SlotFreed() time.Time { return c.freed }

// Close notes the close before LimitListener's own, which frees the slot.
func (c *slotConn) Close() error {
	c.once.Do(func() { c.l.closed(time.Now()) })
	return c.Conn.Close()
}
