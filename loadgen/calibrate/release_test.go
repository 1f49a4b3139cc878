package calibrate

import (
	"context"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The release probe is how the schedule is measured off Linux, where it
// cannot be checked; here it is checked against the nominal schedule the
// TCP_INFO probe confirms (calibrate_test.go).
func TestTheReleaseProbeFindsTheRetransmissionsOfTheNominalScheduleWithinTheirTimersSlack(t *testing.T) {
	_, nominal, giveUp := thisMachine(t)
	plan := synPlan{connects: 1, nominal: nominal, giveUp: giveUp}
	want := plan.want()
	if want == 0 {
		t.Skip("no retransmission is nominally due within the quick horizon")
	}
	obs, err := probeByRelease(context.Background(), plan, QuickHorizon)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.seen) != releaseGrids {
		t.Fatalf("%d grids measured, want %d", len(obs.seen), releaseGrids)
	}
	t.Logf("grids saw %v", obs.seen)
	for g, seen := range obs.seen {
		// A grid freed up to QuickHorizon sees the retransmissions due
		// by then, and at most the next one, which its last connect may
		// have waited for.
		if len(seen) < want || len(seen) > want+1 {
			t.Fatalf("grid %d saw %d retransmissions %v, want %d or %d (nominal %v)", g, len(seen), seen, want, want+1, nominal[:want])
		}
		for k, got := range seen {
			// A retransmission is never early, and at most wheelSlack of
			// its delay late, plus a loopback handshake and a wake-up.
			lo := nominal[k]
			hi := lo + time.Duration(wheelSlack*float64(lo)) + 20*time.Millisecond
			if got < lo || got > hi {
				t.Errorf("grid %d: retransmission %d at %s, want within [%s, %s]", g, k+1, got, lo, hi)
			}
		}
	}
}

func TestAGridsDialsClusterIntoOneRetransmissionEachAndTheTimedOutOnesAreTheGiveUp(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	timedOut := &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ETIMEDOUT)}
	// Freed every 400 ms against retransmissions at 1, 3 and 7 s (the
	// timers of each dial a few ms apart), and give-up at 15 s.
	grid := []*released{
		{freeAt: ms(40), done: ms(1012)}, {freeAt: ms(440), done: ms(1015)}, {freeAt: ms(840), done: ms(1009)},
		{freeAt: ms(1240), done: ms(3031)}, {freeAt: ms(1640), done: ms(3025)}, {freeAt: ms(2840), done: ms(3040)},
		{freeAt: ms(3240), done: ms(7120)}, {freeAt: ms(6840), done: ms(7300)},
		{freeAt: ms(7240), done: ms(15100), err: timedOut}, {freeAt: ms(7640), done: ms(15140), err: timedOut},
		{freeAt: ms(8040), done: ms(15120), err: timedOut},
	}
	seen, gaveUp, err := readGrid(grid, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{ms(1012), ms(3031), ms(7120)}; !slices.Equal(seen, want) {
		t.Errorf("retransmissions %v, want %v", seen, want)
	}
	if gaveUp != ms(15120) {
		t.Errorf("give-up %s, want 15.12s", gaveUp)
	}
	if _, gaveUp, _ := readGrid(grid, false); gaveUp != 0 {
		t.Errorf("a quick plan measured a give-up of %s", gaveUp)
	}
}

func TestADialThatFailsOtherwiseThanByTimingOutFailsTheGrid(t *testing.T) {
	refused := &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	_, _, err := readGrid([]*released{{freeAt: time.Second, err: refused}}, true)
	if err == nil || !strings.Contains(err.Error(), "freed at 1s") {
		t.Errorf("got %v, want the connect freed at 1s named", err)
	}
}
