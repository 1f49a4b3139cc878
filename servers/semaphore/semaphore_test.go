package semaphore

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

func newTestGate(t *testing.T, limit int, order string) *Gate {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return NewGate(limit, catalog.Unbounded, Fixed{LIFO: order == catalog.OrderLIFO}, lab.NewMetrics(ln, nil))
}

func (g *Gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiters.Len()
}

func (g *Gate) freeSlots() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.free)
}

// waitUntil polls cond for up to 10 s: a scheduling margin, not a target.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// A waiter whose client leaves is taken off the queue: the slot freed next
// is not handed to it but kept, and the next request takes it at once.
func TestAWaiterThatLeavesDoesNotKeepASlot(t *testing.T) {
	for _, order := range catalog.Orders {
		t.Run(order, func(t *testing.T) {
			g := newTestGate(t, 1, order)
			held, err := g.acquire(context.Background(), lab.Work{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			left := make(chan error)
			go func() {
				_, err := g.acquire(ctx, lab.Work{})
				left <- err
			}()
			waitUntil(t, "one request waits", func() bool { return g.waiting() == 1 })
			cancel()
			if err := <-left; !errors.Is(err, context.Canceled) {
				t.Fatalf("the waiter that left got %v, want context.Canceled", err)
			}
			g.release(held)
			if g.waiting() != 0 || g.freeSlots() != 1 {
				t.Fatalf("after the release: %d waiting, %d free; want 0 and 1", g.waiting(), g.freeSlots())
			}
		})
	}
}

// Requests that come, wait, leave and finish at random never lose a slot
// nor get one twice: at the end every slot is free again, and no more than
// limit ever ran at once. Run it with -race.
func TestNoSlotIsLostOrSharedUnderChurn(t *testing.T) {
	for _, order := range catalog.Orders {
		t.Run(order, func(t *testing.T) {
			const limit, requests = 3, 400
			g := newTestGate(t, limit, order)
			var mu sync.Mutex
			running, most := 0, 0
			var wg sync.WaitGroup
			for i := range requests {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(3000))*time.Microsecond)
					defer cancel()
					_ = g.Run(ctx, lab.Work{}, func(string) {
						mu.Lock()
						running++
						most = max(most, running)
						mu.Unlock()
						time.Sleep(time.Duration(i%5) * 100 * time.Microsecond)
						mu.Lock()
						running--
						mu.Unlock()
					})
				})
			}
			wg.Wait()
			if g.freeSlots() != limit || g.waiting() != 0 || most > limit {
				t.Errorf("%d free, %d waiting, at most %d at once; want %d, 0, <= %d", g.freeSlots(), g.waiting(), most, limit, limit)
			}
		})
	}
}
