package attack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/workload"
)

// Three users with no think time, four requests each, against a server
// that holds every request 30 ms: whenever the server sees a request
// arrive, the other two users' requests are already there or on their way,
// so it never holds more than three, and each user's requests come one
// after the other, in iteration order.
func TestClosedUsersSendEachRequestAfterTheLastAnswer(t *testing.T) {
	const users, iterations = 3, 4
	var mu sync.Mutex
	held, most := 0, 0
	var order []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.URL.Query().Get("id"))
		mu.Lock()
		held++
		most = max(most, held)
		order = append(order, id)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		held--
		mu.Unlock()
	}))
	defer srv.Close()
	sched := &workload.Schedule{Users: &workload.Users{Starts: make([]time.Duration, users), Iterations: iterations},
		Sleep: make([]time.Duration, users*iterations), CPU: make([]time.Duration, users*iterations)}
	var hits []Hit
	a, err := New(t.Context(), Options{Name: "c", URL: srv.URL, Schedule: sched, Timeout: 10 * time.Second},
		func(h Hit) { hits = append(hits, h) })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	a.Run(ctx)
	if len(hits) != users*iterations || most != users {
		t.Fatalf("%d hits, at most %d held; want %d, %d", len(hits), most, users*iterations, users)
	}
	seen := map[int]int{} // per user, its last iteration seen
	for _, id := range order {
		user, iteration := id%users, id/users
		if last, ok := seen[user]; (ok && iteration != last+1) || (!ok && iteration != 0) {
			t.Errorf("user %d sent iteration %d after %d", user, iteration, last)
		}
		seen[user] = iteration
	}
	var seqs []int
	for _, h := range hits {
		seqs = append(seqs, int(h.Result.Seq))
		if h.Late < 0 || h.Late > time.Second {
			t.Errorf("request %d sent %v after its user was ready", h.Result.Seq, h.Late)
		}
	}
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != i {
			t.Fatalf("results numbered %v, want 0..%d", seqs, users*iterations-1)
		}
	}
}

func TestAClosedScheduleIsNotSharded(t *testing.T) {
	sched := &workload.Schedule{Users: &workload.Users{Starts: make([]time.Duration, 2), Iterations: 1},
		Sleep: make([]time.Duration, 2), CPU: make([]time.Duration, 2)}
	_, err := New(t.Context(), Options{Name: "c", URL: "http://127.0.0.1:1/", Schedule: sched, Shards: 2, Shard: 1}, nil)
	if err == nil || err.Error() != "attack c: a closed schedule's users run in one process, not in 2 shards" {
		t.Errorf("err = %v", err)
	}
}
