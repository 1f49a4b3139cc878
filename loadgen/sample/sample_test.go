package sample_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/servers/labtest"
)

func TestSamplerReadsTheServerGauges(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "2")
	labtest.Hold(t, srv, 5, "sleep=30s", 2*time.Second)
	labtest.WaitFor(t, srv, 10*time.Second, map[string]float64{"conclab_requests_queued": 3})
	s := &sample.Sampler{
		MetricsURL: "http://" + srv.AdminAddr() + "/metrics",
		Client:     func() (int64, int64, int64, int64) { return 5, 5, 0, 0 },
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx, time.Now())
	rows := s.Rows()
	if len(rows) != 2 {
		t.Fatalf("%d rows, want the first and the last sample", len(rows))
	}
	r := rows[1]
	if r.Inflight != 2 || r.Queued != 3 || r.Connections != 5 || r.AcceptQueue != 0 || r.ClientSent != 5 || r.RSSBytes <= 0 {
		t.Errorf("row %+v", r)
	}
	// Every client completed its handshake: the listener holds no request
	// socket. Only Linux's servers count them.
	if wantSyn := (runtime.GOOS == "linux"); wantSyn && r.SynQueue != 0 || !wantSyn && !math.IsNaN(r.SynQueue) {
		t.Errorf("syn queue %v on %s, want 0 on linux and unknown elsewhere", r.SynQueue, runtime.GOOS)
	}
	var buf bytes.Buffer
	if err := runfolder.WriteTimeline(&buf, rows); err != nil {
		t.Fatal(err)
	}
	back, err := runfolder.ReadTimeline(&buf)
	if err != nil || len(back) != 2 || back[1].Queued != 3 || back[1].Inflight != 2 {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

func TestNoAdminLeavesServerColumnsEmpty(t *testing.T) {
	s := &sample.Sampler{Client: func() (int64, int64, int64, int64) { return 1, 1, 0, 0 }}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx, time.Now())
	r := s.Last()
	if !math.IsNaN(r.Inflight) || !math.IsNaN(r.AcceptQueue) || !math.IsNaN(r.SynQueue) || r.ClientSent != 1 {
		t.Errorf("row %+v", r)
	}
	var buf bytes.Buffer
	_ = runfolder.WriteTimeline(&buf, s.Rows())
	if !bytes.Contains(buf.Bytes(), []byte(",,,")) {
		t.Errorf("NaN should be empty cells:\n%s", buf.String())
	}
}

// BenchmarkSample is one sample of one target: scrape and parse /metrics.
// At 1 Hz, ns/op ÷ 1e9 is the share of one core per target.
func BenchmarkSample(b *testing.B) {
	srv := labtest.Start(b, "--model", "semaphore", "--limit", "40")
	s := &sample.Sampler{MetricsURL: "http://" + srv.AdminAddr() + "/metrics",
		Client: func() (int64, int64, int64, int64) { return 0, 0, 0, 0 }}
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Run(ctx, start)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N)/1e7, "%core@1Hz")
}

// The client's counters belong to the row's instant: a slow scrape (a
// server short of CPU) must not let them run past it.
func TestTheClientIsReadAtTheSampleInstantNotAfterASlowScrape(t *testing.T) {
	var sends atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sends.Add(7) // seven sends land while the server is slow to answer
		time.Sleep(100 * time.Millisecond)
		fmt.Fprintln(w, "conclab_requests_inflight 1")
	}))
	defer slow.Close()
	s := &sample.Sampler{MetricsURL: slow.URL, HTTP: slow.Client(),
		Client: func() (int64, int64, int64, int64) { n := sends.Load(); return n, n, 0, 0 }}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx, time.Now())
	rows := s.Rows()
	if len(rows) != 2 || rows[0].ClientSent != 0 || rows[1].ClientSent != 7 || rows[1].Inflight != 1 {
		t.Errorf("rows %+v: want the client read before each scrape (sent 0, then 7) and the server's gauge", rows)
	}
	// The server's gauges were read somewhere in the 100 ms the scrape
	// took: the row says until when, to the millisecond in the file.
	for _, r := range rows {
		if r.Scraped < r.T+100*time.Millisecond {
			t.Errorf("row at %v scraped at %v: want at least 100 ms later, when the slow answer came", r.T, r.Scraped)
		}
	}
	var buf bytes.Buffer
	if err := runfolder.WriteTimeline(&buf, rows); err != nil {
		t.Fatal(err)
	}
	back, err := runfolder.ReadTimeline(&buf)
	if err != nil || len(back) != 2 || (back[1].Scraped-rows[1].Scraped).Abs() > time.Millisecond {
		t.Errorf("round trip of scraped_s: %+v, %v", back, err)
	}
}

// A scrape that fails reads no server gauge, and the row has no span of it.
func TestAFailedScrapeLeavesNoScrapedTime(t *testing.T) {
	s := &sample.Sampler{MetricsURL: "http://127.0.0.1:1/metrics",
		Client: func() (int64, int64, int64, int64) { return 0, 0, 0, 0 }}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx, time.Now())
	if r := s.Last(); r.Scraped != 0 || !math.IsNaN(r.Inflight) {
		t.Errorf("row %+v: want no scraped time and no server gauge", r)
	}
}
