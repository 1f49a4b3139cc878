package shard

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
)

const (
	// connsPerProcess is how many connections one process holds at most,
	// when its open-file limit allows twice as many (20,000 here, not
	// raisable). A connection is one descriptor while it is open; a socket
	// in TIME_WAIT is the kernel's and holds none. The other half of the
	// limit is headroom: for the few dozen files a process holds for itself
	// (stdio, epoll, the .bin, pipes to its children, the admin and metrics
	// connections), and for a run that keeps more open than its prediction
	// said (a server slower than modelled, sends bunched by a late pacer),
	// up to twice as many.
	connsPerProcess = 9000

	// MaxWorkers is how many worker processes one run starts at most. This
	// box has 2 CPUs and 23.5 GiB: 32 workers of 9,000 connections are
	// 288,000 connections, about 10 GiB of client memory at 37 KiB each and
	// 5 GiB more in the servers that hold them (docs/perf.md), and each
	// worker's pacer may spin up to 2% of a core before its sends, 64% of
	// one of the two cores for 32 of them. Past that the lab measures
	// itself rather than the servers.
	MaxWorkers = 32
)

// PerProcess is how many connections one process holds at most, for a
// process whose open-file limit is noFile (0 when unknown): half of it,
// and never more than 9,000.
func PerProcess(noFile uint64) int {
	if noFile == 0 {
		return connsPerProcess
	}
	return int(max(1, min(connsPerProcess, noFile/2)))
}

// Bound is the most connections a target's schedule can hold at once,
// whatever the server does. The client gives up on a request Timeout after
// sending it (http.Client's Timeout covers the connect as well), so the
// requests open at any instant were sent within the last Timeout, both
// ends included: a give-up and a send may fall on the same instant.
func Bound(s *scenario.Scenario) int {
	return s.Schedule().MostWithin(time.Duration(s.Timeout))
}

// The margin of Held: 5 % of the predicted peak, and at least 2.
const (
	heldMarginPercent  = 5
	heldMarginAbsolute = 2
)

// Held is how many connections a target of s keeps open at once: the peak
// of client in-flight requests that its prediction gives, plus a margin,
// and never more than [Bound]. Without a prediction (nil), it is the Bound.
// With keep-alive, idle connections stay open too, but a new one is dialed
// only when every open one is busy, so the peak of requests in flight is
// the peak of connections as well.
func Held(s *scenario.Scenario, predicted *predict.Result) int {
	bound := Bound(s)
	if predicted == nil {
		return bound
	}
	// The margin covers the ways a run departs from its central
	// simulation before anyone knows how (a server slower than modelled,
	// retransmitted SYNs landing late, sends bunched by a late pacer):
	// they keep requests open longer, never past the timeout. Whole
	// percents keep the arithmetic exact.
	peak := predicted.Peak.ClientInflight
	margin := max(heldMarginAbsolute, (peak*heldMarginPercent+99)/100)
	return min(bound, peak+margin)
}

// Plan is how a run's targets are spread over processes: loadgen sends
// some schedules itself, and worker processes send the others.
type Plan struct {
	Scenario   string
	Targets    []string // the targets' names
	PerProcess int      // connections one process holds at most
	Held       []int    // per target: connections open at once, margin included
	Workers    []int    // per target: worker processes; 0 when loadgen sends it itself
	Forced     int      // --shards, when it decided; 0 otherwise
	// Remote is how many workers elsewhere send a share of every target's
	// schedule each (--workers); 0 when the workers are loadgen's own.
	Remote int
}

// NewPlan spreads the targets of s, which keep held[i] connections open at
// once, over processes of perProcess connections each. In target order, a
// target's schedule is sent by loadgen itself while the connections of
// those it already sends leave room for it; the others are split over as
// many worker processes as they need. forced, when above 0, is the number
// of worker processes of every target (1: loadgen sends every schedule
// itself). A plan of more than [MaxWorkers] workers in all is an error
// that says why.
func NewPlan(s *scenario.Scenario, held []int, forced, perProcess int) (Plan, error) {
	p := Plan{Scenario: s.Name, PerProcess: perProcess, Held: held, Workers: make([]int, len(s.Targets))}
	for _, t := range s.Targets {
		p.Targets = append(p.Targets, t.Name)
	}
	if forced > 0 {
		p.Forced = forced
		if forced > 1 {
			for i := range p.Workers {
				p.Workers[i] = forced
			}
		}
	} else {
		own := 0
		for i, h := range held {
			if own+h <= perProcess {
				own += h
				continue
			}
			p.Workers[i] = max(1, (h+perProcess-1)/perProcess)
		}
	}
	if p.Total() > MaxWorkers {
		return Plan{}, p.tooMany()
	}
	return p, nil
}

// NewRemotePlan splits every target of s, which keeps held[i]
// connections open at once, over n workers that run elsewhere (loadgen run
// --workers): worker j sends shard j of every schedule, so it holds about
// an n-th of every target's connections. A worker that would hold more
// than perProcess is an error that says how many workers the run needs.
func NewRemotePlan(s *scenario.Scenario, held []int, n, perProcess int) (Plan, error) {
	p := Plan{Scenario: s.Name, PerProcess: perProcess, Held: held, Workers: make([]int, len(s.Targets)), Remote: n}
	for i, t := range s.Targets {
		p.Targets = append(p.Targets, t.Name)
		p.Workers[i] = n
	}
	if each := p.perRemote(n); each > perProcess {
		need := n
		for p.perRemote(need) > perProcess {
			need++
		}
		return Plan{}, &TooManyWorkersError{fmt.Sprintf("--workers: each of %d workers would hold %s connections at once "+
			"(%s in all, a share of every target's), more than the %s one process holds; use %d workers or more",
			n, thousands(each), thousands(sum(held)), thousands(perProcess), need)}
	}
	return p, nil
}

// perRemote is how many connections the busiest of n remote workers holds
// at once: the first, whose share of each target is rounded up.
func (p Plan) perRemote(n int) int {
	each := 0
	for _, h := range p.Held {
		each += (h + n - 1) / n
	}
	return each
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// Total is how many worker processes the plan starts on this machine.
func (p Plan) Total() int {
	if p.Remote > 0 {
		return 0
	}
	n := 0
	for _, w := range p.Workers {
		n += w
	}
	return n
}

// tooMany is the error of a plan past MaxWorkers, with its arithmetic.
func (p Plan) tooMany() error {
	if p.Forced > 0 {
		return &TooManyWorkersError{fmt.Sprintf("--shards: %d targets × %d workers = %s worker processes, more than the %d one machine runs; "+
			"lower --shards, or split the run across machines (--workers swarm:N)", len(p.Workers), p.Forced, thousands(p.Total()), MaxWorkers)}
	}
	type group struct{ targets, workers, held int }
	var groups []group
next:
	for i, w := range p.Workers {
		if w == 0 {
			continue
		}
		for g := range groups {
			if groups[g].workers == w && groups[g].held == p.Held[i] {
				groups[g].targets++
				continue next
			}
		}
		groups = append(groups, group{1, w, p.Held[i]})
	}
	var terms, helds []string
	for _, g := range groups {
		terms = append(terms, plural(g.targets, "target")+" × "+plural(g.workers, "worker"))
		helds = append(helds, thousands(g.held))
	}
	return &TooManyWorkersError{fmt.Sprintf("scenario %s needs %s = %s worker processes (%s connections open at once per target ÷ %s per process), "+
		"more than the %d one machine runs; lower the rate, timeout or requests, or split the run across machines (--workers swarm:N)",
		p.Scenario, strings.Join(terms, " + "), thousands(p.Total()), andList(helds), thousands(p.PerProcess), MaxWorkers)}
}

// String says which process sends which target's schedule, in one line.
func (p Plan) String() string {
	if p.Remote > 0 {
		return fmt.Sprintf("sending: every target by %s elsewhere, each holding up to %s connections at once (of %s per process)",
			plural(p.Remote, "worker"), thousands(p.perRemote(p.Remote)), thousands(p.PerProcess))
	}
	if p.Forced > 1 {
		return fmt.Sprintf("sending: every target by %d worker processes (--shards %d)", p.Forced, p.Forced)
	}
	var parts, own []string
	ownHeld := 0
	for i, w := range p.Workers {
		if w == 0 {
			own = append(own, p.Targets[i])
			ownHeld += p.Held[i]
			continue
		}
		parts = append(parts, fmt.Sprintf("%s by %s (%s connections open at once ÷ %s per process)",
			p.Targets[i], plural(w, "worker process"), thousands(p.Held[i]), thousands(p.PerProcess)))
	}
	if len(own) > 0 {
		held := fmt.Sprintf(" (%s connections open at once, of %s per process)", thousands(ownHeld), thousands(p.PerProcess))
		if p.Forced == 1 {
			held = " (--shards 1)"
		}
		parts = append(parts, strings.Join(own, ", ")+" by loadgen itself"+held)
	}
	return "sending: " + strings.Join(parts, "; ")
}

// TooManyWorkersError is a run that needs more worker processes than one
// machine runs: a scenario too large for it.
type TooManyWorkersError struct{ msg string }

func (e *TooManyWorkersError) Error() string { return e.msg }

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// plural is "1 target", "2 targets".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// andList is "a", "a and b", "a, b and c".
func andList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
