package perf

import (
	"io"
	"path/filepath"
	"testing"
)

// The vegeta command line's memory per held request comes from its own
// process, read at rest and again once the server holds what it sent.
func TestVegetasMemoryPerHeldRequestIsReadFromItsOwnProcess(t *testing.T) {
	vegetaBin := vegetaBinary(t)
	o := Options{Labserver: filepath.Join(binDir, "labserver"), Vegeta: vegetaBin, Log: io.Discard}
	rows, err := VegetaMemory(o, []int{200})
	if err != nil {
		t.Fatal(err)
	}
	// 5,000/s for 40 ms: at most 200 requests. vegeta stops at its
	// duration, not a count, and on a busy machine its pacer falls
	// behind: a CI run held 59. A held request costs a client kilobytes,
	// not megabytes.
	if len(rows) != 1 || rows[0].Held < 1 || rows[0].Held > 200 ||
		rows[0].ClientPerConnB < 1<<10 || rows[0].ClientPerConnB > 1<<20 {
		t.Errorf("rows %+v; want one row of 1 to 200 held, 1 KiB to 1 MiB each", rows)
	}
}
