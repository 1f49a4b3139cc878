package externaltest

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/promscrape"
	"github.com/conclab/conclab/loadgen/kernelview"
	"github.com/conclab/conclab/loadgen/reconstruct"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/labtest"
)

// view is what the kernel-side measurement says at one instant.
type view struct {
	Port  kernelview.Port
	Where reconstruct.Where
}

// labNumbers are the labserver's own gauges.
type labNumbers struct {
	Inflight, Queued, AcceptQueue, AcceptLimit, Connections float64
}

func labGauges(m promscrape.Samples) labNumbers {
	return labNumbers{
		Inflight: m["conclab_requests_inflight"], Queued: m["conclab_requests_queued"],
		AcceptQueue: m["conclab_accept_queue_length"], AcceptLimit: m["conclab_accept_queue_limit"],
		Connections: m["conclab_connections_open"],
	}
}

// settle is how long a snapshot waits after the labserver first shows the
// state it wants: the rebuild's edges may be off by the client's delay in
// stamping ends (milliseconds on a busy machine), so the snapshot keeps
// away from them.
const settle = 300 * time.Millisecond

// snapshot reads the kernel's view of the port and the labserver's own
// metrics at (about) the same instant, settle after the labserver first
// shows want, and checks that the labserver still shows it on both sides
// of the kernel's sample.
func snapshot(t *testing.T, probe *kernelview.Probe, scrape func() promscrape.Samples, want labNumbers) (kernelview.Port, labNumbers) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for labGauges(scrape()) != want {
		if time.Now().After(deadline) {
			t.Fatalf("labserver gauges %+v, want %+v", labGauges(scrape()), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(settle)
	before := labGauges(scrape())
	k, err := probe.Read()
	if err != nil {
		t.Fatal(err)
	}
	after := labGauges(scrape())
	if before != want || after != want {
		t.Fatalf("labserver gauges moved during the snapshot: %+v, then %+v, want %+v", before, after, want)
	}
	return k, after
}

// probedServer starts a labserver with args, a kernel-side probe of its
// port, and clients whose requests ask for service of sleep.
func probedServer(t *testing.T, service time.Duration, args ...string) (*lab.Server, *kernelview.Probe, *clients) {
	t.Helper()
	srv := labtest.Start(t, args...)
	probe, err := kernelview.Open(mustPort(t, srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = probe.Close() })
	return srv, probe, newClients(t, srv.Addr(), "sleep="+service.String())
}

// TestSemaphoreKernelViewAgrees: semaphore with 3 slots and 8 clients held.
// The kernel sees 8 ESTABLISHED and nothing in the accept queue (the app
// accepts everything); the rebuild from the client's records says 3 ran
// and 5 waited at that instant; together: 5 waiting in the app, as the
// labserver's own conclab_requests_queued says.
func TestSemaphoreKernelViewAgrees(t *testing.T) {
	t.Parallel()
	const service = 1500 * time.Millisecond
	srv, probe, c := probedServer(t, service, "--model", "semaphore", "--limit", "3")
	started := time.Now()
	c.startAll(0, 8)
	// Three instants, one in each wave: 3 run and 5 wait, then 3 and 2,
	// then 2 and 0. The kernel sees every connection accepted until its
	// request ends.
	steps := []struct {
		lab         labNumbers
		established int
	}{
		{labNumbers{Inflight: 3, Queued: 5, Connections: 8}, 8},
		{labNumbers{Inflight: 3, Queued: 2, Connections: 5}, 5},
		{labNumbers{Inflight: 2, Queued: 0, Connections: 2}, 2},
	}
	backlog := listenBacklog(t, srv)
	var ks []kernelview.Port
	var labs []labNumbers
	for i, st := range steps {
		st.lab.AcceptLimit = backlog
		k, lab := snapshot(t, probe, func() promscrape.Samples { return labtest.Scrape(t, srv) }, st.lab)
		if since := time.Since(started); since > time.Duration(i+1)*service-200*time.Millisecond {
			t.Skipf("the machine is too slow for this test: snapshot %d came %s after the start", i, since)
		}
		if k.Established != st.established || k.AcceptQueue != 0 || k.Accepted() != st.established {
			t.Errorf("kernel view %d: %+v, want %d established, 0 in the accept queue", i, k, st.established)
		}
		ks, labs = append(ks, k), append(labs, lab)
	}
	reqs := c.wait(t, 4*service+5*time.Second)
	lives := reconstruct.Rebuild(reqs, service)
	for i, w := range reconstruct.Split(lives, ks) {
		lab := labs[i]
		if float64(w.Running) != lab.Inflight || float64(w.InApp) != lab.Queued || w.InKernel != 0 ||
			float64(w.Accepted) != lab.Connections || w.AppFromKernel != w.InApp || w.Connecting != 0 || w.Undetermined != 0 {
			t.Errorf("snapshot %d: kernel side and rebuild %+v disagree with the labserver's metrics %+v", i, w, lab)
		}
	}
}

// TestLimitListenerKernelViewAgrees: limitlistener with 2 connections and
// backlog 4, and 7 clients opened one by one: 2 accepted and running, the
// accept queue full at backlog+1 = 5, none waiting in the app. Two more
// clients then have their SYNs dropped: they are connecting, not in any
// queue the server can see.
func TestLimitListenerKernelViewAgrees(t *testing.T) {
	t.Parallel()
	const service = 1500 * time.Millisecond
	srv, probe, c := probedServer(t, service, "--model", "limitlistener", "--limit", "2", "--backlog", "4")
	started := time.Now()
	c.startOneByOne(t, 0, 7)
	// The queue is full: these two SYNs are dropped and retransmitted.
	c.start(7)
	c.start(8)
	time.Sleep(100 * time.Millisecond)
	k, lab := snapshot(t, probe, func() promscrape.Samples { return labtest.Scrape(t, srv) },
		labNumbers{Inflight: 2, Queued: 0, AcceptQueue: 5, AcceptLimit: 4, Connections: 2})
	if since := time.Since(started); since > service-200*time.Millisecond {
		t.Skipf("the machine is too slow for this test: the snapshot came %s after the start", since)
	}
	if k.AcceptQueue != 5 || k.Backlog != 4 || k.Established != 7 || k.Accepted() != 2 {
		t.Errorf("kernel view: %+v, want accept queue 5 of backlog 4, 7 established, 2 accepted", k)
	}
	reqs := c.wait(t, 6*service+15*time.Second)
	lives := reconstruct.Rebuild(reqs, service)
	w := reconstruct.SplitAt(lives, k, k.At)
	want := reconstruct.Where{Point: reconstruct.Point{At: k.At, Running: 2, Waiting: 7, Connecting: 2},
		InKernel: 5, InApp: 0, AppFromKernel: 0, Established: 7, Accepted: 2}
	if w != want {
		t.Errorf("rebuild at the snapshot:\n got %+v\nwant %+v", w, want)
	}
	if float64(w.Running) != lab.Inflight || float64(w.InApp) != lab.Queued || float64(w.InKernel) != lab.AcceptQueue ||
		float64(k.Backlog) != lab.AcceptLimit || float64(k.Accepted()) != lab.Connections {
		t.Errorf("kernel side %+v disagrees with the labserver's metrics %+v", w, lab)
	}
	synRetried := 0
	for _, r := range reqs {
		if r.Connect >= 900*time.Millisecond {
			synRetried++
		}
	}
	if synRetried != 2 {
		t.Errorf("%d connects took >= 0.9 s, want the 2 whose SYNs were dropped", synRetried)
	}
}

// listenBacklog is the labserver's accept-queue limit: somaxconn when no
// backlog is given.
func listenBacklog(t *testing.T, srv interface{ Addr() string }) float64 {
	t.Helper()
	p, err := kernelview.ReadPort(mustPort(t, srv.Addr()))
	if err != nil || !p.Listening() {
		t.Fatalf("no listener on %s: %+v %v", srv.Addr(), p, err)
	}
	return float64(p.Backlog)
}
