package perf

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/runfolder"
)

// PacingRow is how late hits were sent, relative to hit 0, in ms.
type PacingRow struct {
	Driver        string
	Targets       int // servers sent to at once, each at Rate
	Rate          int
	Hits          int // over all targets
	P50, P99, Max float64
	WorstP99      float64 // the worst target's p99 (P99 when one target)
	// RunP99s are the p99 of each run, in the order they ran, where the
	// row is the median of several (Pacing); nil for a row of one run.
	RunP99s []float64
	Docker  bool   // sent from containers on a Docker engine
	Setup   string // how the driver's processes sat in containers; "" natively
	// Steal is the share of the machine's CPU time that its hypervisor
	// took while the driver ran (sysinfo.CPUTimes); NaN where unknown. A
	// stolen moment stalls every process of the guest at once: on this
	// lab's 2-CPU VM, a run with 13 ms of p99 had every target's sends
	// stall together for 5 to 27 ms several times a second (docs/perf.md).
	Steal float64
}

func (r PacingRow) String() string {
	return fmt.Sprintf("%d hits, p50 %.3f ms, p99 %.3f ms (worst target %.3f ms), max %.3f ms, steal %.1f%%",
		r.Hits, r.P50, r.P99, r.WorstP99, r.Max, 100*r.Steal)
}

// stealDuring runs f and returns the share of the machine's CPU time that
// its hypervisor took meanwhile (NaN where /proc/stat cannot be read).
func stealDuring(f func() error) (float64, error) {
	before, errBefore := sysinfo.ReadCPUTimes()
	if err := f(); err != nil {
		return math.NaN(), err
	}
	after, errAfter := sysinfo.ReadCPUTimes()
	if errBefore != nil || errAfter != nil {
		return math.NaN(), nil
	}
	return after.StealShare(before), nil
}

// Pacing sends hits at each rate with `loadgen run` and with the vegeta
// command line, pairs(rate) times each, in pairs that alternate which
// driver goes first (loadgen in the first and third of three). Every run
// is a fresh process against a fresh nethttp server with no sleep: a new
// port, so that no run's connections meet the TIME_WAIT sockets and
// conntrack entries of the run before it. Each
// driver's row is its median run by p99, with every run's p99 beside it
// (RunP99s): near the machine's capacity for new connections one run's p99
// ranges from a millisecond to most of a second for either driver, and one
// pair says little (docs/perf.md).
func Pacing(o Options, rates []int, span func(rate int) time.Duration, pairs func(rate int) int) ([]PacingRow, error) {
	tmp, err := os.MkdirTemp("", "conclab-perf")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	drivers := []string{loadgenDriver}
	if o.Vegeta != "" {
		drivers = append(drivers, vegetaDriver)
	}
	var rows []PacingRow
	for _, rate := range rates {
		n := int(span(rate).Seconds() * float64(rate))
		runs := make([][]PacingRow, len(drivers)) // each driver's, in order
		for k := range max(1, pairs(rate)) {
			for i := range drivers {
				d := (i + k) % len(drivers)
				row, err := pacingRun(o, tmp, drivers[d], rate, n, k)
				if err != nil {
					return rows, err
				}
				fmt.Fprintf(o.Log, "pacing: %s %d/s, run %d: %s\n", drivers[d], rate, k+1, row)
				runs[d] = append(runs[d], row)
			}
		}
		for _, r := range runs {
			rows = append(rows, medianRun(r))
		}
	}
	return rows, nil
}

// The drivers of the single-target pacing rows.
const (
	loadgenDriver = "loadgen run"
	vegetaDriver  = "vegeta attack (CLI)"
)

// pacingRun is the k-th run of driver at rate, n hits, against a
// labserver started for it.
func pacingRun(o Options, tmp, driver string, rate, n, k int) (PacingRow, error) {
	srv, err := startServer(o.Labserver, "--model", catalog.NetHTTP.Name)
	if err != nil {
		return PacingRow{}, err
	}
	defer srv.Stop()
	var rs []*vegeta.Result
	steal, err := stealDuring(func() (err error) {
		if driver == loadgenDriver {
			rs, err = loadgenRun(o.Loadgen, tmp, srv, rate, n, k)
		} else {
			rs, err = vegetaCLI(o.Vegeta, srv.URL+"?sleep=0", rate, n, 10*time.Second)
		}
		return err
	})
	if err != nil {
		return PacingRow{}, err
	}
	if len(rs) == 0 {
		// A run of no hits would have a p99 of 0, and could be the median.
		return PacingRow{}, fmt.Errorf("%s at %d/s sent no hit", driver, rate)
	}
	row := rowOf(driver, rate, latenessMs(time.Second/time.Duration(rate), rs))
	row.Steal = steal
	return row, nil
}

// medianRun is the run whose p99 is the median of runs' (the lower of
// the two middle ones for an even count), with every run's p99 in the
// order they ran. Its p50, max and steal are that run's, not medians of
// their own.
func medianRun(runs []PacingRow) PacingRow {
	byP99 := slices.Clone(runs)
	slices.SortStableFunc(byP99, func(a, b PacingRow) int { return cmp.Compare(a.P99, b.P99) })
	row := byP99[(len(byP99)-1)/2]
	if len(runs) > 1 {
		for _, r := range runs {
			row.RunP99s = append(row.RunP99s, r.P99)
		}
	}
	return row
}

// pacingTarget is the target's name in the pacing runs' scenarios.
const pacingTarget = "pacing"

// loadgenRun runs `loadgen run` of n hits at rate against srv as an
// external target, the k-th at that rate, and returns its results. One
// replica is enough: the run is read for its sends, not its verdict, and
// the replicas, simulated after the last send, only take time.
func loadgenRun(bin, tmp string, srv *server, rate, n, k int) ([]*vegeta.Result, error) {
	id := fmt.Sprintf("pacing-%d-%d", rate, k)
	scen := filepath.Join(tmp, id+".yaml")
	yaml := fmt.Sprintf("name: %s\nrequests: %d\nrate: %d\nsleep: 0s\ntimeout: 10s\ntargets:\n  - {name: %s, url: %q, admin: %q}\n",
		id, n, rate, pacingTarget, srv.URL, srv.AdminURL)
	if err := os.WriteFile(scen, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", scen, "--out", tmp, "--run-id", id, "--no-report", "--replicas", "1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("loadgen run: %w: %s", err, launch.LastLine(string(out)))
	}
	var rs []*vegeta.Result
	_, err := runfolder.ReadBin(runfolder.Folder(filepath.Join(tmp, id)).Bin(pacingTarget), func(r *vegeta.Result) { rs = append(rs, r) })
	return rs, err
}

// vegetaCLI runs `vegeta attack` for n hits at rate, each with timeout,
// and decodes its output.
func vegetaCLI(bin, url string, rate, n int, timeout time.Duration) ([]*vegeta.Result, error) {
	dur := time.Duration(float64(n) / float64(rate) * float64(time.Second))
	cmd := exec.Command(bin, "attack", "-rate", strconv.Itoa(rate)+"/1s", "-duration", dur.String(),
		"-keepalive=false", "-timeout", timeout.String())
	cmd.Stdin = strings.NewReader("GET " + url + "\n")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	rs := decodeResults(out)
	if err := cmd.Wait(); err != nil {
		return rs, fmt.Errorf("vegeta attack: %w", err)
	}
	return rs, nil
}

// decodeResults decodes vegeta's results from r up to its end, or up to
// what cannot be decoded: a vegeta that failed part way wrote a
// truncated result last.
func decodeResults(r io.Reader) []*vegeta.Result {
	dec := vegeta.NewDecoder(bufio.NewReader(r))
	var rs []*vegeta.Result
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			return rs
		}
		rs = append(rs, &res)
	}
}

// latenessMs is how late each hit was sent against hit 0's send and its
// place on the schedule, in ms, sorted; the same rule for both drivers.
func latenessMs(interval time.Duration, rs []*vegeta.Result) []float64 {
	var t0 time.Time
	for _, r := range rs {
		if r.Seq == 0 {
			t0 = r.Timestamp
		}
	}
	late := make([]float64, 0, len(rs))
	for _, r := range rs {
		d := r.Timestamp.Sub(t0) - time.Duration(r.Seq)*interval
		late = append(late, math.Abs(float64(d))/1e6)
	}
	sort.Float64s(late)
	return late
}

// quantile of sorted values, p in [0, 1].
func quantile(sorted []float64, p float64) float64 {
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// rowOf is the row of lateness in ms (latenessMs), one target's or a
// fleet's pooled; it sorts late.
func rowOf(driver string, rate int, late []float64) PacingRow {
	sort.Float64s(late)
	row := PacingRow{Driver: driver, Targets: 1, Rate: rate, Hits: len(late)}
	if len(late) == 0 {
		return row
	}
	row.P50, row.P99, row.Max = quantile(late, 0.5), quantile(late, 0.99), late[len(late)-1]
	row.WorstP99 = row.P99
	return row
}
