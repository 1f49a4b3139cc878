package runner

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

// samplerConns is what a labserver holds during a run besides the
// descriptors it had at start and the app connections: the sampler's
// kept-alive admin connection. Another scraper (Prometheus) adds one more.
const samplerConns = 1

// labserverOwnFDs is what every labserver opens before any connection:
// stdio (3), epoll and its eventfd, and both listeners.
const labserverOwnFDs = 7

// defaultFDsAtStart stands in for fds_at_start where it cannot be known (a
// /config without it, or no /proc): a labserver's own descriptors and the
// two cgroup files the Go runtime keeps open on cgroup v1.
const defaultFDsAtStart = labserverOwnFDs + 2

// Tolerance is how close measured and predicted must be to agree: within
// 5 % of the larger value or 2 requests, whichever is more. The absolute
// part absorbs the 1 Hz sampling of gauges and the kernel admitting a
// connection or two past the backlog when handshakes race.
var Tolerance = summary.Tolerance{
	Relative: 0.05, Absolute: 2,
	Note: "measured and predicted agree when every compared figure (peak running, waiting in app, waiting in kernel, SYN-retried, ok, rejected, timed out) is within 5% of the larger value or 2 requests; peaks are samples (1 Hz, faster for handlers under 8 s), predictions are exact maxima",
}

// LimitsFromConfig reads a server's limits from its /config.
func LimitsFromConfig(cfg map[string]any) (predict.Limits, error) {
	name, _ := cfg["model"].(string)
	if name == "" {
		return predict.Limits{}, fmt.Errorf("/config has no model")
	}
	model, ok := catalog.Lookup(name)
	if !ok {
		return predict.Limits{}, fmt.Errorf("/config: unknown model %q", name)
	}
	num := func(k string) float64 {
		v, _ := cfg[k].(float64)
		return v
	}
	l := predict.Limits{
		Discipline: model.Discipline, Limit: int(num("limit")), Queue: catalog.Unbounded,
		QueueTimeout: seconds(num("queue_timeout_s")), Backlog: int(num("backlog")),
		Core: int(num("core")), Max: int(num("max")), PoolKeepAlive: seconds(num("pool_keepalive_s")),
	}
	if q, ok := cfg["queue"].(float64); ok {
		l.Queue = int(q)
	}
	if p, ok := cfg["policy"].(string); ok {
		l.Policy = p
	}
	fdsAtStart := defaultFDsAtStart
	if n := int(num("fds_at_start")); n > 0 {
		fdsAtStart = n
	}
	if n, reserve := int(num("nofile")), fdsAtStart+samplerConns; n > reserve {
		l.FDLimit = n - reserve
	}
	return l, nil
}

// LimitsFromScenario works out what a labserver started for t would report,
// without starting it: the model defaults, the backlog capped by
// somaxconn, and the fd limit less what the server would hold at start.
func LimitsFromScenario(s *scenario.Scenario, t scenario.Target, somaxconn int, nofile uint64) predict.Limits {
	model, _ := catalog.Lookup(t.Model)
	l := predict.Limits{Discipline: model.Discipline, Limit: t.Limit, Queue: catalog.Unbounded,
		QueueTimeout: time.Duration(t.QueueTimeout), Core: t.Core, Max: t.Max,
		PoolKeepAlive: time.Duration(t.PoolKeepAlive), Policy: t.Policy}
	if t.Queue != nil {
		l.Queue = *t.Queue
	}
	if l.Limit == 0 {
		l.Limit = model.DefaultLimit
	}
	if model.Uses(catalog.PoolKeepAlive) && l.PoolKeepAlive == 0 {
		l.PoolKeepAlive = catalog.DefaultPoolKeepAlive
	}
	backlog := t.Backlog
	if backlog == 0 {
		backlog = s.Server.Backlog
	}
	if backlog == 0 || backlog > somaxconn {
		backlog = somaxconn
	}
	l.Backlog = backlog
	if reserve := childFDsAtStart() + samplerConns; nofile > uint64(reserve) {
		l.FDLimit = int(nofile) - reserve
	}
	return l
}

// Predict simulates one target of the scenario.
func Predict(s *scenario.Scenario, limits predict.Limits, k predict.Kernel) (predict.Result, error) {
	arrivals := make([]time.Duration, s.Requests)
	for i := range arrivals {
		arrivals[i] = time.Duration(i) * s.Interval()
	}
	return predict.Simulate(predict.Input{
		Arrivals: arrivals, Service: time.Duration(s.Sleep) + time.Duration(s.CPU),
		Limits: limits, Kernel: k,
		ClientTimeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout),
	})
}

// Predicted condenses a simulation for summary.json.
func Predicted(r predict.Result) *summary.Predicted {
	return &summary.Predicted{
		Inflight: r.Peak.Inflight, Queued: r.Peak.Queued, AcceptQueue: r.Peak.AcceptQueue,
		OK: r.Outcomes[outcome.OK], SynRetried: r.SynRetried, Outcomes: maps.Clone(r.Outcomes),
	}
}

// compare checks a target's measurement against its prediction and says
// where they differ, and by how much.
func compare(t *summary.Target, tol summary.Tolerance) (bool, []string) {
	p := t.Predicted
	type figure struct {
		name               string
		measured, expected float64
	}
	figs := []figure{
		{"ok", float64(t.Outcomes[outcome.OK]), float64(p.OK)},
		{"rejected", float64(outcome.Sum(t.Outcomes, outcome.Rejected...)), float64(outcome.Sum(p.Outcomes, outcome.Rejected...))},
		{"timed out", float64(t.Outcomes[outcome.Timeout]), float64(p.Outcomes[outcome.Timeout])},
		{"SYN-retried", float64(t.SynRetried), float64(p.SynRetried)},
	}
	if t.Config != nil && len(t.Config) > 0 { // server-side gauges exist
		figs = append(figs,
			figure{"peak running", t.Peak.Inflight, float64(p.Inflight)},
			figure{"peak waiting in app", t.Peak.Queued, float64(p.Queued)},
			figure{"peak waiting in kernel", t.Peak.AcceptQueue, float64(p.AcceptQueue)})
	}
	var diffs []string
	for _, f := range figs {
		allowed := math.Max(tol.Absolute, tol.Relative*math.Max(f.measured, f.expected))
		if d := f.measured - f.expected; math.Abs(d) > allowed {
			diffs = append(diffs, fmt.Sprintf("%s: measured %.0f, predicted %.0f (%+.0f, allowed ±%.0f)",
				f.name, f.measured, f.expected, d, allowed))
		}
	}
	return len(diffs) == 0, diffs
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// SeriesHeader is the first line of <target>.predicted.csv.
var SeriesHeader = []string{"t_s", "inflight", "queued", "accept_queue", "connections", "client_inflight", "syn_pending"}

// WriteSeries writes the predicted time series.
func WriteSeries(w io.Writer, pts []predict.Point) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SeriesHeader); err != nil {
		return err
	}
	for _, p := range pts {
		rec := []string{strconv.FormatFloat(p.T.Seconds(), 'f', 3, 64),
			strconv.Itoa(p.Inflight), strconv.Itoa(p.Queued), strconv.Itoa(p.AcceptQueue),
			strconv.Itoa(p.Connections), strconv.Itoa(p.ClientInflight), strconv.Itoa(p.SynPending)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadSeries reads a <target>.predicted.csv.
func ReadSeries(r io.Reader) ([]predict.Point, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) != len(SeriesHeader) {
		return nil, fmt.Errorf("predicted series: want header %v", SeriesHeader)
	}
	pts := make([]predict.Point, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		var v [7]float64
		for j, c := range rec {
			if v[j], err = strconv.ParseFloat(c, 64); err != nil {
				return nil, fmt.Errorf("predicted series line %d: %v", i+2, err)
			}
		}
		pts = append(pts, predict.Point{T: seconds(v[0]), Inflight: int(v[1]), Queued: int(v[2]), AcceptQueue: int(v[3]),
			Connections: int(v[4]), ClientInflight: int(v[5]), SynPending: int(v[6])})
	}
	return pts, nil
}

// explain adds the causes known to this lab for a disagreement, so the
// report says why as well as where.
func explain(t *summary.Target, diffs []string) []string {
	if len(diffs) == 0 {
		return nil
	}
	var notes []string
	endings := false
	for _, d := range diffs {
		endings = endings || strings.HasPrefix(d, "ok:") || strings.HasPrefix(d, "timed out:")
	}
	if endings && t.SynRetried > 0 && t.Predicted != nil && t.SynRetried == t.Predicted.SynRetried {
		notes = append(notes, "why: the SYN-retried count matches, but the kernel sends its retransmissions a little "+
			"later than their nominal times (long TCP timers land on the coarse slots of its timer wheel; see the "+
			"connect-time chart). A retransmission due just before the accept queue drains then finds room, and "+
			"its request finishes where the simulation, on the nominal schedule, times it out")
	}
	return notes
}
