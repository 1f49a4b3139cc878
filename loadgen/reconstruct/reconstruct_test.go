package reconstruct

import (
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/kernelview"
	"github.com/conclab/conclab/loadgen/outcome"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const s = time.Second

// semaphore3 is what a client sees of 8 requests sent at once to a server
// that runs 3 at a time for 1 s each, FIFO: they end at 1,1,1,2,2,2,3,3 s.
func semaphore3() []Request {
	ends := []time.Duration{1, 1, 1, 2, 2, 2, 3, 3}
	reqs := make([]Request, len(ends))
	for i, e := range ends {
		reqs[i] = Request{Sent: t0, Connect: 100 * time.Microsecond, Dialed: true, Ended: at(e * s), Outcome: outcome.OK}
	}
	return reqs
}

func TestSemaphoreTimeline(t *testing.T) {
	lives := Rebuild(semaphore3(), s)
	for _, tt := range []struct {
		t                time.Duration
		running, waiting int
	}{
		{500 * time.Millisecond, 3, 5},
		{1500 * time.Millisecond, 3, 2},
		{2500 * time.Millisecond, 2, 0},
		{3500 * time.Millisecond, 0, 0},
		{0, 0, 8}, // all are connecting for 100 µs
		{s, 3, 2}, // an interval counts at its start and not at its end
	} {
		p := At(lives, at(tt.t))
		if p.Running != tt.running || p.Waiting != tt.waiting || p.Undetermined != 0 {
			t.Errorf("at %v: %+v, want %d running, %d waiting", tt.t, p, tt.running, tt.waiting)
		}
	}
	if p := Peaks(lives); p != (Peak{Running: 3, Waiting: 8, Connected: 5}) {
		t.Errorf("Peaks = %+v, want 3 running, 8 waiting of which 5 connected", p)
	}
	if d, ok := EstimateService(semaphore3()); !ok || d != s {
		t.Errorf("EstimateService = %v, %v", d, ok)
	}
}

func TestSplitWithKernel(t *testing.T) {
	lives := Rebuild(semaphore3(), s)
	// The kernel at 0.5 s: all 8 accepted (a semaphore accepts at once).
	w := SplitAt(lives, kernelview.Port{Established: 8}, at(500*time.Millisecond))
	if w.Running != 3 || w.InApp != 5 || w.InKernel != 0 || w.AppFromKernel != 5 {
		t.Errorf("semaphore: %+v, want 3 running, 5 in the app", w)
	}
	// A limit-2 listener: 2 accepted, 3 in the accept queue, 2 SYN-dropped.
	reqs := []Request{
		{Sent: t0, Connect: time.Millisecond, Dialed: true, Ended: at(s), Outcome: outcome.OK},
		{Sent: t0, Connect: time.Millisecond, Dialed: true, Ended: at(s), Outcome: outcome.OK},
		{Sent: t0, Connect: time.Millisecond, Dialed: true, Ended: at(2 * s), Outcome: outcome.OK},
		{Sent: t0, Connect: time.Millisecond, Dialed: true, Ended: at(2 * s), Outcome: outcome.OK},
		{Sent: t0, Connect: time.Millisecond, Dialed: true, Ended: at(3 * s), Outcome: outcome.OK},
		{Sent: t0, Connect: 2 * s, Dialed: true, Ended: at(4 * s), Outcome: outcome.OK},
		{Sent: t0, Connect: 3 * s, Dialed: true, Ended: at(5 * s), Outcome: outcome.Timeout},
	}
	lives = Rebuild(reqs, s)
	k := kernelview.Port{Established: 5, AcceptQueue: 3}
	w = SplitAt(lives, k, at(500*time.Millisecond))
	want := Where{Point: Point{At: at(500 * time.Millisecond), Running: 2, Waiting: 5, Connecting: 2},
		InKernel: 3, InApp: 0, AppFromKernel: 0, Established: 5, Accepted: 2}
	if w != want {
		t.Errorf("limitlistener:\n got %+v\nwant %+v", w, want)
	}
}

func TestTimeoutsAndRejections(t *testing.T) {
	reqs := []Request{
		// Timed out after 5 s with S = 2 s: waiting for sure until 3 s.
		{Sent: t0, Ended: at(5 * s), Outcome: outcome.Timeout},
		// A timeout shorter than S: nothing is certain.
		{Sent: t0, Ended: at(s), Outcome: outcome.Timeout},
		// A 503 after 10 ms: waiting until then, never running.
		{Sent: t0, Ended: at(10 * time.Millisecond), Outcome: outcome.HTTP503},
		// An answer faster than S: it started when its connect ended.
		{Sent: t0, Connect: 5 * time.Millisecond, Dialed: true, Ended: at(s), Outcome: outcome.OK},
	}
	lives := Rebuild(reqs, 2*s)
	if l := lives[3]; !l.Started.Equal(at(5*time.Millisecond)) || l.Connected != l.Started {
		t.Errorf("fast answer: %+v", l)
	}
	for _, tt := range []struct {
		t    time.Duration
		want Point
	}{
		{time.Millisecond, Point{Running: 0, Waiting: 3, Connecting: 1, Undetermined: 1}},
		{500 * time.Millisecond, Point{Running: 1, Waiting: 1, Undetermined: 1}},
		{4 * s, Point{Undetermined: 1}},
	} {
		p := At(lives, at(tt.t))
		tt.want.At = at(tt.t)
		if p != tt.want {
			t.Errorf("at %v: %+v, want %+v", tt.t, p, tt.want)
		}
	}
	if p := Peaks(lives); p != (Peak{Running: 1, Waiting: 3, Connected: 2, Undetermined: 1}) {
		t.Errorf("Peaks = %+v", p)
	}
	if _, ok := EstimateService(reqs[:3]); ok {
		t.Error("EstimateService without an ok request")
	}
	// Timeline is At at each instant.
	tl := Timeline(lives, []time.Time{at(time.Millisecond), at(4 * s)})
	if len(tl) != 2 || tl[1].Undetermined != 1 {
		t.Errorf("Timeline = %+v", tl)
	}
}

func TestEndedBeforeSent(t *testing.T) {
	// A clock step must not produce a negative interval.
	l := Rebuild([]Request{{Sent: at(s), Ended: t0, Outcome: outcome.OK}}, s)[0]
	if l.Ended != l.Sent || l.Started != l.Sent {
		t.Errorf("%+v", l)
	}
}
