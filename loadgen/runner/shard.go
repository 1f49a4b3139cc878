package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/scenario"
)

// One loadgen process holds every connection of its attacks, and a process
// may have at most RLIMIT_NOFILE descriptors (20000 here, not raisable).
// Above connsPerShard held connections a target's schedule is split across
// worker processes, `loadgen worker`, each sending every k-th hit of the
// same schedule; their .bin files are merged into one.
const connsPerShard = 9000

// shardsFor is how many worker processes a target's schedule needs; 1
// means loadgen attacks it itself.
func shardsFor(s *scenario.Scenario, forced int) int {
	if forced > 0 {
		return forced
	}
	held := s.Requests * len(s.Targets)
	if held <= connsPerShard {
		return 1
	}
	perTarget := (connsPerShard + len(s.Targets) - 1) / len(s.Targets)
	return (s.Requests + perTarget - 1) / perTarget
}

// WorkerOptions are one shard's attack, as `loadgen worker` receives them.
type WorkerOptions struct {
	Attack attack.Options
	Start  time.Time // when hit 0 of the whole schedule is due
	Out    string    // the shard's .bin
}

// workerStatus is the line a worker prints every 250 ms, and once at the end.
type workerStatus struct {
	Sent     int64 `json:"sent"`
	Done     int64 `json:"done"`
	Inflight int64 `json:"inflight"`
	OK       int64 `json:"ok"`
	Errors   int64 `json:"errors"`
	Final    bool  `json:"final,omitempty"`
}

// RunWorker is `loadgen worker`: wait for the start, attack one shard,
// write its .bin, report counters on status as JSON lines.
func RunWorker(ctx context.Context, o WorkerOptions, status io.Writer) error {
	f, err := os.Create(o.Out + ".partial")
	if err != nil {
		return err
	}
	buf := bufio.NewWriterSize(f, 256<<10)
	enc := vegeta.NewEncoder(buf)
	var encErr error
	a, err := attack.New(ctx, o.Attack, func(h attack.Hit) {
		stampConnect(&h)
		if encErr == nil {
			encErr = enc.Encode(h.Result)
		}
	})
	if err != nil {
		f.Close()
		return err
	}
	select {
	case <-time.After(time.Until(o.Start)):
	case <-ctx.Done():
	}
	report := func(final bool) {
		c := &a.Counters
		b, _ := json.Marshal(workerStatus{Sent: c.Sent.Load(), Done: c.Done.Load(), Inflight: c.Inflight.Load(),
			OK: c.OK.Load(), Errors: c.Errors.Load(), Final: final})
		_, _ = status.Write(append(b, '\n'))
	}
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Add(1)
	go func() {
		defer ticker.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				report(false)
			}
		}
	}()
	if ctx.Err() == nil {
		a.Run(ctx)
	}
	close(stop)
	ticker.Wait()
	err = errors.Join(encErr, buf.Flush(), f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(o.Out+".partial", o.Out)
	}
	report(true)
	return err
}

// stampConnect keeps a failed hit's connect time in the .bin, in the same
// header a response carries it in.
func stampConnect(h *attack.Hit) {
	if !h.Dialed || h.Result.Headers.Get(attack.ConnectHeader) != "" {
		return
	}
	if h.Result.Headers == nil {
		h.Result.Headers = http.Header{}
	}
	h.Result.Headers.Set(attack.ConnectHeader, strconv.FormatFloat(float64(h.Connect)/1e6, 'f', 3, 64))
}

// workerArgs is the command line of `loadgen worker` for shard j.
func workerArgs(o attack.Options, start time.Time, out string) []string {
	return []string{"worker",
		"--name", o.Name, "--url", o.URL, "--requests", strconv.Itoa(o.Requests),
		"--interval", o.Interval.String(), "--sleep", o.Sleep.String(), "--cpu", o.CPU.String(),
		"--timeout", o.Timeout.String(), "--connect-timeout", o.ConnectTimeout.String(),
		"--keepalive=" + strconv.FormatBool(o.KeepAlive),
		"--shard", strconv.Itoa(o.Shard), "--shards", strconv.Itoa(o.Shards),
		"--offset", o.Offset.String(),
		"--start", strconv.FormatInt(start.UnixNano(), 10), "--out", out}
}

// shardedAttack drives one target through worker processes and sums their
// counters, so progress and sampling see one attack.
type shardedAttack struct {
	loadgen  string // this executable
	opt      attack.Options
	dir      string
	counters *attack.Counters

	mu     sync.Mutex
	status []workerStatus
	files  []string
	errs   []error
}

func (sa *shardedAttack) run(ctx context.Context, start time.Time) {
	k := sa.opt.Shards
	sa.status = make([]workerStatus, k)
	var wg sync.WaitGroup
	for j := 0; j < k; j++ {
		o := sa.opt
		o.Shard = j
		out := filepath.Join(sa.dir, fmt.Sprintf("%s.shard-%d.bin", o.Name, j))
		sa.files = append(sa.files, out)
		cmd := exec.Command(sa.loadgen, workerArgs(o, start, out)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			sa.fail(err)
			continue
		}
		var stderr lockedBuffer
		stderr.b = new(bytes.Buffer)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			sa.fail(fmt.Errorf("worker %d: %v", j, err))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(syscall.SIGINT) })
			defer stop()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var st workerStatus
				if json.Unmarshal(sc.Bytes(), &st) == nil {
					sa.update(j, st)
				}
			}
			if err := cmd.Wait(); err != nil {
				sa.fail(fmt.Errorf("worker %d: %v: %s", j, err, lastLine(stderr.String())))
			}
		}()
	}
	wg.Wait()
}

func (sa *shardedAttack) fail(err error) {
	sa.mu.Lock()
	sa.errs = append(sa.errs, err)
	sa.mu.Unlock()
}

func (sa *shardedAttack) update(j int, st workerStatus) {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	sa.status[j] = st
	var sum workerStatus
	for _, s := range sa.status {
		sum.Sent += s.Sent
		sum.Done += s.Done
		sum.Inflight += s.Inflight
		sum.OK += s.OK
		sum.Errors += s.Errors
	}
	c := sa.counters
	c.Sent.Store(sum.Sent)
	c.Done.Store(sum.Done)
	c.Inflight.Store(sum.Inflight)
	c.OK.Store(sum.OK)
	c.Errors.Store(sum.Errors)
}

// merge reads every shard's .bin, calls each for every result in send
// order, writes them as one .bin, and removes the shard files.
func (sa *shardedAttack) merge(out string, each func(*vegeta.Result)) error {
	var all []*vegeta.Result
	var errs []error
	for _, path := range sa.files {
		rs, err := readBin(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %v", filepath.Base(path), err))
		}
		all = append(all, rs...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	f, err := os.Create(out + ".partial")
	if err != nil {
		return err
	}
	buf := bufio.NewWriterSize(f, 256<<10)
	enc := vegeta.NewEncoder(buf)
	for _, r := range all {
		each(r)
		if err := enc.Encode(r); err != nil {
			errs = append(errs, err)
			break
		}
	}
	errs = append(errs, buf.Flush(), f.Sync(), f.Close())
	if errors.Join(errs...) == nil {
		errs = append(errs, os.Rename(out+".partial", out))
		for _, path := range sa.files {
			_ = os.Remove(path)
		}
	}
	sa.mu.Lock()
	errs = append(errs, sa.errs...)
	sa.mu.Unlock()
	return errors.Join(errs...)
}

// readBin decodes a vegeta .bin; a truncated tail (a worker killed while
// writing) ends the read without losing what came before.
func readBin(path string) ([]*vegeta.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReader(f))
	var rs []*vegeta.Result
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
		if err != nil {
			return rs, err
		}
		rs = append(rs, &r)
	}
}

func lastLine(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
