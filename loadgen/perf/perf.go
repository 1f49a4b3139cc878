// Package perf measures the lab itself: memory per held request for each
// model, the pacer's accuracy against the vegeta command line, and the
// sampler's CPU share. `loadgen perf` (make perf) prints the table.
package perf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/promscrape"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/workload"
)

// Options say where the binaries are.
type Options struct {
	Labserver string
	Loadgen   string // this loadgen, run as a fresh process for pacing
	Vegeta    string // the vegeta command line; "" skips the comparison
	Log       io.Writer
}

// server is one labserver process.
type server struct {
	*launch.Labserver
	idleRSSByte float64
}

// startServer starts a labserver and notes its resident memory at rest.
func startServer(bin string, args ...string) (*server, error) {
	l, err := launch.StartLabserver(context.Background(), bin, args...)
	if err != nil {
		return nil, err
	}
	time.Sleep(200 * time.Millisecond)
	return &server{Labserver: l, idleRSSByte: rss(l.PID())}, nil
}

func (s *server) scrape() (promscrape.Samples, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return promscrape.Scrape(ctx, nil, s.AdminURL+adminapi.PathMetrics)
}

// rss reads VmRSS of a process in bytes.
func rss(pid int) float64 {
	path := "/proc/self/status"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	f, err := os.Open(path)
	if err != nil {
		return math.NaN()
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return math.NaN()
}

// MemoryRow is the memory per held request of one model at one size.
type MemoryRow struct {
	Model          string
	Held           int
	ServerPerConnB float64 // (server RSS held − idle) / held
	ClientPerConnB float64 // (client RSS held − before) / held
	ServerRSSB     float64
}

// modelArgs hold every request inside the server (none in the kernel): the
// seed's 40 slots or 10 core workers with an unbounded queue, a
// connection limit of n, or a bucket of n tokens.
func modelArgs(m catalog.Model, n int) []string {
	args := m.ExampleArgs()
	switch m.Discipline {
	case catalog.TokenBucket:
		return append(args, "--"+catalog.Burst.Flag, strconv.Itoa(n))
	case catalog.AppQueue:
		return append(args, "--"+catalog.Limit.Flag, "40")
	case catalog.KernelQueue, catalog.RejectBeyond:
		return append(args, "--"+catalog.Limit.Flag, strconv.Itoa(n))
	case catalog.ThreadPool:
		return append(args, "--"+catalog.Core.Flag+"=10")
	}
	return args
}

// Memory holds n sleeping requests against each model and reads both
// processes' resident memory once all are held.
func Memory(o Options, models []catalog.Model, sizes []int) ([]MemoryRow, error) {
	var rows []MemoryRow
	for _, n := range sizes {
		for _, model := range models {
			srv, err := startServer(o.Labserver, modelArgs(model, n)...)
			if err != nil {
				return rows, err
			}
			debug.FreeOSMemory()
			before := rss(0)
			ctx, cancel := context.WithCancel(context.Background())
			a, err := attack.New(ctx, attack.Options{Name: model.Name, URL: srv.URL,
				Schedule: workload.Steady(n, heldGap, 2*time.Minute, 0), Timeout: 3 * time.Minute}, nil)
			if err != nil {
				cancel()
				srv.Stop()
				return rows, err
			}
			done := make(chan struct{})
			go func() { a.Run(ctx); close(done) }()
			held := waitHeld(srv, n, 60*time.Second)
			time.Sleep(500 * time.Millisecond)
			row := MemoryRow{Model: model.Name, Held: held, ServerRSSB: rss(srv.PID())}
			row.ServerPerConnB = (row.ServerRSSB - srv.idleRSSByte) / float64(held)
			row.ClientPerConnB = (rss(0) - before) / float64(held)
			rows = append(rows, row)
			fmt.Fprintf(o.Log, "memory: %-13s %5d held: server %.1f KiB, client %.1f KiB per request\n",
				model.Name, held, row.ServerPerConnB/1024, row.ClientPerConnB/1024)
			cancel()
			<-done
			srv.Stop()
		}
	}
	return rows, nil
}

// waitHeld waits until the server holds n connections.
func waitHeld(s *server, n int, within time.Duration) int {
	deadline := time.Now().Add(within)
	held := 0
	for time.Now().Before(deadline) {
		if m, err := s.scrape(); err == nil {
			held = int(m["conclab_connections_open"])
			if held >= n {
				return held
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return held
}

// SamplerShare samples targets servers once a second for d and returns the
// CPU time this process spent, as a share of one core.
func SamplerShare(o Options, targets int, d time.Duration) (float64, error) {
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.Stop()
		}
	}()
	for i := 0; i < targets; i++ {
		s, err := startServer(o.Labserver, modelArgs(catalog.Semaphore, 0)...)
		if err != nil {
			return 0, err
		}
		servers = append(servers, s)
	}
	before := cpuTime()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{}, len(servers))
	start := time.Now()
	for _, s := range servers {
		sp := &sample.Sampler{MetricsURL: s.AdminURL + adminapi.PathMetrics, Client: func() (int64, int64, int64, int64) { return 0, 0, 0, 0 }}
		go func() { sp.Run(ctx, start); done <- struct{}{} }()
	}
	for range servers {
		<-done
	}
	share := (cpuTime() - before).Seconds() / time.Since(start).Seconds()
	fmt.Fprintf(o.Log, "sampler: %d targets at 1 Hz for %s: %.2f%% of one core\n", targets, d, share*100)
	return share, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
