package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Selectors of the two sides of the comparison dashboard. Every
// conclab_run_* series (deploy/backfill) carries run_id and target.
const (
	selA = `run_id="$run_a",target="$target_a"`
	selB = `run_id="$run_b",target="$target_b"`
)

// ab is a pair of queries, side A and side B, of one expression pattern:
// f gets the selector of each side.
func ab(f func(sel string) string, legend string) []q {
	return []q{
		{f(selA), "A " + legend},
		{f(selB), "B " + legend},
	}
}

// peak is the highest sample of a run series within the dashboard range.
func peak(metric string) func(string) string {
	return func(sel string) string { return "max_over_time(" + metric + "{" + sel + "}[$__range])" }
}

// growth is how much a counter-like run series grew within the range.
func growth(metric string) func(string) string {
	return func(sel string) string {
		return "max_over_time(" + metric + "{" + sel + "}[$__range]) - min_over_time(" + metric + "{" + sel + "}[$__range])"
	}
}

func series(metric string) func(string) string {
	return func(sel string) string { return metric + "{" + sel + "}" }
}

// Compare is the comparison dashboard: two runs, or two targets of one run,
// side by side (A and B), from the conclab_run_* series that make backfill
// loads from run folders.
func Compare() (dashboard.Dashboard, error) {
	var p panelIDs
	runs := `label_values(conclab_run_target_info, run_id)`
	const who = "{{run_id}} {{target}}"

	b := dashboard.NewDashboardBuilder("conclab: compare runs").
		Uid("conclab-compare").
		Description("Two runs, or two targets of one run, side by side: A and B. The series are conclab_run_*, loaded from run folders by make backfill (deploy/backfill); each carries run_id and target. Runs backfilled together start at the same instant, so they overlay on one time axis; set the time range to cover them.").
		Tags([]string{"conclab", "generated"}).
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(datasourceVariable()).
		WithVariable(queryVariable("run_a", "Run A", runs).
			Description("A run loaded with make backfill (run_id).").
			Sort(dashboard.VariableSortAlphabeticalDesc)).
		WithVariable(queryVariable("target_a", "Target A", `label_values(conclab_run_target_info{run_id="$run_a"}, target)`).
			Sort(dashboard.VariableSortAlphabeticalAsc)).
		WithVariable(queryVariable("run_b", "Run B", runs).
			Description("The run to compare with; the same as A to compare two targets of one run.").
			Sort(dashboard.VariableSortAlphabeticalDesc)).
		WithVariable(queryVariable("target_b", "Target B", `label_values(conclab_run_target_info{run_id="$run_b"}, target)`).
			Sort(dashboard.VariableSortAlphabeticalAsc))

	b = b.WithPanel(p.table("Runs",
		"Each side's run and target: model, scenario, scale, its real start time (started) and whether it completed.",
		24, 5,
		ab(peak("conclab_run_target_info"), "")...))

	b = b.WithRow(p.row("A and B in numbers"))
	b = b.WithPanel(p.stat("Peak running",
		"Highest 1 Hz sample of requests in the handler (server conclab_requests_inflight).",
		"short", 6, ab(peak("conclab_run_inflight"), who)...))
	b = b.WithPanel(p.stat("Peak waiting in the app",
		"Highest sample of requests waiting for a slot inside the server (conclab_requests_queued).",
		"short", 6, ab(peak("conclab_run_queued"), who)...))
	b = b.WithPanel(p.stat("Peak kernel accept queue",
		"Highest sample of the kernel accept queue of the listener (TCP_INFO); at most backlog + 1.",
		"short", 6, ab(peak("conclab_run_accept_queue"), who)...))
	b = b.WithPanel(p.stat("SYN-retried requests",
		"Requests whose TCP connect took >= 0.9 s because the kernel dropped a SYN (summary.json syn_retried).",
		"short", 6, ab(peak("conclab_run_syn_retried"), who)...))

	b = b.WithPanel(p.stat("Peak open connections",
		"Highest sample of accepted connections not yet closed.",
		"short", 6, ab(peak("conclab_run_connections"), who)...))
	b = b.WithPanel(p.stat("Peak goroutines",
		"Highest sample of the server's goroutines.",
		"short", 6, ab(peak("conclab_run_goroutines"), who)...))
	b = b.WithPanel(p.stat("Peak resident memory",
		"Highest sample of the server's resident memory.",
		"bytes", 6, ab(peak("conclab_run_rss_bytes"), who)...))
	b = b.WithPanel(p.stat("Listen overflows during the run",
		"Growth of TcpExt ListenOverflows of the server's network namespace during the run: SYNs dropped for a full accept queue.",
		"short", 6, ab(growth("conclab_run_listen_overflows"), who)...))

	b = b.WithPanel(p.barGauge("Outcomes",
		"Requests by final outcome: ok, http_503, http_429, http_other, timeout, refused, reset, other.",
		"short", 8, 10, ab(peak("conclab_run_outcomes"), "{{outcome}} "+who)...))
	b = b.WithPanel(p.barGauge("Latency quantiles",
		"Client latency of the whole run, failures included: p50, p90, p99 and max (quantile 1).",
		"s", 8, 10, ab(peak("conclab_run_latency_seconds"), "q{{quantile}} "+who)...))
	b = b.WithPanel(p.barGauge("Goodput and ok latency",
		"Ok answers per second of the schedule (goodput), and the latency quantiles of the ok requests alone.",
		"short", 8, 10, append(ab(peak("conclab_run_goodput"), "goodput "+who),
			ab(peak("conclab_run_ok_latency_seconds"), "ok q{{quantile}} "+who)...)...))
	b = b.WithPanel(p.barGauge("Measured and predicted",
		"loadgen's prediction (a simulation of the same queueing network) for each side: peak running (inflight), waiting in the app (queued), waiting in the kernel (accept_queue), ok, SYN-retried, goodput and wasted work in seconds. Compare with the peaks above; agrees = 1 when the run found them within tolerance.",
		"short", 8, 10, append(ab(peak("conclab_run_predicted"), "predicted {{what}} "+who),
			ab(peak("conclab_run_agrees"), "agrees "+who)...)...))

	b = b.WithRow(p.row("A and B over time"))
	b = b.WithPanel(p.timeSeries("Running in the handler",
		"Requests doing handler work, 1 Hz samples of the run.", "short", 8,
		ab(series("conclab_run_inflight"), who)...))
	b = b.WithPanel(p.timeSeries("Waiting in the app queue",
		"Requests waiting in the server for a slot.", "short", 8,
		ab(series("conclab_run_queued"), who)...))
	b = b.WithPanel(p.timeSeries("Kernel accept queue and backlog",
		"The accept queue of the listener and the backlog in force (the queue holds one more).", "short", 8,
		append(ab(series("conclab_run_accept_queue"), who),
			ab(series("conclab_run_accept_limit"), "backlog "+who)...)...))

	b = b.WithPanel(p.timeSeries("Client: in flight",
		"Requests sent and not yet ended, seen by the client.", "short", 8,
		ab(series("conclab_run_client_inflight"), who)...))
	b = b.WithPanel(p.timeSeries("Client: sent, ok and failed",
		"Cumulative requests sent, ended ok, and ended any other way.", "short", 8,
		append(append(ab(series("conclab_run_client_sent"), "sent "+who),
			ab(series("conclab_run_client_ok"), "ok "+who)...),
			ab(series("conclab_run_client_errors"), "failed "+who)...)...))
	b = b.WithPanel(p.timeSeries("Rejected by the server",
		"Requests the server refused so far, every reason.", "short", 8,
		ab(series("conclab_run_rejected"), who)...))

	b = b.WithPanel(p.timeSeries("Wasted work",
		"Handler seconds spent so far on requests whose client had left.", "s", 8,
		ab(series("conclab_run_wasted_work_seconds"), who)...))
	b = b.WithPanel(p.timeSeries("Open connections",
		"Accepted connections not yet closed.", "short", 8,
		ab(series("conclab_run_connections"), who)...))
	b = b.WithPanel(p.timeSeries("Goroutines",
		"The server's goroutines.", "short", 8,
		ab(series("conclab_run_goroutines"), who)...))
	b = b.WithPanel(p.timeSeries("Listen overflows",
		"TcpExt ListenOverflows of the server's network namespace since the server started.", "short", 8,
		ab(series("conclab_run_listen_overflows"), who)...))

	return b.Build()
}
