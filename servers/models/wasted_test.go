package models_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/labtest"
)

// Work done for a client that has left is counted as wasted, on every
// model: up to the moment the server stops it where net/http tells the
// handler that its client left, and the whole of it where the catalogue
// says the work outlives the client (fasthttp). A request answered in
// time wastes nothing.
func TestWorkForAClientThatLeftIsCountedAsWasted(t *testing.T) {
	const work, leaveAfter = 1500 * time.Millisecond, 400 * time.Millisecond
	for _, m := range catalog.Models {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, m.ExampleArgs()...)
			answered := labtest.Hold(t, srv, 1, "sleep=10ms", 2*time.Second)
			if r := answered.Wait(t, settle)[0]; r.Status != 200 {
				t.Fatalf("the answered request: %+v", r)
			}
			conn, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "GET /?sleep=%s HTTP/1.1\r\nHost: x\r\n\r\n", work)
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
			time.Sleep(leaveAfter)
			left := time.Now()
			conn.Close()
			labtest.WaitFor(t, srv, settle+work, map[string]float64{
				"conclab_requests_inflight": 0, key("conclab_requests_total", "code", "499"): 1,
			})
			noticed := time.Since(left)
			wasted := labtest.Scrape(t, srv)["conclab_wasted_work_seconds_total"]
			lo, hi := leaveAfter, leaveAfter+noticed+500*time.Millisecond // margins for scheduling only
			if m.WorkOutlivesClient {
				lo, hi = work, work+time.Second
			}
			if got := time.Duration(wasted * float64(time.Second)); got < lo || got > hi {
				t.Errorf("wasted work %v, want %v to %v (work outlives the client: %v)", got, lo, hi, m.WorkOutlivesClient)
			}
		})
	}
}
