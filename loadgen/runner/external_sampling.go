package runner

// Targets measured from the kernel side: servers without conclab's metrics
// (url or command targets with no admin URL) and labservers whose admin
// endpoint the scenario ignores (admin: none). For each, loadgen
//
//   - starts the target's command, if it has one, on a free loopback port,
//     and stops its whole process group after the run;
//   - at each 1 Hz sample reads the server side of the target's port through
//     sock_diag netlink (accept queue, backlog, connections by state) and
//     the watched processes from /proc (threads, processes, RSS, PSS);
//   - after the run rebuilds running and waiting requests from the client's
//     records (loadgen/reconstruct), given the known service time, and
//     splits the waiting into the kernel's accept queue and the app;
//   - fills the timeline's server columns from both, and writes the
//     kernel-only figures to <target>.kernel.csv.
//
// A url target with like: MODEL gets a /config-like map of that model's
// limits, with the backlog the kernel reports, so the prediction runs as
// for a labserver.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/kernelview"
	"github.com/conclab/conclab/loadgen/reconstruct"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// commandReadyTimeout bounds how long a target's command may take to
// listen on its port.
const commandReadyTimeout = 60 * time.Second

// commandStopGrace is how long a command's processes get between SIGTERM
// and SIGKILL.
const commandStopGrace = 5 * time.Second

// kernelSide is the kernel-side measurement of one target.
type kernelSide struct {
	spec scenario.Target
	// measure is false for a command target that serves its own admin
	// endpoint: loadgen only starts and stops it.
	measure bool
	service time.Duration
	port    int
	probe   *kernelview.Probe
	// roots lists the processes to watch, with their descendants.
	roots func() []int

	// The command, when loadgen started one.
	cmd      *exec.Cmd
	output   *tailBuffer
	exited   chan struct{}
	exit     error
	exitedAt time.Time
	stopOnce sync.Once
	stopping bool

	mu      sync.Mutex
	samples []kernelSample
	reqs    []reconstruct.Request
}

// kernelSample is one sample of the port and the processes.
type kernelSample struct {
	port      kernelview.Port
	portErr   error
	tree      kernelview.Tree
	overflows float64 // TcpExt ListenOverflows of the namespace; NaN if unreadable
}

// startTarget starts (or describes) one target and, when the target is
// measured from the kernel side, prepares that measurement. It replaces
// the choice between startServer and external in startTargets.
func startTarget(ctx context.Context, opt Options, s *scenario.Scenario, spec scenario.Target) (*server, *kernelSide, error) {
	switch {
	case !spec.External():
		srv, err := startServer(ctx, opt.Labserver, s, spec)
		if err != nil || !spec.AdminIgnored() {
			return srv, nil, err
		}
		port, err := urlPort(srv.URL)
		if err == nil {
			var k *kernelSide
			if k, err = newKernelSide(spec, port, func() []int { return []int{srv.PID()} }); err == nil {
				return srv, k, nil
			}
		}
		srv.stop()
		return nil, nil, fmt.Errorf("target %s: %v", spec.Name, err)
	case spec.Command != "":
		return startCommand(ctx, s, spec)
	case !spec.KernelSide():
		srv, err := external(ctx, spec)
		return srv, nil, err
	}
	port, err := urlPort(spec.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("target %s: %v", spec.Name, err)
	}
	k, err := newKernelSide(spec, port, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("target %s: %v", spec.Name, err)
	}
	srv := &server{URL: spec.URL}
	if spec.Like != "" {
		srv.Config = likeConfig(s, spec, k.backlog())
	}
	return srv, k, nil
}

func newKernelSide(spec scenario.Target, port int, roots func() []int) (*kernelSide, error) {
	probe, err := kernelview.Open(port)
	if err != nil {
		return nil, err
	}
	k := &kernelSide{spec: spec, measure: true, service: time.Duration(spec.Service), port: port, probe: probe}
	if roots == nil {
		roots = k.watchRoots()
	}
	k.roots = roots
	return k, nil
}

// watchRoots is how a url target's processes are found: its pid, its
// process name, or else the processes that hold its listening socket
// (looked up once, again while none is found).
func (k *kernelSide) watchRoots() func() []int {
	switch {
	case k.spec.PID > 0:
		pid := k.spec.PID
		return func() []int { return []int{pid} }
	case k.spec.Process != "":
		name := k.spec.Process
		return func() []int {
			pids, _ := kernelview.FindProcesses(name)
			return pids
		}
	}
	var mu sync.Mutex
	var found []int
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		if len(found) == 0 {
			if p, err := k.probe.Read(); err == nil {
				found, _ = kernelview.ListenerPIDs(p.Inodes())
				found = kernelview.Roots(found)
			}
		}
		return found
	}
}

// startCommand runs a target's command on its port and waits until the
// port listens. A port picked for {port} that turns out to be taken (by
// another target starting at the same time) is picked again, up to three
// times.
func startCommand(ctx context.Context, s *scenario.Scenario, spec scenario.Target) (*server, *kernelSide, error) {
	pick := strings.Contains(spec.URL, scenario.PortPlaceholder)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var srv *server
		var k *kernelSide
		var retry bool
		srv, k, retry, err = startCommandOnce(ctx, s, spec)
		if err == nil {
			return srv, k, nil
		}
		if !pick || !retry {
			break
		}
	}
	return nil, nil, fmt.Errorf("target %s: %v", spec.Name, err)
}

// startCommandOnce is one attempt of startCommand; retry says whether a
// new port may help.
func startCommandOnce(ctx context.Context, s *scenario.Scenario, spec scenario.Target) (*server, *kernelSide, bool, error) {
	target := spec.URL
	port := ""
	if strings.Contains(target, scenario.PortPlaceholder) {
		p, err := pickPort()
		if err != nil {
			return nil, nil, false, err
		}
		port = strconv.Itoa(p)
		target = strings.ReplaceAll(target, scenario.PortPlaceholder, port)
	}
	p, err := urlPort(target)
	if err != nil {
		return nil, nil, false, err
	}
	if port == "" {
		port = strconv.Itoa(p)
	}
	if before, err := kernelview.ReadPort(p); err == nil && before.Listening() {
		return nil, nil, true, fmt.Errorf("port %d is already in use before its command started", p)
	}
	spec.URL = target
	spec.Command = strings.ReplaceAll(spec.Command, scenario.PortPlaceholder, port)

	k := &kernelSide{spec: spec, measure: spec.KernelSide(), service: time.Duration(spec.Service), port: p,
		output: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	k.cmd = exec.Command("/bin/sh", "-c", spec.Command)
	k.cmd.Stdout, k.cmd.Stderr = k.output, k.output
	// Its own process group: stop ends every process it started (forked
	// workers included), and a Ctrl-C reaches loadgen alone.
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		return nil, nil, false, fmt.Errorf("command: %v", err)
	}
	go func() {
		k.exit = k.cmd.Wait()
		k.exitedAt = time.Now()
		close(k.exited)
	}()
	shell := k.cmd.Process.Pid
	k.roots = func() []int { return []int{shell} }
	if k.probe, err = kernelview.Open(p); err != nil {
		k.stop()
		return nil, nil, false, err
	}
	if err := k.waitListening(ctx, commandReadyTimeout); err != nil {
		k.stop()
		inUse := strings.Contains(strings.ToLower(k.output.String()), "address already in use")
		return nil, nil, inUse, err
	}
	srv := &server{URL: target}
	switch {
	case spec.KernelSide() && spec.Like != "":
		srv.Config = likeConfig(s, spec, k.backlog())
	case !spec.KernelSide(): // the command serves an admin endpoint
		cfg, err := adminapi.Fetch(ctx, adminClient, strings.TrimRight(spec.Admin, "/"))
		if err != nil {
			k.stop()
			return nil, nil, false, fmt.Errorf("admin %s: %v", spec.Admin, err)
		}
		srv.AdminURL, srv.Config = strings.TrimRight(spec.Admin, "/"), cfg
	}
	return srv, k, false, nil
}

// pickedPorts are the ports pickPort handed out in this process, never
// handed out twice: targets start at the same time, and the kernel would
// give a port just released to the next asker.
var pickedPorts = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// pickPort asks the kernel for a free loopback port that this process has
// not handed out before.
func pickPort() (int, error) {
	for i := 0; i < 50; i++ {
		ports, err := freePorts(1)
		if err != nil {
			return 0, err
		}
		p, err := strconv.Atoi(ports[0])
		if err != nil {
			return 0, err
		}
		pickedPorts.Lock()
		taken := pickedPorts.m[p]
		pickedPorts.m[p] = true
		pickedPorts.Unlock()
		if !taken {
			return p, nil
		}
	}
	return 0, errors.New("no free loopback port")
}

// waitListening polls the port until a socket listens on it.
func (k *kernelSide) waitListening(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		select {
		case <-k.exited:
			return fmt.Errorf("command exited before listening on port %d (%v): %s", k.port, k.exit, k.output.lastLine())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if p, err := k.probe.Read(); err == nil && p.Listening() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("command not listening on port %d within %s: %s", k.port, within, k.output.lastLine())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// backlog is the backlog the kernel reports for the port now; 0 if none.
func (k *kernelSide) backlog() int {
	p, err := k.probe.Read()
	if err != nil {
		return 0
	}
	return p.Backlog
}

// likeConfig is the /config a labserver of the target's like model would
// report, with the backlog the kernel reports for the real server.
func likeConfig(s *scenario.Scenario, spec scenario.Target, backlog int) *adminapi.Config {
	as := spec
	as.Model = spec.Like
	c := verdict.ScenarioConfig(s, as, verdict.Host{Somaxconn: sysinfo.Somaxconn()})
	c.Like = true
	if backlog > 0 {
		c.Backlog = backlog
	}
	return c
}

// modelName is the model column of a kernel-side target: a url target is
// "external", whatever it is like.
func (k *kernelSide) modelName(model string) string {
	if k == nil || !k.measure || !k.spec.External() {
		return model
	}
	return summary.ExternalModel
}

// sampling wraps the sampler's client callback so that each sample of the
// timeline takes a kernel sample at the same instant, in the same order:
// the i-th kernel sample belongs to the i-th row.
func (k *kernelSide) sampling(client sample.Client) sample.Client {
	if k == nil || !k.measure {
		return client
	}
	return func() (sent, inflight, ok, errs int64) {
		k.take()
		if client != nil {
			return client()
		}
		return 0, 0, 0, 0
	}
}

// take reads the port and the watched processes once.
func (k *kernelSide) take() {
	var ks kernelSample
	ks.port, ks.portErr = k.probe.Read()
	if ks.portErr != nil {
		ks.port.At = time.Now()
	}
	ks.tree, _ = kernelview.ReadTree(k.roots()...)
	ks.overflows = math.NaN()
	if c, err := sysinfo.ReadListenCounters(); err == nil {
		ks.overflows = float64(c.Overflows)
	}
	k.mu.Lock()
	k.samples = append(k.samples, ks)
	k.mu.Unlock()
}

// record keeps what the rebuild needs of each hit.
func (k *kernelSide) record(h attack.Hit) {
	if k == nil || !k.measure || h.Result == nil {
		return
	}
	r := reconstruct.Request{Sent: h.Result.Timestamp, Ended: h.Result.Timestamp.Add(h.Result.Latency),
		Connect: h.Connect, Dialed: h.Dialed, Outcome: h.Outcome}
	k.mu.Lock()
	k.reqs = append(k.reqs, r)
	k.mu.Unlock()
}

// split rebuilds the lives and splits each kernel sample's waiting.
func (k *kernelSide) split() ([]kernelSample, []reconstruct.Where, []reconstruct.Request) {
	k.mu.Lock()
	samples := append([]kernelSample(nil), k.samples...)
	reqs := append([]reconstruct.Request(nil), k.reqs...)
	k.mu.Unlock()
	if k.service <= 0 {
		return samples, nil, reqs
	}
	ports := make([]kernelview.Port, len(samples))
	for i, s := range samples {
		ports[i] = s.port
	}
	return samples, reconstruct.Split(reconstruct.Rebuild(reqs, k.service), ports), reqs
}

// fill returns rows with the server columns filled from the kernel and
// the rebuild: inflight (running), queued (waiting in the app),
// accept_queue, accept_limit, connections (accepted, open), rss_bytes and
// listen_overflows. Without a kernel side it returns rows as they are.
func (k *kernelSide) fill(rows []sample.Row) []sample.Row {
	if k == nil || !k.measure {
		return rows
	}
	samples, where, _ := k.split()
	out := append([]sample.Row(nil), rows...)
	for i := range out {
		if i >= len(samples) {
			break
		}
		ks, r := samples[i], &out[i]
		if ks.portErr == nil && ks.port.Listening() {
			r.AcceptQueue = float64(ks.port.AcceptQueue)
			r.AcceptLimit = float64(ks.port.Backlog)
			r.Connections = float64(ks.port.Accepted())
		}
		if ks.tree.Processes > 0 {
			r.RSSBytes = float64(ks.tree.RSSBytes)
		}
		r.Overflows = ks.overflows
		if where != nil {
			r.Inflight = float64(where[i].Running)
			r.Queued = float64(where[i].InApp)
		}
	}
	return out
}

// kernelHeader is the first line of <target>.kernel.csv.
var kernelHeader = []string{"t_s", "listeners", "accept_queue", "backlog", "established", "syn_recv", "close_wait",
	"closing", "time_wait", "accepted", "processes", "threads", "rss_bytes", "pss_bytes",
	"running", "waiting", "connecting", "undetermined", "in_kernel", "in_app", "app_from_kernel"}

// writeCSV writes <name>.kernel.csv beside the timeline: every kernel
// figure and the rebuild at each sample, t_s from the timeline's rows.
func (k *kernelSide) writeCSV(dir, name string, rows []sample.Row) error {
	if k == nil || !k.measure {
		return nil
	}
	samples, where, _ := k.split()
	return atomicfile.Write(filepath.Join(dir, name+".kernel.csv"), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(kernelHeader); err != nil {
			return err
		}
		for i, ks := range samples {
			if i >= len(rows) {
				break
			}
			p, tr := ks.port, ks.tree
			rec := []string{strconv.FormatFloat(rows[i].T.Seconds(), 'f', 3, 64)}
			if ks.portErr != nil {
				for range 9 {
					rec = append(rec, "")
				}
			} else {
				rec = append(rec, itoa(len(p.Listeners)), itoa(p.AcceptQueue), itoa(p.Backlog), itoa(p.Established),
					itoa(p.SynRecv), itoa(p.CloseWait), itoa(p.Closing), itoa(p.TimeWait), itoa(p.Accepted()))
			}
			rec = append(rec, itoa(tr.Processes), itoa(tr.Threads), strconv.FormatInt(tr.RSSBytes, 10), strconv.FormatInt(tr.PSSBytes, 10))
			if where != nil {
				w := where[i]
				rec = append(rec, itoa(w.Running), itoa(w.Waiting), itoa(w.Connecting), itoa(w.Undetermined),
					itoa(w.InKernel), itoa(w.InApp), itoa(w.AppFromKernel))
			} else {
				rec = append(rec, "", "", "", "", "", "", "")
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// notes say how the target was measured, and what went wrong.
func (k *kernelSide) notes() []string {
	if k == nil {
		return nil
	}
	if !k.measure {
		if died := k.diedEarly(); died != "" {
			return []string{died}
		}
		return nil
	}
	samples, _, reqs := k.split()
	var notes []string
	how := fmt.Sprintf("measured from the kernel side: port %d by sock_diag (accept queue, connections), processes from /proc", k.port)
	if k.service > 0 {
		how += fmt.Sprintf("; running and waiting rebuilt from the client's records with a service time of %s", k.service)
		if est, ok := reconstruct.EstimateService(reqs); ok {
			how += fmt.Sprintf(" (shortest ok latency %s)", est.Round(time.Millisecond))
			if est > k.service+k.service/10+50*time.Millisecond {
				notes = append(notes, fmt.Sprintf("the shortest ok latency %s is well above the service time %s: the server is slower than assumed, so the rebuild overstates waiting and understates running",
					est.Round(time.Millisecond), k.service))
			}
		}
	} else {
		how += "; no service time, so running and waiting are unknown"
	}
	notes = append([]string{how}, notes...)
	var peakThreads, peakProcs, notListening, failed int
	var firstErr error
	for _, s := range samples {
		peakThreads, peakProcs = max(peakThreads, s.tree.Threads), max(peakProcs, s.tree.Processes)
		switch {
		case s.portErr != nil:
			failed++
			if firstErr == nil {
				firstErr = s.portErr
			}
		case !s.port.Listening():
			notListening++
		}
	}
	if len(samples) > 0 {
		notes = append(notes, fmt.Sprintf("watched processes: peak %d processes, %d threads", peakProcs, peakThreads))
	}
	if failed > 0 {
		notes = append(notes, fmt.Sprintf("kernel view failed in %d of %d samples: %v", failed, len(samples), firstErr))
	}
	if notListening > 0 {
		notes = append(notes, fmt.Sprintf("no socket listened on port %d in %d of %d samples", k.port, notListening, len(samples)))
	}
	if died := k.diedEarly(); died != "" {
		notes = append(notes, died)
	}
	return notes
}

// diedEarly describes a command that ended before loadgen stopped it.
func (k *kernelSide) diedEarly() string {
	if k.cmd == nil {
		return ""
	}
	k.mu.Lock()
	stopping := k.stopping
	k.mu.Unlock()
	if stopping {
		return ""
	}
	select {
	case <-k.exited:
	default:
		return ""
	}
	return fmt.Sprintf("the target's command (pid %d) ended during the run (%v): %s", k.cmd.Process.Pid, k.exit, k.output.lastLine())
}

// stop ends the command's process group (SIGTERM, then SIGKILL after a
// grace period) and closes the probe. It is safe to call more than once.
func (k *kernelSide) stop() {
	if k == nil {
		return
	}
	k.stopOnce.Do(func() {
		if k.cmd != nil && k.cmd.Process != nil {
			k.mu.Lock()
			k.stopping = true
			k.mu.Unlock()
			pgid := k.cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-k.exited:
			case <-time.After(commandStopGrace):
			}
			// Whatever of the group is left (forked workers that outlive
			// their parent, a shell's children) goes now.
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-k.exited
		}
		if k.probe != nil {
			_ = k.probe.Close()
		}
	})
}

// urlPort is the TCP port of an http URL (80 when it names none).
func urlPort(raw string) (int, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, err
	}
	port := u.Port()
	if port == "" {
		return 80, nil // http's default
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("url %s: bad port %q", raw, port)
	}
	return p, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

// String is everything kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// lastLine is the last non-empty line written, for error messages.
func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return "(no output)"
	}
	return s
}
