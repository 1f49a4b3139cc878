package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
)

// workerEnv makes the test binary a worker process: "HUB SLOT".
const workerEnv = "HUBTEST_WORKER"

func TestMain(m *testing.M) {
	if w := os.Getenv(workerEnv); w != "" {
		hubURL, slot, _ := strings.Cut(w, " ")
		n, _ := strconv.Atoi(slot)
		// As loadgen worker: SIGTERM (docker stop) stops the worker.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if err := RunWorker(ctx, WorkerOptions{Hub: hubURL, Slot: n, ReachWithin: 30 * time.Second}); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lab is a hub with one target, a real HTTP server on loopback.
type lab struct {
	hub    *Hub
	target *Target
	folder runfolder.Folder
	url    string // the hub's
}

// newLab starts a hub of workers for a target sent requests at rate,
// with the hub's waits as given (0: the defaults).
func newLab(t *testing.T, workers, requests, rate int, join, silence time.Duration) *lab {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	doc := fmt.Sprintf("name: t\nrequests: %d\nrate: %d\nsleep: 1ms\ntimeout: 2s\ntargets:\n  - {name: a, model: nethttp}\n", requests, rate)
	s, err := scenario.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	folder := runfolder.Folder(t.TempDir())
	h, err := Listen("127.0.0.1:0", Options{Workers: workers, Folder: folder, JoinWithin: join, Silence: silence})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	tg := h.Target(attack.Options{Name: "a", URL: srv.URL + "/", Schedule: s.Schedule(), Timeout: 2 * time.Second})
	h.Arm([]byte(doc))
	return &lab{hub: h, target: tg, folder: folder, url: "http://" + h.Addr()}
}

// inProcess runs the workers of the given slots as goroutines.
func (l *lab) inProcess(t *testing.T, slots ...int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, n := range slots {
		wg.Go(func() {
			if err := RunWorker(context.Background(), WorkerOptions{Hub: l.url, Slot: n, ReachWithin: 10 * time.Second}); err != nil {
				t.Errorf("worker %d: %v", n, err)
			}
		})
	}
	return &wg
}

// process starts the worker of slot as a process of its own.
func (l *lab) process(t *testing.T, slot int) *exec.Cmd {
	t.Helper()
	c := exec.Command(os.Args[0])
	c.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", workerEnv, l.url, slot))
	c.Stderr = os.Stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	return c
}

// run gathers the workers, starts them, and waits for the run to end;
// it returns the merged results' Seqs.
func (l *lab) run(t *testing.T, whileRunning func()) []uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l.hub.Gather(ctx)
	start := time.Now().Add(300 * time.Millisecond)
	done := make(chan struct{})
	go func() { l.target.Run(ctx, start); close(done) }()
	if whileRunning != nil {
		whileRunning()
	}
	<-done
	if ctx.Err() != nil {
		t.Fatal("the run did not end within a minute")
	}
	var seqs []uint64
	if err := l.target.Merge(start, func(h attack.Hit) { seqs = append(seqs, h.Result.Seq) }); err != nil {
		t.Fatal(err)
	}
	return seqs
}

func TestEveryWorkersShareArrivesOnceInScheduleOrder(t *testing.T) {
	l := newLab(t, 3, 30, 100, 0, 0)
	workers := l.inProcess(t, 1, 2, 3)
	seqs := l.run(t, nil)
	workers.Wait()
	if len(seqs) != 30 {
		t.Fatalf("%d results, want 30", len(seqs))
	}
	for i, s := range seqs {
		if s != uint64(i) {
			t.Fatalf("result %d has Seq %d: the merged .bin is not the schedule in order", i, s)
		}
	}
	if lost, notes := l.target.Lost(); lost != 0 || len(notes) > 0 || len(l.hub.Lost()) > 0 {
		t.Errorf("lost %d %v %v, want none", lost, notes, l.hub.Lost())
	}
	if sent := l.target.Counters.Sent.Load(); sent != 30 {
		t.Errorf("the workers' counters say %d sent, want 30", sent)
	}
	n, err := runfolder.ReadBin(l.folder.Bin("a"), func(*vegeta.Result) {})
	if err != nil || n != 30 {
		t.Errorf("the target's .bin holds %d results (%v), want 30", n, err)
	}
}

func TestAWorkerThatNeverJoinsIsLostWithItsShare(t *testing.T) {
	l := newLab(t, 3, 30, 100, 500*time.Millisecond, 0)
	workers := l.inProcess(t, 1, 2)
	seqs := l.run(t, nil)
	workers.Wait()
	// Slot 3 sends hits 2, 5, …, 29 of the 30: 10.
	lost, notes := l.target.Lost()
	if len(seqs) != 20 || lost != 10 {
		t.Errorf("%d results and %d lost, want 20 and 10", len(seqs), lost)
	}
	want := "worker 3 of 3 did not join within 500ms (not placed, or it could not start or reach loadgen): " +
		"10 of its 10 requests have no result (as of its last counters, 10 never sent and 0 sent but not heard back)"
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q, want %q", notes, want)
	}
	resp, err := http.Get(l.url + PathAssignment + "?slot=3")
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusGone {
		t.Errorf("a worker that comes after the start: %v %v, want 410 Gone", resp.Status, err)
	}
}

// A worker that goes away 1 s into its 2 s schedule (killed, stopped as
// docker stop does, or frozen, its stream silent) is lost: the run ends
// without it, and its share of the 40 requests that has no result, part
// of its 20, is counted with the reason.
func TestAWorkerThatGoesAwayMidRunIsLostAndTheRunEnds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signal  syscall.Signal
		silence time.Duration
		says    string
	}{
		{"killed", syscall.SIGKILL, 0, "(unexpected EOF)"},
		{"stopped", syscall.SIGTERM, 0, "(unexpected EOF)"},
		{"frozen", syscall.SIGSTOP, time.Second, "i/o timeout)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, 2, 40, 20, 0, tc.silence)
			l.process(t, 1)
			gone := l.process(t, 2)
			seqs := l.run(t, func() {
				time.Sleep(1300 * time.Millisecond) // 1 s into the schedule
				_ = gone.Process.Signal(tc.signal)
			})
			lost, notes := l.target.Lost()
			if lost != 40-len(seqs) || lost <= 0 || lost >= 20 {
				t.Errorf("%d results and %d lost: want them to add up to 40, with part of worker 2's 20 lost", len(seqs), lost)
			}
			if len(notes) != 1 || !strings.HasPrefix(notes[0], "worker 2 of 2 stopped reporting ") || !strings.Contains(notes[0], tc.says) {
				t.Errorf("notes %q, want one that says worker 2 of 2 stopped reporting %s", notes, tc.says)
			}
		})
	}
}

func TestTheHubTurnsAwaySlotsItDoesNotHave(t *testing.T) {
	l := newLab(t, 2, 10, 100, 0, 0)
	for _, tc := range []struct {
		slot string
		want int
	}{{"0", http.StatusBadRequest}, {"3", http.StatusBadRequest}, {"x", http.StatusBadRequest}, {"1", http.StatusOK}, {"1", http.StatusConflict}} {
		resp, err := http.Get(l.url + PathAssignment + "?slot=" + tc.slot)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("slot %s: %s, want %d", tc.slot, resp.Status, tc.want)
		}
	}
}

func TestAWorkerReadsItsCountersOnTheGridOfTheStart(t *testing.T) {
	const every = 250 * time.Millisecond
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		origin    time.Time
		wantTick  int64
		wantAfter time.Duration // next, after now
	}{
		{"no start yet: a beat a period from now", time.Time{}, 0, every},
		{"the start a second away: still a beat a period from now", now.Add(time.Second), 0, every},
		{"100 ms after the start: the first tick", now.Add(-100 * time.Millisecond), 0, 150 * time.Millisecond},
		{"1.3 periods after the start: tick 1, then tick 2", now.Add(-325 * time.Millisecond), 1, 175 * time.Millisecond},
		{"at tick 10 exactly", now.Add(-10 * every), 10, every},
	} {
		tick, next := gridTick(tc.origin, every, now)
		if tick != tc.wantTick || next.Sub(now) != tc.wantAfter {
			t.Errorf("%s: tick %d, next in %s; want tick %d, next in %s", tc.name, tick, next.Sub(now), tc.wantTick, tc.wantAfter)
		}
	}
}

// Worker 2's requests are sent between ticks 1 and 2, as worker 1's end,
// and its tick 2 reaches the hub first. Worker 1's tick 1 and worker 2's
// tick 2 add up to 10 in flight, which never were at once; the hub waits
// for worker 1's tick 2 to count more than tick 1's 5, but not for a
// worker that falls more than laggingTicks behind.
func TestTheHubAddsUpCountersThatItsWorkersReadAtOneInstant(t *testing.T) {
	l := newLab(t, 2, 10, 100, 0, 0)
	h := l.hub
	one, two := h.slots[0], h.slots[1]
	one.streaming, two.streaming = true, true
	inflight := func(n int64) []Counts { return []Counts{{Sent: n, Inflight: n}} }
	for _, step := range []struct {
		slot  *slot
		frame frame
		end   bool // the slot's stream ends, without a final frame
		want  int64
	}{
		{one, frame{Counts: inflight(5), Tick: 1}, false, 5},
		{two, frame{Counts: inflight(0), Tick: 1}, false, 5},
		{two, frame{Counts: inflight(5), Tick: 2}, false, 5},
		{one, frame{Counts: []Counts{{Sent: 5}}, Tick: 2}, false, 5},
		{two, frame{Counts: inflight(3), Tick: 3}, false, 5},
		// Worker 1 stalls: the sums wait for it while it is at most
		// laggingTicks behind, then go on with its latest counters.
		{two, frame{Counts: inflight(4), Tick: 6}, false, 5},
		{two, frame{Counts: inflight(6), Tick: 7}, false, 6},
		{one, frame{Counts: []Counts{{Sent: 5}}, Final: true}, false, 6},
		{two, frame{}, true, 6},
	} {
		if step.end {
			h.end(step.slot, nil)
		} else if err := h.apply(step.slot, &step.frame); err != nil {
			t.Fatal(err)
		}
		if got := l.target.Counters.Inflight.Load(); got != step.want {
			t.Fatalf("after worker %d's frame %+v: %d in flight, want %d", step.slot.n, step.frame, got, step.want)
		}
	}
}
