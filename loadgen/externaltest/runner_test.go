package externaltest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/runner"
	"github.com/conclab/conclab/loadgen/scenario"
)

// TestRunAdminNone runs labservers through `loadgen run` with their admin
// endpoints ignored (admin: none): every server-side figure of the summary
// then comes from the kernel's view and the rebuild, and must be the
// model's exact numbers, which the labserver's own metrics report (the
// tests above).
func TestRunAdminNone(t *testing.T) {
	t.Parallel()
	dir, err := testbin.Build("servers/cmd/labserver")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "labserver")
	// 8 requests 10 ms apart, each 2 s of sleep: everything is sent before
	// the first ends, and the 1 Hz sample at 1 s sees the steady state.
	s, err := scenario.Parse("kernelside.yaml", []byte(`name: kernelside
requests: 8
rate: 100
sleep: 2s
timeout: 12s
targets:
  - {name: semaphore-3, model: semaphore, limit: 3, admin: none}
  - {name: limitlistener-2, model: limitlistener, limit: 2, backlog: 4, admin: none}
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := runner.Run(ctx, runner.Options{Scenario: s, Scale: 1, ResultsDir: t.TempDir(), Labserver: bin})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := runfolder.Folder(res.Dir).ReadSummary()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		inflight, queued, acceptQueue float64
		ok, synRetried                int
	}
	wants := map[string]want{
		// 3 run, 5 wait in the app; all end by 6 s.
		"semaphore-3": {inflight: 3, queued: 5, ok: 8},
		// 2 run, the accept queue holds backlog+1 = 5, the 8th SYN is
		// dropped and gets in on a retransmission.
		"limitlistener-2": {inflight: 2, acceptQueue: 5, ok: 8, synRetried: 1},
	}
	for _, tg := range sum.Targets {
		w, ok := wants[tg.Name]
		if !ok {
			t.Fatalf("unexpected target %s", tg.Name)
		}
		// The rebuild puts a request's start at its end minus the sleep: a
		// response that leaves late on a busy machine overlaps the next
		// request's start, and a sample at that edge counts one more.
		inflightOK := tg.Peak.Inflight == w.inflight || tg.Peak.Inflight == w.inflight+1
		// A connection between its handshake and accept(2) sits in the
		// kernel queue for microseconds (milliseconds on a loaded machine),
		// so a sample of an empty queue may catch one or two. A full queue
		// may hold backlog+2: the kernel's full check takes no lock, so two
		// handshakes finishing on two CPUs can both pass it, and then one
		// SYN fewer is dropped.
		aq := tg.Peak.AcceptQueue
		acceptQueueOK := aq == w.acceptQueue || (w.acceptQueue == 0 && aq <= 2)
		synRetriedOK := tg.SynRetried == w.synRetried
		if w.acceptQueue > 0 && aq == w.acceptQueue+1 {
			acceptQueueOK, synRetriedOK = true, tg.SynRetried == w.synRetried-1
		}
		if !inflightOK || !acceptQueueOK || !synRetriedOK || tg.Peak.Queued != w.queued || tg.Outcomes["ok"] != w.ok {
			t.Errorf("%s: peak %+v, outcomes %v, SYN-retried %d; want %+v", tg.Name, tg.Peak, tg.Outcomes, tg.SynRetried, w)
		}
		if tg.Agrees == nil || !*tg.Agrees {
			t.Errorf("%s: does not agree with the prediction: %v", tg.Name, tg.Disagreements)
		}
		if len(tg.Notes) == 0 || !strings.HasPrefix(tg.Notes[0], "measured from the kernel side") {
			t.Errorf("%s: notes %q, want how it was measured first", tg.Name, tg.Notes)
		}
		csv, err := os.ReadFile(filepath.Join(res.Dir, tg.Name+".kernel.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) < 3 || !strings.HasPrefix(lines[0], "t_s,listeners,accept_queue,backlog,established") {
			t.Errorf("%s.kernel.csv: %q", tg.Name, lines)
		}
	}
}
