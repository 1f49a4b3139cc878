package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// limitListenerLimits is a limitlistener of limit accepted connections over
// a listen backlog of backlog.
func limitListenerLimits(limit, backlog int) Limits {
	return Limits{Discipline: catalog.KernelQueue, Backlog: backlog, Settings: catalog.Settings{Limit: limit}}
}

// limitListenerCase is one small limitlistener run and what the simulator
// must predict for it, worked out by hand in the case's comment.
type limitListenerCase struct {
	name     string
	in       Input
	outcomes map[outcome.Outcome]int
	peak     Peak
	lives    []life
	points   []Point
	end      float64
}

// limitListenerCases are the runs of TestLimitListenerSmall. They live at
// package level so that the test stays short; each comment's timeline is
// where its expected values come from.
var limitListenerCases = []limitListenerCase{{
	// Limit 2, backlog 4 (accept queue of 5), 12 at once, 10 s of work,
	// client timeout 100 s, SYNs retransmitted at 1,2,3,4,5,7,11,19,35,67:
	//  0   #0,#1 accepted and run; #2–#6 fill the accept queue; #7–#11 SYN-pending.
	//  10  #0,#1 ok; #2,#3 accepted; queue #4,#5,#6.
	//  11  retransmits: #7,#8 get the 2 free entries (7th SYN); #9–#11 dropped again.
	//  19  retransmits dropped (queue full).
	//  20  #2,#3 ok; #4,#5 run; queue #6,#7,#8.
	//  30  #4,#5 ok; #6,#7 run; queue #8.
	//  35  #9,#10,#11 get in (9th SYN); queue #8–#11.
	//  40  #8,#9 run. 50  #10,#11 run. 60  all done, all ok.
	name:     "limit 2 backlog 4, 12 at once",
	in:       Input{Arrivals: burst(12), Service: 10 * time.Second, ClientTimeout: 100 * time.Second, Kernel: linux, Limits: limitListenerLimits(2, 4)},
	outcomes: map[outcome.Outcome]int{outcome.OK: 12},
	peak:     Peak{Inflight: 2, AcceptQueue: 5, Connections: 2, ClientInflight: 12, SynPending: 5},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, 10, 20, outcome.OK, 0, 0}, {0, 10, 20, outcome.OK, 0, 0},
		{0, 20, 30, outcome.OK, 0, 0}, {0, 20, 30, outcome.OK, 0, 0},
		{0, 30, 40, outcome.OK, 0, 0},
		{11, 30, 40, outcome.OK, 7, 0}, {11, 40, 50, outcome.OK, 7, 0},
		{35, 40, 50, outcome.OK, 9, 0}, {35, 50, 60, outcome.OK, 9, 0}, {35, 50, 60, outcome.OK, 9, 0},
	},
	points: []Point{
		{T: 0, Inflight: 2, AcceptQueue: 5, Connections: 2, ClientInflight: 12, SynPending: 5},
		{T: sec(10), Inflight: 2, AcceptQueue: 3, Connections: 2, ClientInflight: 10, SynPending: 5},
		{T: sec(11), Inflight: 2, AcceptQueue: 5, Connections: 2, ClientInflight: 10, SynPending: 3},
		{T: sec(35), Inflight: 2, AcceptQueue: 4, Connections: 2, ClientInflight: 6},
		{T: sec(60), Inflight: 0},
	},
	end: 60,
}, {
	// The same with 3 s of work: releases now fall between retransmits.
	//  3   #0,#1 ok; #2,#3 run; queue #4–#6; the retransmit at 3 comes
	//      after the releases (same instant): #7,#8 get in (3rd SYN).
	//  6   #2,#3 ok; #4,#5 run; queue #6,#7,#8.
	//  7   #9,#10 get in (6th SYN); #11 dropped.
	//  9   #4,#5 ok; #6,#7 run; queue #8,#9,#10.
	//  11  #11 gets in (7th SYN).
	//  12  #8,#9 run. 15  #10,#11 run. 18 done.
	name:     "limit 2 backlog 4, 12 at once, 3s work",
	in:       Input{Arrivals: burst(12), Service: 3 * time.Second, ClientTimeout: 100 * time.Second, Kernel: linux, Limits: limitListenerLimits(2, 4)},
	outcomes: map[outcome.Outcome]int{outcome.OK: 12},
	peak:     Peak{Inflight: 2, AcceptQueue: 5, Connections: 2, ClientInflight: 12, SynPending: 5},
	lives: []life{
		{0, 0, 3, outcome.OK, 0, 0}, {0, 0, 3, outcome.OK, 0, 0},
		{0, 3, 6, outcome.OK, 0, 0}, {0, 3, 6, outcome.OK, 0, 0},
		{0, 6, 9, outcome.OK, 0, 0}, {0, 6, 9, outcome.OK, 0, 0},
		{0, 9, 12, outcome.OK, 0, 0},
		{3, 9, 12, outcome.OK, 3, 0}, {3, 12, 15, outcome.OK, 3, 0},
		{7, 12, 15, outcome.OK, 6, 0}, {7, 15, 18, outcome.OK, 6, 0},
		{11, 15, 18, outcome.OK, 7, 0},
	},
	end: 18,
}, {
	// An older kernel (back-off 1,3,7,15,31,63 s): #7,#8 get in at 15
	// (4th SYN), #9–#11 at 31 (5th); the start times stay as above.
	name:     "limit 2 backlog 4, 12 at once, old kernel",
	in:       Input{Arrivals: burst(12), Service: 10 * time.Second, ClientTimeout: 100 * time.Second, Kernel: oldLinux, Limits: limitListenerLimits(2, 4)},
	outcomes: map[outcome.Outcome]int{outcome.OK: 12},
	peak:     Peak{Inflight: 2, AcceptQueue: 5, Connections: 2, ClientInflight: 12, SynPending: 5},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, 10, 20, outcome.OK, 0, 0}, {0, 10, 20, outcome.OK, 0, 0},
		{0, 20, 30, outcome.OK, 0, 0}, {0, 20, 30, outcome.OK, 0, 0},
		{0, 30, 40, outcome.OK, 0, 0},
		{15, 30, 40, outcome.OK, 4, 0}, {15, 40, 50, outcome.OK, 4, 0},
		{31, 40, 50, outcome.OK, 5, 0}, {31, 50, 60, outcome.OK, 5, 0}, {31, 50, 60, outcome.OK, 5, 0},
	},
	end: 60,
}, {
	// ConnectTimeout 30 s: #7,#8 get in at 11 as above; #9–#11 are
	// dropped at 19 (queue full until 20) and the next retransmit (35)
	// is past the 30 s connect timeout: 3 timeouts at 30 s after 8 SYNs.
	name: "connect timeout",
	in: Input{Arrivals: burst(12), Service: 10 * time.Second, ClientTimeout: 100 * time.Second, ConnectTimeout: 30 * time.Second,
		Kernel: linux, Limits: limitListenerLimits(2, 4)},
	outcomes: map[outcome.Outcome]int{outcome.OK: 9, outcome.Timeout: 3},
	peak:     Peak{Inflight: 2, AcceptQueue: 5, Connections: 2, ClientInflight: 12, SynPending: 5},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, 10, 20, outcome.OK, 0, 0}, {0, 10, 20, outcome.OK, 0, 0},
		{0, 20, 30, outcome.OK, 0, 0}, {0, 20, 30, outcome.OK, 0, 0},
		{0, 30, 40, outcome.OK, 0, 0},
		{11, 30, 40, outcome.OK, 7, 0}, {11, 40, 50, outcome.OK, 7, 0},
		{-1, -1, 30, outcome.Timeout, 8, 0}, {-1, -1, 30, outcome.Timeout, 8, 0}, {-1, -1, 30, outcome.Timeout, 8, 0},
	},
	end: 50,
}, {
	// A connection whose client gave up while it waited in the accept
	// queue stays there until the server accepts it, then is closed at
	// once. Limit 1, backlog 1 (queue of 2), 10 s work, timeout 38 s,
	// arrivals 0,0,0,0.5,10.2:
	//  0     #0 runs; #1,#2 in the accept queue. 0.5 #3's SYN dropped.
	//  10    #0 ok; #1 runs; queue #2. 10.2 #4 enters: queue #2,#4 (full),
	//        so #3's SYNs at 11.5 and 19.5 are dropped.
	//  20    #2 runs; queue #4. 30 #4 runs (until 40, deadline 48.2).
	//  35.5  #3 gets in with its 9th SYN, but the one slot is #4's.
	//  38.5  #3's client gives up: "timeout"; the kernel keeps it queued.
	//  40    #4 ok; #3 is accepted and closed at once.
	name: "orphan in the accept queue",
	in: Input{Arrivals: at(0, 0, 0, 0.5, 10.2), Service: 10 * time.Second, ClientTimeout: 38 * time.Second,
		Kernel: linux, Limits: limitListenerLimits(1, 1)},
	outcomes: map[outcome.Outcome]int{outcome.OK: 4, outcome.Timeout: 1},
	peak:     Peak{Inflight: 1, AcceptQueue: 2, Connections: 1, ClientInflight: 4, SynPending: 1},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0},
		{0, 10, 20, outcome.OK, 0, 0},
		{0, 20, 30, outcome.OK, 0, 0},
		{35.5, -1, 38.5, outcome.Timeout, 9, 0},
		{10.2, 30, 40, outcome.OK, 0, 0},
	},
	points: []Point{
		{T: sec(36), Inflight: 1, AcceptQueue: 1, Connections: 1, ClientInflight: 2},
		{T: sec(39), Inflight: 1, AcceptQueue: 1, Connections: 1, ClientInflight: 1},
		{T: sec(40)},
	},
	end: 40,
}}

func TestLimitListenerSmall(t *testing.T) {
	for _, tt := range limitListenerCases {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSimulate(t, tt.in)
			checkOutcomes(t, res, tt.outcomes)
			checkPeak(t, res, tt.peak)
			checkLives(t, res, tt.lives)
			for _, want := range tt.points {
				if got := pointAt(t, res, want.T.Seconds()); got != want {
					t.Errorf("point at %v = %+v\n                want %+v", want.T, got, want)
				}
			}
			if res.End != sec(tt.end) {
				t.Errorf("End = %v, want %vs", res.End, tt.end)
			}
		})
	}
}

// The seed replay against Flask processes=100 with a 128 backlog, as a
// limitlistener of 100 with backlog 128: 1000 requests at 0.5 s intervals,
// 800 s of work, client timeout 900 s.
//
//   - #0–#99 are accepted and run (ok at 800–849.5 s).
//   - #100–#228 (129 = backlog+1) fill the accept queue by 114 s.
//   - #229–#999 (771) find it full; the queue stays full until 800 s, and each
//     retransmits 10 times (last at +67 s) and gives up at +131 s, by
//     499.5+131 = 630.5 s: 771 connect timeouts. At any time the SYN-pending
//     ones are those sent in (t-131, t]: 262 (a give-up is processed before a
//     simultaneous arrival).
//   - From 800 s, #100+k is accepted when #k finishes (800+0.5k) but times
//     out at 950+0.5k (sent 50+0.5k); #200–#228 are accepted as those time
//     out (950…964 s) and time out at 1000…1014 s.
//
// So 100 ok, 900 timeout; peaks 100 running, 129 in the kernel queue, 262
// SYN-pending, 100+129+262 = 491 at the client; End 1014 s.
func TestLimitListenerSeed(t *testing.T) {
	res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, ClientTimeout: 900 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 128, Settings: catalog.Settings{Limit: 100}}})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 100, outcome.Timeout: 900})
	checkPeak(t, res, Peak{Inflight: 100, AcceptQueue: 129, Connections: 100, ClientInflight: 491, SynPending: 262})
	if res.End != sec(1014) {
		t.Errorf("End = %v, want 1014s", res.End)
	}
	if res.SynRetried != 771 {
		t.Errorf("SynRetried = %d, want 771", res.SynRetried)
	}
	for _, c := range []struct {
		i    int
		want life
	}{
		{99, life{49.5, 49.5, 849.5, outcome.OK, 0, 0}},
		{100, life{50, 800, 950, outcome.Timeout, 0, 0}},
		{199, life{99.5, 849.5, 999.5, outcome.Timeout, 0, 0}},
		{200, life{100, 950, 1000, outcome.Timeout, 0, 0}},
		{228, life{114, 964, 1014, outcome.Timeout, 0, 0}},
		{229, life{-1, -1, 245.5, outcome.Timeout, 10, 0}},
		{999, life{-1, -1, 630.5, outcome.Timeout, 10, 0}},
	} {
		if got := asLife(res.Requests[c.i]); got != c.want {
			t.Errorf("#%d: %v\n      want %v", c.i, got, c.want)
		}
	}
	if p := pointAt(t, res, 499); p != (Point{T: sec(499), Inflight: 100, AcceptQueue: 129, Connections: 100, ClientInflight: 491, SynPending: 262}) {
		t.Errorf("point at 499s = %+v", p)
	}
}

func TestAGhostDialTakesTheAcceptQueuePlaceOfALaterRequest(t *testing.T) {
	// A limitlistener of 1 with an accept queue of 1, 20 s of work and a
	// 6 s client timeout. #0 runs and #1 waits until both clients give up
	// at 6 s. #2 (0.5 s) retransmits its SYN at 1.5 … 5.5 s into a full
	// queue, and its client gives up at 6.5 s; Go's Transport goes on
	// dialing. #3 (7 s) gets in at once and runs. #2's SYN at 7.5 s finds
	// the queue empty: the connection nobody waits for sits there as an
	// orphan, so #4 (8 s) is dropped and retransmits at 9 … 13 s. At 13 s
	// #3's client gives up, the server accepts and closes the orphan, and
	// #4's fifth retransmission gets in.
	in := Input{Arrivals: at(0, 0, 0.5, 7, 8), Service: 20 * time.Second, ClientTimeout: 6 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 0, Settings: catalog.Settings{Limit: 1}}}
	res := mustSimulate(t, in)
	r2, r4 := res.Requests[2], res.Requests[4]
	if r2.Connected != Never || r2.Finished != sec(6.5) || r2.SynRetries != 5 {
		t.Errorf("#2: connected %v, ended %v after %d retransmissions; want never, 6.5 s, 5", r2.Connected, r2.Finished, r2.SynRetries)
	}
	if r4.Connected != sec(13) || r4.SynRetries != 5 {
		t.Errorf("#4: connected %v after %d retransmissions; want 13 s after 5", r4.Connected, r4.SynRetries)
	}
}
