package perf

import (
	"io"
	"path/filepath"
	"testing"
)

// A plain net/http client's memory per held request is read from this
// process once the server holds every request it sent.
func TestAPlainClientsMemoryPerHeldRequestIsReadOnceTheServerHoldsThemAll(t *testing.T) {
	o := Options{Labserver: filepath.Join(binDir, "labserver"), Log: io.Discard}
	rows, err := PlainMemory(o, []int{200})
	if err != nil {
		t.Fatal(err)
	}
	// The client sends exactly 200 and the server holds them for two
	// minutes. A held request costs a client kilobytes, not megabytes.
	if len(rows) != 1 || rows[0].Held != 200 || rows[0].ClientPerConnB < 1<<10 || rows[0].ClientPerConnB > 1<<20 {
		t.Errorf("rows %+v; want one row of 200 held, 1 KiB to 1 MiB each", rows)
	}
}
