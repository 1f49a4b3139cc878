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

	"github.com/conclab/conclab/loadgen/summary"
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
	// Freed every 400 ms against retransmissions at 1, 3 and 7 s (the
	// timers of each dial a few ms apart), and give-up at 15 s.
	grid := []*released{
		{freeAt: ms(40), done: ms(1012)}, {freeAt: ms(440), done: ms(1015)}, {freeAt: ms(840), done: ms(1009)},
		{freeAt: ms(1240), done: ms(3031)}, {freeAt: ms(1640), done: ms(3025)}, {freeAt: ms(2840), done: ms(3040)},
		{freeAt: ms(3240), done: ms(7120)}, {freeAt: ms(6840), done: ms(7300)},
		{freeAt: ms(7240), done: ms(15100), err: timedOut}, {freeAt: ms(7640), done: ms(15140), err: timedOut},
		{freeAt: ms(8040), done: ms(15120), err: timedOut},
	}
	seen, spread, gaveUp, err := readGrid(grid, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{ms(1012), ms(3031), ms(7210)}; !slices.Equal(seen, want) {
		t.Errorf("retransmissions %v, want %v", seen, want)
	}
	if want := [][2]time.Duration{{ms(1009), ms(1015)}, {ms(3025), ms(3040)}, {ms(7120), ms(7300)}}; !slices.Equal(spread, want) {
		t.Errorf("spreads %v, want %v", spread, want)
	}
	if gaveUp != ms(15120) {
		t.Errorf("give-up %s, want 15.12s", gaveUp)
	}
	if _, _, gaveUp, _ := readGrid(grid, false); gaveUp != 0 {
		t.Errorf("a quick plan measured a give-up of %s", gaveUp)
	}
}

func TestAGridWhoseDialsCannotBeReadFailsAndSaysWhy(t *testing.T) {
	refused := &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		grid []*released
		full bool
		want string
	}{
		{"refused", []*released{{freeAt: time.Second, err: refused}}, true, "a connect freed at 1s"},
		{"in before room", []*released{{freeAt: time.Second, done: ms(3)}}, false, "the queue was not full"},
		{"still waiting at a full plan's end", []*released{{freeAt: ms(40), done: ms(1010)},
			{freeAt: ms(440), err: context.DeadlineExceeded}}, true, "a connect freed at 440ms"},
		{"no give-up", []*released{{freeAt: ms(40), done: ms(1010)}}, true, "did not reach the give-up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := readGrid(tc.grid, tc.full)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestGridsThatSawDifferentRetransmissionsAreNotPaired(t *testing.T) {
	a := []*released{{freeAt: ms(40), done: ms(1010)}, {freeAt: ms(1240), done: ms(2010)}}
	b := []*released{{freeAt: ms(240), done: ms(1012)}}
	if _, err := readGrids([][]*released{a, b}, false); err == nil || !strings.Contains(err.Error(), "saw 2 retransmissions, another 1") {
		t.Errorf("got %v", err)
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

var timedOut = &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ETIMEDOUT)}

func TestWithoutANominalScheduleOnlyAWhollyMeasuredCalibrationCounts(t *testing.T) {
	whole := summary.KernelCalibration{RetransmitsS: []float64{1.01, 2.03}, RetransmitSpreadS: [][2]float64{{1, 1.02}, {2, 2.05}},
		Measured: 2, GiveUpS: 75.1, MeasuredAt: "2026-12-03T14:00:00Z"}
	if err := checkWhole(whole, 0); err != nil {
		t.Errorf("a whole measured calibration: %v", err)
	}
	for name, cal := range map[string]summary.KernelCalibration{
		"none measured": {GiveUpS: 75, MeasuredAt: "2026-12-03T14:00:00Z"},
		"one of two":    {RetransmitsS: []float64{1, 2}, RetransmitSpreadS: [][2]float64{{1, 1}, {2, 2}}, Measured: 1, GiveUpS: 75, MeasuredAt: "2026-12-03T14:00:00Z"},
	} {
		if err := checkWhole(cal, 0); err == nil || !strings.Contains(err.Error(), "measured") {
			t.Errorf("%s: got %v, want it refused", name, err)
		}
	}
}
