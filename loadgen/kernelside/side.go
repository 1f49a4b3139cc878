package kernelside

import (
	"math"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/kernelview"
	"github.com/conclab/conclab/loadgen/reconstruct"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
)

// Side is the kernel-side measurement of one target. Its methods do
// nothing on a nil Side, the target measured otherwise.
type Side struct {
	spec    scenario.Target
	service time.Duration
	port    int
	probe   *kernelview.Probe
	roots   func() []int // the processes to watch, with their descendants

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

// Open prepares the measurement of spec's server on port. roots lists the
// processes to watch; nil finds them from spec (pid, process) or from the
// socket that listens on the port.
func Open(spec scenario.Target, port int, roots func() []int) (*Side, error) {
	probe, err := kernelview.Open(port)
	if err != nil {
		return nil, err
	}
	s := &Side{spec: spec, service: time.Duration(spec.Service), port: port, probe: probe, roots: roots}
	if s.roots == nil {
		s.roots = s.watchRoots()
	}
	return s, nil
}

// watchRoots is how a url target's processes are found: its pid, its
// process name, or else the processes that hold its listening socket
// (looked up once, again while none is found).
func (s *Side) watchRoots() func() []int {
	switch {
	case s.spec.PID > 0:
		pid := s.spec.PID
		return func() []int { return []int{pid} }
	case s.spec.Process != "":
		name := s.spec.Process
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
			if p, err := s.probe.Read(); err == nil {
				found, _ = kernelview.ListenerPIDs(p.Inodes())
				found = kernelview.Roots(found)
			}
		}
		return found
	}
}

// Close releases the probe.
func (s *Side) Close() error {
	if s == nil {
		return nil
	}
	return s.probe.Close()
}

// Backlog is the backlog the kernel reports for the port now; 0 if none.
func (s *Side) Backlog() int {
	if s == nil {
		return 0
	}
	p, err := s.probe.Read()
	if err != nil {
		return 0
	}
	return p.Backlog
}

// Sampling wraps the sampler's client callback so that each sample of the
// timeline takes a kernel sample at the same instant, in the same order:
// the i-th kernel sample belongs to the i-th row.
func (s *Side) Sampling(client sample.Client) sample.Client {
	if s == nil {
		return client
	}
	return func() (sent, inflight, ok, errs int64) {
		s.take()
		if client != nil {
			return client()
		}
		return 0, 0, 0, 0
	}
}

// take reads the port and the watched processes once.
func (s *Side) take() {
	var ks kernelSample
	ks.port, ks.portErr = s.probe.Read()
	if ks.portErr != nil {
		ks.port.At = time.Now()
	}
	ks.tree, _ = kernelview.ReadTree(s.roots()...)
	ks.overflows = math.NaN()
	if c, err := sysinfo.ReadListenCounters(); err == nil {
		ks.overflows = float64(c.Overflows)
	}
	s.mu.Lock()
	s.samples = append(s.samples, ks)
	s.mu.Unlock()
}

// Record keeps what the rebuild needs of each hit.
func (s *Side) Record(h attack.Hit) {
	if s == nil || h.Result == nil {
		return
	}
	r := reconstruct.Request{Sent: h.Result.Timestamp, Ended: h.Result.Timestamp.Add(h.Result.Latency),
		Connect: h.Connect, Dialed: h.Dialed, Outcome: h.Outcome}
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
}

// split rebuilds the lives and splits each kernel sample's waiting; where
// is nil without a service time.
func (s *Side) split() ([]kernelSample, []reconstruct.Where, []reconstruct.Request) {
	s.mu.Lock()
	samples := append([]kernelSample(nil), s.samples...)
	reqs := append([]reconstruct.Request(nil), s.reqs...)
	s.mu.Unlock()
	if s.service <= 0 {
		return samples, nil, reqs
	}
	ports := make([]kernelview.Port, len(samples))
	for i, ks := range samples {
		ports[i] = ks.port
	}
	return samples, reconstruct.Split(reconstruct.Rebuild(reqs, s.service), ports), reqs
}
