package runner

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestPacingNote(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pacing   *summary.Pacing
		interval time.Duration
		want     string
	}{
		{"no sends", nil, time.Millisecond, ""},
		{"kept at 5000/s", &summary.Pacing{P50: 0.5, P99: 1.7, Max: 9}, 200 * time.Microsecond, ""},
		{"at the floor", &summary.Pacing{P99: 100, Max: 300}, 200 * time.Microsecond, ""},
		{"past the floor", &summary.Pacing{P50: 181, P99: 579, Max: 900}, 200 * time.Microsecond,
			"sends were p99 579 ms and at most 900 ms off it, more than 100ms"},
		{"within the interval at 2/s", &summary.Pacing{P99: 400, Max: 450}, 500 * time.Millisecond, ""},
		{"past the interval at 2/s", &summary.Pacing{P99: 501, Max: 700}, 500 * time.Millisecond,
			"sends were p99 501 ms and at most 700 ms off it, more than 500ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pacingNote(tc.pacing, tc.interval)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("pacingNote: %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDetailNotes(t *testing.T) {
	hit := func(o outcome.Outcome, code uint16, err string) hitRecord {
		return hitRecord{outcome: o, detail: attack.Detail(o, &vegeta.Result{Method: "GET", Code: code, Error: err})}
	}
	var hits []hitRecord
	for range 3 {
		hits = append(hits, hit(outcome.OK, 200, ""), hit(outcome.Reset, 0, `Get "http://127.0.0.1:1/?id=1": EOF`))
	}
	hits = append(hits,
		hit(outcome.Reset, 0, `Get "http://127.0.0.1:1/?id=4": read tcp 127.0.1.1:34610->127.0.0.1:1: read: connection reset by peer`),
		hit(outcome.Reset, 0, `Get "http://127.0.0.1:1/?id=5": read tcp 127.0.1.1:34620->127.0.0.1:1: read: connection reset by peer`))
	hits = append(hits,
		hit(outcome.Other, 0, `Get "http://127.0.0.1:1/?id=7": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x00"`),
		hit(outcome.Other, 0, `Get "http://127.0.0.1:1/?id=8": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x00"`),
		hit(outcome.Other, 0, ""),
		hit(outcome.Other, 0, "dial tcp: lookup nowhere: no such host"),
		hit(outcome.Other, 0, "a fourth kind"),
		hit(outcome.HTTPOther, 404, ""))
	got := detailNotes(hits)
	wantNotes := []string{
		`1 ended "http_other": 1× "HTTP 404"`,
		`5 ended "reset": 3× "EOF", 2× "read tcp 127.0.1.1:*->127.0.0.1:1: read: connection reset by peer"`,
		`5 ended "other": 2× "net/http: HTTP/1.x transport connection broken: malformed HTTP response \"\\x00\"", ` +
			`1× "a fourth kind", 1× "dial tcp: lookup nowhere: no such host", and 1 more`,
	}
	if !reflect.DeepEqual(got, wantNotes) {
		t.Errorf("detailNotes:\n got %q\nwant %q", got, wantNotes)
	}
	if got := detailNotes(hits[:8:8]); len(got) != 1 {
		t.Errorf("ok needs no note, and resets one: got %q", got)
	}
}

// An ok reply of labserver says where and when its work ran; any other
// body, or an answer that is not ok, says nothing.
func TestAnOkReplyTellsWhenItsWorkRan(t *testing.T) {
	body := `{"id":"7","model":"semaphore","slot":"slot-3","queued_s":0.25,"slept_s":1,"cpu_s":0,` +
		`"start":"2026-12-02T07:00:01.25Z","end":"2026-12-02T07:00:02.2504Z"}`
	hit := func(o outcome.Outcome, body string) attack.Hit {
		return attack.Hit{Outcome: o, Result: &vegeta.Result{Code: 200, Body: []byte(body)}}
	}
	got := served(hit(outcome.OK, body), false)
	start := time.Date(2026, 12, 2, 7, 0, 1, 250_000_000, time.UTC)
	if got == nil || got.Slot != "slot-3" || !got.Start.Equal(start) || !got.Arrived.Equal(start.Add(-250*time.Millisecond)) ||
		got.End.Sub(got.Start) != 1000400*time.Microsecond {
		t.Errorf("served = %+v", got)
	}
	for _, h := range []attack.Hit{hit(outcome.OK, "<html>hello</html>"), hit(outcome.OK, ""), hit(outcome.OK, `{"id":"7"}`),
		hit(outcome.HTTP503, body)} {
		if s := served(h, true); s != nil {
			t.Errorf("served(%s %q) = %+v, want nil", h.Outcome, h.Result.Body, s)
		}
	}
}

// A local labserver's answer, ok or refused, says when the request reached
// the model's gate, and when the server accepted its connection; a remote
// one's clock is not loadgen's, and a timeout has no answer.
func TestAnAnswerTellsWhenItsRequestReachedTheGate(t *testing.T) {
	sent := time.Date(2026, 12, 2, 7, 0, 1, 0, time.UTC)
	hit := func(o outcome.Outcome, code uint16, body string) attack.Hit {
		return attack.Hit{Outcome: o, Result: &vegeta.Result{Code: code, Timestamp: sent, Body: []byte(body)}}
	}
	ok := `{"id":"7","model":"ratelimit","queued_s":0,"slept_s":1,"cpu_s":0,"accepted":"2026-12-02T07:00:01.0001Z",` +
		`"arrived":"2026-12-02T07:00:01.0004Z","start":"2026-12-02T07:00:01.0004Z","end":"2026-12-02T07:00:02.0004Z"}`
	refused := `{"error":"rejected (rate_limited): no token left","reason":"rate_limited","id":"8",` +
		`"accepted":"2026-12-02T07:00:01.0002Z","arrived":"2026-12-02T07:00:01.0007Z"}`
	us := time.Microsecond
	for _, c := range []struct {
		h                    attack.Hit
		local                bool
		wantGate, wantAccept time.Duration
	}{
		{hit(outcome.OK, 200, ok), true, 400 * us, 100 * us},
		{hit(outcome.HTTP429, 429, refused), true, 700 * us, 200 * us},
		{hit(outcome.HTTP503, 503, refused), true, 700 * us, 200 * us},
		{hit(outcome.HTTP429, 429, refused), false, 0, 0},
		{hit(outcome.Timeout, 0, ""), true, 0, 0},
		{hit(outcome.HTTP503, 503, "Service Unavailable"), true, 0, 0},
	} {
		if a := answerOf(c.h, c.local); a.toGate != c.wantGate || a.toAccept != c.wantAccept {
			t.Errorf("answerOf(%s %q, local %v): toGate %v, toAccept %v; want %v, %v", c.h.Outcome, c.h.Result.Body, c.local,
				a.toGate, a.toAccept, c.wantGate, c.wantAccept)
		}
	}
}

// A refusal that says when the server decided gives its way back: the
// client's receipt (send plus latency) less the decision, here 1.0 ms;
// when it was decided, and how long after reaching the gate: 5 ms.
func TestARefusalTellsHowLongItsAnswerTookBack(t *testing.T) {
	sent := time.Date(2026, 12, 2, 7, 0, 1, 0, time.UTC)
	body := `{"error":"rejected (queue_timeout): no slot free within 5ms","reason":"queue_timeout","id":"8",` +
		`"arrived":"2026-12-02T07:00:01.0004Z","refused":"2026-12-02T07:00:01.0054Z"}`
	h := attack.Hit{Outcome: outcome.HTTP503, Result: &vegeta.Result{Code: 503, Timestamp: sent,
		Latency: 6400 * time.Microsecond, Body: []byte(body)}}
	if a := answerOf(h, true); a.toGate != 400*time.Microsecond || a.back != time.Millisecond ||
		a.decided != 5*time.Millisecond || !a.refused.Equal(sent.Add(5400*time.Microsecond)) {
		t.Errorf("answerOf = %+v, want 400µs to the gate, 1ms back, refused 5ms after arriving at 07:00:01.0054", a)
	}
	if a := answerOf(h, false); a.back != 0 {
		t.Errorf("a remote server's refusal: back %v, want 0", a.back)
	}
	if a := answerOf(h, true); !a.refusalDecided.IsZero() {
		t.Errorf("a refusal without decided: refusalDecided %v, want zero", a.refusalDecided)
	}
}

// A deadline queue's refusal also says when its gate decided it, here
// 2.3 ms before its goroutine wrote the answer: loadgen keeps that
// instant apart from the refusal's.
func TestARefusalDecidedBeforeItsAnswerKeepsBothInstants(t *testing.T) {
	sent := time.Date(2026, 12, 7, 9, 47, 45, 0, time.UTC)
	body := `{"error":"rejected (deadline)","reason":"deadline","id":"792","arrived":"2026-12-07T09:47:45.0004Z",` +
		`"refused":"2026-12-07T09:47:45.0054Z","decided":"2026-12-07T09:47:45.0031Z"}`
	h := attack.Hit{Outcome: outcome.HTTP503, Result: &vegeta.Result{Code: 503, Timestamp: sent,
		Latency: 6400 * time.Microsecond, Body: []byte(body)}}
	a := answerOf(h, true)
	if !a.refusalDecided.Equal(sent.Add(3100*time.Microsecond)) || !a.refused.Equal(sent.Add(5400*time.Microsecond)) ||
		a.decided != 5*time.Millisecond {
		t.Errorf("answerOf = %+v, want decided at 3.1 ms, refused at 5.4 ms, 5 ms after arriving", a)
	}
}

func TestAnAcceptQueueThatNoSampleCarriedStaysNaNAndOneSampleMakesItAPeak(t *testing.T) {
	nan := math.NaN()
	unseen := []sample.Row{{Inflight: 2, AcceptQueue: nan}, {Inflight: 3, AcceptQueue: nan}}
	if p, _, _, _ := peaks(unseen); !math.IsNaN(p.AcceptQueue) || p.Inflight != 3 {
		t.Errorf("no sample showed the accept queue: peak %+v, want NaN and running 3", p)
	}
	seen := []sample.Row{{AcceptQueue: nan}, {AcceptQueue: 0}, {AcceptQueue: nan}}
	if p, _, _, _ := peaks(seen); p.AcceptQueue != 0 {
		t.Errorf("one sample showed an empty queue: peak %v, want 0", p.AcceptQueue)
	}
}

func TestARunSaysWhenItsConnectionsStartedWithTheKernelsKeptRTT(t *testing.T) {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	quick := hitRecord{dialed: true, connect: ms(1), rto: ms(204)}
	kept := hitRecord{dialed: true, connect: ms(1), rto: ms(2172)}
	retried := hitRecord{dialed: true, connect: ms(1020), rto: ms(528)}
	for _, tc := range []struct {
		name string
		hits []hitRecord
		want string
	}{
		{"every RTO the default", []hitRecord{quick, quick, {dialed: true, connect: ms(1020), rto: ms(204)}}, ""},
		{"no retransmitted SYN, so no limbo", []hitRecord{quick, kept}, ""},
		{"no RTO read (not Linux)", []hitRecord{{dialed: true, connect: ms(1020)}, {dialed: true, connect: ms(1)}}, ""},
		{"above the default, with a retransmitted SYN", []hitRecord{quick, kept, retried, {}},
			"2 of 3 connections whose RTO was read started with one above 250ms, up to 2.172s: on loopback, the RTT " +
				"the kernel keeps for the pair of addresses (tcp_metrics), which a run's own limbo raises; a client whose " +
				"connection waits in limbo resends on it, where the replicas' clients resend on the default: a loss probe " +
				"after 200 ms, then 200 ms, doubling (docs/kernel.md)"},
		{"the retransmitted SYN a ghost's, whose RTO was not read", []hitRecord{kept, {dialed: true, connect: ms(1020)}},
			"1 of 1 connections whose RTO was read started with one above 250ms, up to 2.172s: on loopback, the RTT " +
				"the kernel keeps for the pair of addresses (tcp_metrics), which a run's own limbo raises; a client whose " +
				"connection waits in limbo resends on it, where the replicas' clients resend on the default: a loss probe " +
				"after 200 ms, then 200 ms, doubling (docs/kernel.md)"},
	} {
		if got := rtoNote(tc.hits); got != tc.want {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
