package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/quantile"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/hub"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
	"github.com/conclab/conclab/loadgen/workload"
)

// limitKeys are the /config fields that state a target's limits, and
// hostKeys those that state what the server found on its host. summary.json
// keeps both; a like target's made-up config has only the limits.
var (
	limitKeys = append(knobKeys(), "backlog")
	hostKeys  = []string{"backlog_requested", "somaxconn", "gomaxprocs", "keepalive", "nofile", "fds_at_start"}
)

// knobKeys are the /config keys of every knob.
func knobKeys() []string {
	keys := make([]string, len(catalog.Knobs))
	for i, k := range catalog.Knobs {
		keys[i] = k.ConfigKey()
	}
	return keys
}

// summaryConfig is the part of a /config that summary.json records.
func summaryConfig(c *adminapi.Config) map[string]any {
	out := map[string]any{}
	if c == nil {
		return out
	}
	var all map[string]any
	if b, err := json.Marshal(c); err != nil || json.Unmarshal(b, &all) != nil {
		return out
	}
	keys := limitKeys
	if !c.Like {
		keys = append(slices.Clone(limitKeys), hostKeys...)
	}
	for _, k := range keys {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return out
}

// PacingFloor is the lateness below which a send counts as on schedule at
// any rate. Above it, and above the interval between requests, arrivals
// bunch up: the servers see bursts the scenario does not describe.
const PacingFloor = 100 * time.Millisecond

// pacingNote says when the load generator could not keep the schedule, so
// that a reader does not take its bursts for the servers' behaviour.
func pacingNote(p *summary.Pacing, interval time.Duration) string {
	limit := max(PacingFloor, interval)
	if p == nil || p.P99 <= float64(limit)/float64(time.Millisecond) {
		return ""
	}
	return fmt.Sprintf("the schedule was not kept: sends were p99 %.0f ms and at most %.0f ms off it, more than %s "+
		"(the larger of the mean gap between sends and %s). This machine could not send at the scenario's rate, so the servers "+
		"saw burstier arrivals than the prediction assumes", p.P99, p.Max, limit, PacingFloor)
}

// detailLimit is how many distinct details a note quotes.
const detailLimit = 3

// detailNotes say, for each outcome that does not explain itself, what the
// client saw, most frequent first: a reader should never have to guess what
// "other" was.
func detailNotes(hits []hitRecord) []string {
	counts := map[outcome.Outcome]map[string]int{}
	for _, h := range hits {
		if h.detail == "" {
			continue
		}
		if counts[h.outcome] == nil {
			counts[h.outcome] = map[string]int{}
		}
		counts[h.outcome][h.detail]++
	}
	var notes []string
	for _, o := range outcome.All {
		byDetail := counts[o]
		if len(byDetail) == 0 {
			continue
		}
		details := make([]string, 0, len(byDetail))
		total := 0
		for d, n := range byDetail {
			details = append(details, d)
			total += n
		}
		slices.SortFunc(details, func(a, b string) int {
			return cmp.Or(cmp.Compare(byDetail[b], byDetail[a]), cmp.Compare(a, b))
		})
		var quoted []string
		for _, d := range details[:min(len(details), detailLimit)] {
			quoted = append(quoted, fmt.Sprintf("%d× %q", byDetail[d], d))
		}
		if len(details) > detailLimit {
			quoted = append(quoted, fmt.Sprintf("and %d more", len(details)-detailLimit))
		}
		notes = append(notes, fmt.Sprintf("%d ended %q: %s", total, o, strings.Join(quoted, ", ")))
	}
	return notes
}

// summarize is what the target did, so far, for summary.json.
func (t *target) summarize(sc *workload.Schedule, started time.Time) summary.Target {
	t.mu.Lock()
	hits := append([]hitRecord(nil), t.hits...)
	t.mu.Unlock()
	st := summary.Target{Name: t.spec.Name, Model: t.model(), URL: t.url, Config: summaryConfig(t.config),
		Sent: len(hits), Outcomes: map[outcome.Outcome]int{}}
	for _, o := range outcome.All {
		st.Outcomes[o] = 0
	}
	var lat, okLat, conn, late []float64
	var end time.Duration // when the last request ended
	for _, h := range hits {
		end = max(end, h.scheduled+h.lateBy+h.latency)
		st.Outcomes[h.outcome]++
		lat = append(lat, h.latency.Seconds())
		if h.outcome == outcome.OK {
			okLat = append(okLat, h.latency.Seconds())
		}
		if h.dialed {
			conn = append(conn, h.connect.Seconds())
			if h.synRetried() {
				st.SynRetried++
			}
		}
		late = append(late, math.Abs(float64(h.lateBy))/1e6)
	}
	st.Latency, st.OKLatency = summary.QuantilesOf(lat), summary.QuantilesOf(okLat)
	st.GoodputPerS = verdict.Goodput(sc, st.Outcomes[outcome.OK], end)
	conn, late = sortedCopy(conn), sortedCopy(late)
	st.Connect = summary.ConnectQuantiles{P50: quantile.NearestRank(conn, .5), P99: quantile.NearestRank(conn, .99), Max: quantile.NearestRank(conn, 1)}
	if len(late) > 0 {
		st.Pacing = &summary.Pacing{P50: quantile.NearestRank(late, .5), P99: quantile.NearestRank(late, .99), Max: quantile.NearestRank(late, 1)}
	}
	st.Peak, st.ListenOverflows, st.Rejected, st.WastedWorkS = peaks(t.rows())
	st.Stages = stageFigures(sc, hits, t.predicted)
	st.ListenOverflowsScope = overflowsScope(t.config)
	st.Notes = t.notes(sc, st.Pacing, hits, started)
	if said := t.commandSaid(st.Outcomes, started); said != "" {
		st.Notes = append(st.Notes, said)
	}
	return st
}

// commandSaid is a note with the last line that a command target's server
// wrote, when some of its answers were errors and it still runs (a server
// that died says it in diedEarly's note): most servers log why they
// answered 500 there, as Hypercorn's trio worker does for an asyncio call
// ("RuntimeError: no running event loop").
func (t *target) commandSaid(outcomes map[outcome.Outcome]int, started time.Time) string {
	if t.spec.Command == "" || t.proc == nil || t.diedEarly(started) != "" {
		return ""
	}
	errs := outcome.Sum(outcomes, outcome.Failed...)
	if errs == 0 || strings.TrimSpace(t.proc.Output.String()) == "" {
		return ""
	}
	return fmt.Sprintf("%d requests failed; the server's last output: %s", errs, t.proc.Output.LastLine())
}

// notes say what the reader of the target's figures should know: that
// its server died, how it was measured, whether the schedule was kept,
// and what the outcomes that do not explain themselves were.
func (t *target) notes(sc *workload.Schedule, pacing *summary.Pacing, hits []hitRecord, started time.Time) []string {
	var notes []string
	if died := t.diedEarly(started); died != "" {
		notes = append(notes, died)
	}
	if t.adminURL == "" && t.side == nil {
		notes = append(notes, "no admin endpoint: server-side columns are unknown")
	}
	notes = append(notes, t.side.Notes()...)
	if n := pacingNote(pacing, sc.MeanGap()); n != "" {
		notes = append(notes, n)
	}
	if n := rtoNote(hits); n != "" {
		notes = append(notes, n)
	}
	return append(notes, detailNotes(hits)...)
}

// defaultRTO is the most that a loopback connection's RTO is without the
// kernel's kept RTT: TCP_RTO_MIN, 200 ms, plus its SRTT and a jiffy or
// so (204 ms here).
const defaultRTO = 250 * time.Millisecond

// rtoNote says, for a target some of whose connects needed retransmitted
// SYNs, how many of its connections whose RTO was read started with one
// above the default, and how high: on loopback, where RTTs are
// microseconds, that is the RTT the kernel keeps for the pair of
// addresses (tcp_metrics), and a client whose connection sits in limbo
// resends on it, where the replicas' clients resend on the default
// (docs/kernel.md). "" when none did.
func rtoNote(hits []hitRecord) string {
	var above, read int
	var highest time.Duration
	retried := false
	for _, h := range hits {
		retried = retried || h.synRetried()
		if !h.dialed || h.rto <= 0 {
			continue
		}
		read++
		if h.rto > defaultRTO {
			above++
			highest = max(highest, h.rto)
		}
	}
	if above == 0 || !retried {
		return ""
	}
	return fmt.Sprintf("%d of %d connections whose RTO was read started with one above %v, up to %v: on loopback, the RTT "+
		"the kernel keeps for the pair of addresses (tcp_metrics), which a run's own limbo raises; a client whose "+
		"connection waits in limbo resends on it, where the replicas' clients resend on the default: a loss probe "+
		"after 200 ms, then 200 ms, doubling (docs/kernel.md)", above, read, defaultRTO, highest.Round(time.Millisecond))
}

// overflowsScope says whose ListenOverflows counter a target's server
// reads: "host" when it shares loadgen's network namespace (so the figure
// is every such target's), "own" when it has its own, "" when unknown (a
// like target's made-up config, or a server that does not say).
func overflowsScope(c *adminapi.Config) string {
	own := sysinfo.NetNS()
	switch {
	case c == nil || c.Like || c.NetNS == "" || own == "":
		return ""
	case c.NetNS == own:
		return "host"
	}
	return "own"
}

// model is the target's model column: its own for an embedded target, the
// one its server reports for a url target with an admin endpoint, and
// "external" for the rest, whatever they are like.
func (t *target) model() string {
	switch {
	case !t.spec.External():
		return t.spec.Model
	case t.side == nil && t.config != nil && t.config.Model != "":
		return t.config.Model
	}
	return summary.ExternalModel
}

// peaks returns the highest value of each gauge, and the growth of the
// overflow, rejection and wasted-work counters, over the samples (nil
// overflows or wasted work when no sample carried the counter).
func peaks(rows []sample.Row) (summary.Peak, *float64, float64, *float64) {
	// A gauge stays NaN (null, "-") where no sample carried it, as the
	// accept queue on an OS whose kernel view lacks it (docs/macos.md):
	// a 0 would claim a measurement.
	nan := math.NaN()
	p := summary.Peak{Inflight: nan, Queued: nan, AcceptQueue: nan, Connections: nan, Goroutines: nan,
		RSSBytes: nan, ClientInflight: nan, SynQueue: nan}
	var overflows, wasted growth
	maxRejected := 0.0
	up := func(dst *float64, v float64) {
		if !math.IsNaN(v) && (math.IsNaN(*dst) || v > *dst) {
			*dst = v
		}
	}
	for _, r := range rows {
		up(&p.Inflight, r.Inflight)
		up(&p.Queued, r.Queued)
		up(&p.AcceptQueue, r.AcceptQueue)
		up(&p.Connections, r.Connections)
		up(&p.Goroutines, r.Goroutines)
		up(&p.RSSBytes, r.RSSBytes)
		up(&p.ClientInflight, r.ClientInflight)
		up(&p.SynQueue, r.SynQueue)
		up(&maxRejected, r.Rejected)
		overflows.add(r.Overflows)
		wasted.add(r.WastedWork)
	}
	var overflowsBy, wastedS *float64
	if overflows.seen() {
		overflowsBy = new(overflows.by())
	}
	if wasted.seen() {
		wastedS = new(wasted.by())
	}
	return p, overflowsBy, maxRejected, wastedS
}

// growth is how much a sampled counter grew: its highest value less its
// lowest, NaN samples left out.
type growth struct {
	lo, hi float64
	n      int // samples that were not NaN
}

func (g *growth) add(v float64) {
	if math.IsNaN(v) {
		return
	}
	if g.n == 0 {
		g.lo, g.hi = v, v
	}
	g.lo, g.hi, g.n = math.Min(g.lo, v), math.Max(g.hi, v), g.n+1
}

func (g *growth) seen() bool { return g.n > 0 }

func (g *growth) by() float64 { return g.hi - g.lo }

// summarize writes every target's files and summary.json, with each
// target's prediction and, for a complete run, the verdict.
func (r *run) summarize(ctx context.Context) (*Result, error) {
	wall := time.Since(r.started)
	lostWorkers := r.lostWorkers()
	sum := r.summaryHead(ctx.Err() == nil && len(lostWorkers) == 0, wall)
	sum.Tolerance = &verdict.Tolerance
	switch {
	case ctx.Err() != nil:
		sum.Interrupted = "interrupted after " + wall.Round(time.Millisecond).String() + ": requests still in flight were ended and count as other"
	case len(lostWorkers) > 0:
		sum.Interrupted = strings.Join(lostWorkers, "; ") + ": see each target's lost"
	}
	var errs []error
	for _, t := range r.targets {
		errs = append(errs, t.finish(r))
		// The passages come first: they time the accepts that tell a
		// late dial return from a retransmitted SYN (outcome.SynRetried).
		var passagesNote string
		if t.predicted != nil && sum.Complete {
			passagesNote = t.completeFromPassages(ctx, r.started)
		}
		st := t.summarize(r.sched, r.started)
		if remote, ok := t.sharded.(*hub.Target); ok {
			var notes []string
			st.Lost, notes = remote.Lost()
			st.Notes = append(st.Notes, notes...)
		}
		if t.predicted != nil {
			st.Predicted = verdict.Predicted(r.sched, *t.predicted)
			if sum.Complete {
				if passagesNote != "" {
					st.Notes = append(st.Notes, passagesNote)
				}
				errs = append(errs, t.judge(r, &st, valueOr0(sum.Environment.SoftnetDropped)))
			}
		}
		if t.predictErr != nil {
			st.Notes = append(st.Notes, summary.NoPredictionNote+t.predictErr.Error())
		}
		sum.Targets = append(sum.Targets, st)
	}
	errs = append(errs, r.folder.WriteSummary(sum))
	return &Result{Dir: string(r.folder), Summary: sum}, errors.Join(errs...)
}

// lostWorkers says which remote workers were lost, and why; nil without a
// hub, or when none was.
func (r *run) lostWorkers() []string {
	if r.hub == nil {
		return nil
	}
	return r.hub.Lost()
}

// checkpoint writes what the run has gathered so far, marked incomplete,
// and returns the first error of its writes.
func (r *run) checkpoint() error {
	wall := time.Since(r.started)
	sum := r.summaryHead(false, wall)
	sum.Interrupted = fmt.Sprintf("checkpoint %.0f s into the run: loadgen had not finished when this was written", wall.Seconds())
	var first error
	for _, t := range r.targets {
		if err := r.folder.WriteTimeline(t.spec.Name, t.sampler.Rows()); err != nil && first == nil {
			first = err
		}
		sum.Targets = append(sum.Targets, t.summarize(r.sched, r.started))
	}
	if err := r.folder.WriteSummary(sum); err != nil && first == nil {
		first = err
	}
	return first
}

// summaryHead is the summary without its targets.
func (r *run) summaryHead(complete bool, wall time.Duration) *summary.Summary {
	env := ReadEnvironment()
	if r.calibrationUsed.Source != "" {
		env.KernelCalibration = &r.calibrationUsed
	}
	if now, err := sysinfo.ReadListenCounters(); err == nil && r.overflowsAtStart != nil {
		env.ListenOverflows = new(float64(now.Overflows - r.overflowsAtStart.Overflows))
	}
	if now, err := sysinfo.SoftnetDropped(); err == nil && r.softnetAtStart >= 0 {
		env.SoftnetDropped = new(float64(int64(now) - r.softnetAtStart))
	}
	if now, err := sysinfo.ReadCPUTimes(); err == nil && r.cpuAtStart != nil {
		env.Steal = new(now.StealShare(*r.cpuAtStart))
	}
	var seed *uint64
	if r.s.Random() {
		seed = &r.s.Seed
	}
	return &summary.Summary{
		Seed:  seed,
		RunID: r.id, Scenario: r.s.Name, Scale: r.opt.Scale, Complete: complete,
		Started: r.started.UTC().Format(time.RFC3339), WallS: wall.Seconds(),
		Environment: env, Skipped: skipped(r.opt.Skipped),
	}
}

func skipped(skips []scenario.Skip) []summary.Skipped {
	var out []summary.Skipped
	for _, k := range skips {
		out = append(out, summary.Skipped{Target: k.Target, Reason: k.Reason})
	}
	return out
}

func sortedCopy(xs []float64) []float64 {
	c := slices.Clone(xs)
	slices.Sort(c)
	return c
}

// valueOr0 is *v, or 0 where it was not read.
func valueOr0(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
