package runner

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/scenario"
)

// A request whose client gave up has no answer to say when it reached the
// gate: the server's passages do. #0's answer said it; #1 timed out, and
// its passage has it accepted 300 µs and at the gate 2 ms after its send;
// #2 has no passage (its client left before the server read it). #0's
// passage says its server held its place 300 µs past its work, to the
// close, as fasthttp's do; #1's that the close that freed its slot came
// 250 µs after its send, as a LimitListener's do, and that its way through
// the model ended 1 s after its send: when its client, who gave up, left,
// 400 ms into its work.
// #0's end says nothing of a give-up.
func TestTheServersPassagesTimeTheRequestsThatGotNoAnswer(t *testing.T) {
	sent := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	at := func(d time.Duration) int64 { return sent.Add(d).UnixNano() }
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, adminapi.PathMetrics) {
			_, _ = w.Write([]byte("conclab_requests_inflight 0\nconclab_requests_queued 0\n"))
			return
		}
		if r.URL.Path != adminapi.PathPassages || r.URL.Query().Get(adminapi.SinceParam) != strconv.FormatInt(sent.UnixNano(), 10) {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(adminapi.Passages{Passages: []adminapi.Passage{
			{ID: "0", Accepted: at(50 * time.Microsecond), Arrived: at(time.Millisecond), Left: at(time.Second),
				Closed: at(time.Second + 300*time.Microsecond)},
			{ID: "1", Accepted: at(300 * time.Microsecond), Arrived: at(2 * time.Millisecond), Left: at(time.Second),
				SlotFreed: at(250 * time.Microsecond), Started: at(600 * time.Millisecond)},
		}})
	}))
	defer admin.Close()
	tg := &target{spec: scenario.Target{Name: "semaphore-4", Model: "semaphore"}, adminURL: admin.URL,
		hits: []hitRecord{
			{seq: 0, sent: sent, outcome: outcome.OK, toGate: 400 * time.Microsecond, toAccept: 100 * time.Microsecond},
			{seq: 1, sent: sent, outcome: outcome.Timeout},
			{seq: 2, sent: sent, outcome: outcome.Timeout},
		}}
	if note := tg.completeFromPassages(context.Background(), sent); note != "" {
		t.Errorf("note %q, want none", note)
	}
	if tg.hits[0].closeHold != 300*time.Microsecond || tg.hits[1].closeHold != 0 {
		t.Errorf("close holds %v and %v, want 300µs and none", tg.hits[0].closeHold, tg.hits[1].closeHold)
	}
	if tg.hits[0].slotFreed != 0 || tg.hits[1].slotFreed != 250*time.Microsecond {
		t.Errorf("slots freed %v and %v after the sends, want none and 250µs", tg.hits[0].slotFreed, tg.hits[1].slotFreed)
	}
	if tg.hits[0].left != 0 || tg.hits[1].left != time.Second {
		t.Errorf("ways ended %v and %v after the sends, want none and 1s", tg.hits[0].left, tg.hits[1].left)
	}
	if tg.hits[0].startedLeft != 0 || tg.hits[1].startedLeft != 600*time.Millisecond {
		t.Errorf("works of given-up requests began %v and %v after the sends, want none and 600ms",
			tg.hits[0].startedLeft, tg.hits[1].startedLeft)
	}
	want := [][2]time.Duration{{400 * time.Microsecond, 100 * time.Microsecond}, {2 * time.Millisecond, 300 * time.Microsecond}, {0, 0}}
	for i, h := range tg.hits {
		if got := [2]time.Duration{h.toGate, h.toAccept}; got != want[i] {
			t.Errorf("#%d: to the gate %v, to the accept %v; want %v", i, got[0], got[1], want[i])
		}
	}
	// A server without passages (an older labserver) leaves them as they
	// are, and says why.
	tg.adminURL = admin.URL + "/old"
	if note := tg.completeFromPassages(context.Background(), sent.Add(time.Second)); !strings.Contains(note, "404") {
		t.Errorf("note %q, want the 404", note)
	}
}
