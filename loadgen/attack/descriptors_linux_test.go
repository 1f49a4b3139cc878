package attack

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/workload"
)

// An attack makes room in the descriptor table for a connection per hit
// when it is prepared, so that no socket of its sends grows the table.
func TestAnAttackMakesRoomForItsConnectionsBeforeItSends(t *testing.T) {
	const hits = 6000
	if limit := sysinfo.NoFile(); limit < hits+descriptorSlack {
		t.Skipf("the open-file limit %d leaves no room for %d descriptors", limit, hits+descriptorSlack)
	}
	if size := descriptorTableSize(t); size >= hits+descriptorSlack {
		t.Fatalf("the descriptor table already holds %d before the attack, want fewer than %d", size, hits+descriptorSlack)
	}
	if _, err := New(context.Background(), Options{Name: "room", URL: "http://127.0.0.1:1/",
		Schedule: workload.Steady(hits, time.Millisecond, 0, 0), Timeout: time.Second}, func(Hit) {}); err != nil {
		t.Fatal(err)
	}
	if size := descriptorTableSize(t); size < hits+descriptorSlack {
		t.Errorf("the descriptor table holds %d, want at least %d", size, hits+descriptorSlack)
	}
}

// descriptorTableSize is the size of this process's descriptor table
// (FDSize in /proc/self/status).
func descriptorTableSize(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "FDSize:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("/proc/self/status has no FDSize")
	return 0
}
