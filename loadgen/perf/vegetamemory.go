package perf

import (
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// ClientMemoryRow is a client's memory per held request at one size: the
// vegeta command line's (VegetaMemory) or a plain net/http client's
// (PlainMemory).
type ClientMemoryRow struct {
	Held           int
	ClientPerConnB float64 // (the client's RSS held − its RSS at rest) / held
}

// VegetaMemory holds n sleeping requests with the vegeta command line
// against a nethttp labserver, at the rate Memory sends loadgen's (heldGap),
// and reads the vegeta process's resident memory growth per held request.
// vegeta reads all its targets before it attacks, so its memory at rest
// is read while its standard input is still open.
func VegetaMemory(o Options, sizes []int) ([]ClientMemoryRow, error) {
	return clientMemory(o, sizes, "vegeta CLI", vegetaHolding)
}

// clientMemory measures, with hold, a client's memory per held request at
// each size, logging each row.
func clientMemory(o Options, sizes []int, client string, hold func(Options, int) (ClientMemoryRow, error)) ([]ClientMemoryRow, error) {
	var rows []ClientMemoryRow
	for _, n := range sizes {
		row, err := hold(o, n)
		if err != nil {
			return rows, fmt.Errorf("%s holding %d: %w", client, n, err)
		}
		rows = append(rows, row)
		fmt.Fprintf(o.Log, "memory: %-15s %5d held: client %.1f KiB per request\n", client, row.Held, row.ClientPerConnB/1024)
	}
	return rows, nil
}

// heldGap is the gap between the sends of the requests that the memory
// measurements hold, loadgen's (Memory) and vegeta's alike: 5,000/s.
const heldGap = 200 * time.Microsecond

func vegetaHolding(o Options, n int) (ClientMemoryRow, error) {
	srv, err := startServer(o.Labserver, modelArgs(catalog.NetHTTP, n)...)
	if err != nil {
		return ClientMemoryRow{}, err
	}
	defer srv.Stop()
	dur := time.Duration(n) * heldGap
	cmd := exec.Command(o.Vegeta, "attack", "-rate", strconv.Itoa(int(time.Second/heldGap))+"/1s", "-duration", dur.String(),
		"-keepalive=false", "-timeout", "3m")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return ClientMemoryRow{}, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return ClientMemoryRow{}, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	if _, err := io.WriteString(stdin, "GET "+srv.URL+"?sleep=2m\n"); err != nil {
		return ClientMemoryRow{}, err
	}
	time.Sleep(500 * time.Millisecond) // until it waits for the end of its targets
	before := rss(cmd.Process.Pid)
	stdin.Close() // the attack starts
	// vegeta stops at its duration, not at a count: a late pacer may
	// leave it a few hits short of n, so wait only a little past it.
	held := waitHeld(srv, n, dur+5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if held == 0 {
		return ClientMemoryRow{}, fmt.Errorf("the server holds no request of vegeta's")
	}
	return ClientMemoryRow{Held: held, ClientPerConnB: (rss(cmd.Process.Pid) - before) / float64(held)}, nil
}
