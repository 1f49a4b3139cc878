package attack

import (
	"runtime"
	"testing"
)

// A process that runs more attacks than it has Ps gets a P for each while
// they send and its own number back after; fewer attacks change nothing,
// and neither does an explicit GOMAXPROCS.
func TestAttacksGetAPEachWhileTheySendUnlessGOMAXPROCSIsSet(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	before := runtime.GOMAXPROCS(0)
	restore := SpreadProcs(before + 7)
	if got, want := runtime.GOMAXPROCS(0), max(before, min(before+7, maxProcs)); got != want {
		t.Errorf("with %d attacks: %d Ps, want %d", before+7, got, want)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("after: %d Ps, want %d back", got, before)
	}
	SpreadProcs(1)()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("one attack: %d Ps, want %d", got, before)
	}
	restore = SpreadProcs(10 * maxProcs)
	if got := runtime.GOMAXPROCS(0); got != max(before, maxProcs) {
		t.Errorf("%d attacks: %d Ps, want at most %d", 10*maxProcs, got, maxProcs)
	}
	restore()

	t.Setenv("GOMAXPROCS", "1")
	restore = SpreadProcs(before + 7)
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS set: %d Ps, want %d untouched", got, before)
	}
	restore()
}
