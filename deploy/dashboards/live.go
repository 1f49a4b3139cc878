package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Label selectors of the live dashboard: the servers are job labserver, the
// load driver job loadgen (deploy/prometheus.yml); both label every series
// with the scenario's target name.
const (
	srvSel = `job="labserver",target=~"$target"`
	cliSel = `job="loadgen",target=~"$target"`
)

// withRun joins a live expression to the run that loadgen is driving:
// conclab_run_info{run_id,scenario,scale} exists only while loadgen serves
// its metrics, so the result holds exactly the samples taken during the
// selected run(s), each with a run_id label. topk(1, …) keeps the join
// one-to-one even if two loadgens were ever scraped at once.
func withRun(expr string) string {
	return "(" + expr + `) * on() group_left(run_id) topk(1, conclab_run_info{job="loadgen",run_id=~"$run_id"})`
}

func quantile(phi, metric, sel, by string) string {
	return "histogram_quantile(" + phi + ", sum by (" + by + ", le) (rate(" + metric + "_bucket{" + sel + "}[$window])))"
}

// Live is the live-run dashboard: per target, where every request is now
// (handler, app queue, kernel accept queue, SYN retransmission), what the
// client sees, and the server's resources.
func Live() (dashboard.Dashboard, error) {
	var p panelIDs
	all, allValue := "All", "$__all"
	allOption := dashboard.VariableOption{
		Text:  dashboard.StringOrArrayOfString{String: &all},
		Value: dashboard.StringOrArrayOfString{String: &allValue},
	}
	window, windowDefault := "10s,30s,1m,5m", "30s"

	b := dashboard.NewDashboardBuilder("conclab: live run").
		Uid("conclab-live").
		Description("Where each request of a conclab run is now, per target: running in the handler, waiting in the app, waiting in the kernel accept queue, or not connected yet because the kernel dropped its SYN. Live series of the labservers and of loadgen, joined to loadgen's conclab_run_info so that every series carries run_id.").
		Tags([]string{"conclab", "generated"}).
		Refresh("5s").
		Time("now-15m", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(datasourceVariable()).
		WithVariable(queryVariable("run_id", "Run", `label_values(conclab_run_info{job="loadgen"}, run_id)`).
			Description("The run loadgen is driving (or drove, within the time range). All: whichever run is live.").
			Sort(dashboard.VariableSortAlphabeticalDesc).
			IncludeAll(true).
			AllValue(".*").
			Current(allOption)).
		WithVariable(queryVariable("target", "Target", `label_values(conclab_server_info{job="labserver"}, target)`).
			Description("Targets: the compose services, named as in the scenario.").
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).
			IncludeAll(true).
			AllValue(".+").
			Current(allOption)).
		WithVariable(dashboard.NewCustomVariableBuilder("window").
			Label("Quantile window").
			Description("The rate() window of the quantile panels.").
			Values(dashboard.StringOrMap{String: &window}).
			Current(dashboard.VariableOption{
				Text:  dashboard.StringOrArrayOfString{String: &windowDefault},
				Value: dashboard.StringOrArrayOfString{String: &windowDefault},
			}))

	b = b.WithPanel(p.table("Run",
		"The run being driven: loadgen's conclab_run_info (run_id, scenario, scale). Empty between runs: start one with make bench-docker.",
		24, 4,
		q{`conclab_run_info{job="loadgen",run_id=~"$run_id"}`, ""}))

	b = b.WithRow(p.row("Where each request is now"))
	b = b.WithPanel(p.timeSeries("Running in the handler",
		"Requests doing handler work now (conclab_requests_inflight). Flat at the model's limit when it has one (semaphore and limitlistener --limit, the pool's workers, fasthttp's Concurrency); for nethttp, gin and echo it grows with every request sent.",
		"short", 8,
		q{withRun(`conclab_requests_inflight{` + srvSel + `}`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Waiting in the app queue",
		"Requests the server accepted and holds, waiting for a slot (conclab_requests_queued): semaphore and pool. Above the queue's cap they are rejected (503).",
		"short", 8,
		q{withRun(`conclab_requests_queued{` + srvSel + `}`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Waiting in the kernel accept queue",
		"Connections whose handshake is done and that wait for accept(2) (TCP_INFO of the listener, conclab_accept_queue_length), and the backlog in force (conclab_accept_queue_limit). The queue holds backlog + 1; when it is full the kernel drops new SYNs. limitlistener fills it, the others accept at once.",
		"short", 8,
		q{withRun(`conclab_accept_queue_length{` + srvSel + `}`), "{{target}}"},
		q{withRun(`conclab_accept_queue_limit{` + srvSel + `}`), "{{target}} backlog"}))
	b = b.WithPanel(p.timeSeries("Waiting in the kernel SYN queue",
		"Handshakes the listener holds (conclab_syn_queue_length: its port's request sockets, SYN_RECV, read with sock_diag at most once a second; Linux only). A connection waits here when its ACK found the accept queue full: its client thinks it is connected and has sent its request; the server retries when it resends its SYN-ACK or the client resends. The kernel keeps at most the backlog of them and answers further SYNs with cookies, which it does not keep.",
		"short", 8,
		q{withRun(`conclab_syn_queue_length{` + srvSel + `}`), "{{target}}"}))

	b = b.WithPanel(p.timeSeries("Not connected yet (SYN dropped, retransmitting)",
		"Requests the client has sent that the server has neither accepted nor queued in the kernel: client in flight - open connections - accept queue, at least 0. These are the connects whose SYN the kernel dropped because the accept queue was full; the client retransmits after 1 s, 2 s, … (tcp_syn_retries, tcp_syn_linear_timeouts). The handshakes of the SYN queue count here too. An estimate from three gauges sampled at slightly different times.",
		"short", 8,
		q{withRun(`clamp_min(conclab_client_requests_inflight{` + cliSel + `} - on(target) conclab_connections_open{` + srvSel + `} - on(target) conclab_accept_queue_length{` + srvSel + `}, 0)`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Client: in flight",
		"Requests loadgen has sent and not yet seen end (conclab_client_requests_inflight): running + waiting in the app + in the accept queue + not connected yet.",
		"short", 8,
		q{withRun(`conclab_client_requests_inflight{` + cliSel + `}`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Connects that took >= 0.9 s (SYN retransmitted)",
		"Requests whose TCP connect finished after at least one SYN retransmission: conclab_client_connect_seconds_count minus its 0.9 s bucket. summary.json calls this syn_retried.",
		"short", 8,
		q{withRun(`conclab_client_connect_seconds_count{` + cliSel + `} - on(target) conclab_client_connect_seconds_bucket{` + cliSel + `,le="0.9"}`), "{{target}}"}))

	b = b.WithRow(p.row("What the client sees"))
	b = b.WithPanel(p.timeSeries("Outcomes so far",
		"Ended requests by outcome (conclab_client_requests_total): ok, http_503, http_429, http_other, timeout, refused, reset, other. Only outcomes that happened are drawn.",
		"short", 8,
		q{withRun(`sum by (target, outcome) (conclab_client_requests_total{` + cliSel + `}) > 0`), "{{target}} {{outcome}}"}))
	b = b.WithPanel(p.timeSeries("Goodput: ok answers per second",
		"Requests that ended ok per second, over the quantile window (rate of conclab_client_requests_total{outcome=\"ok\"}). Under overload this is what the server still delivers; summary.json's goodput_per_s is the whole run's.",
		"reqps", 8,
		q{withRun(`sum by (target) (rate(conclab_client_requests_total{` + cliSel + `,outcome="ok"}[$window]))`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Latency quantiles (requests that ended in the window)",
		"Client latency p50 and p99 over the quantile window, failures included (conclab_client_latency_seconds). A waiting request shows up only when it ends.",
		"s", 8,
		q{withRun(quantile("0.5", "conclab_client_latency_seconds", cliSel, "target")), "{{target}} p50"},
		q{withRun(quantile("0.99", "conclab_client_latency_seconds", cliSel, "target")), "{{target}} p99"}))
	b = b.WithPanel(p.timeSeries("Connect time quantiles",
		"TCP connect time p50 and p99 over the quantile window (conclab_client_connect_seconds). 1 s and more means dropped SYNs.",
		"s", 8,
		q{withRun(quantile("0.5", "conclab_client_connect_seconds", cliSel, "target")), "{{target}} p50"},
		q{withRun(quantile("0.99", "conclab_client_connect_seconds", cliSel, "target")), "{{target}} p99"}))

	b = b.WithRow(p.row("Server"))
	b = b.WithPanel(p.timeSeries("Open connections",
		"Accepted connections not yet closed (conclab_connections_open).",
		"short", 6,
		q{withRun(`conclab_connections_open{` + srvSel + `}`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Goroutines",
		"go_goroutines of each server: about two per open connection for net/http.",
		"short", 6,
		q{withRun(`go_goroutines{` + srvSel + `}`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Listen overflows and drops",
		"TcpExt ListenOverflows and ListenDrops since the server started (conclab_listen_overflows_total, conclab_listen_drops_total): SYNs dropped because an accept queue was full. The kernel counts per network namespace; in compose each server has its own, so this is the server's own count.",
		"short", 6,
		q{withRun(`conclab_listen_overflows_total{` + srvSel + `}`), "{{target}} overflows"},
		q{withRun(`conclab_listen_drops_total{` + srvSel + `}`), "{{target}} drops"}))
	b = b.WithPanel(p.timeSeries("Resident memory",
		"process_resident_memory_bytes of each server.",
		"bytes", 6,
		q{withRun(`process_resident_memory_bytes{` + srvSel + `}`), "{{target}}"}))

	b = b.WithPanel(p.timeSeries("Rejected by the server",
		"Requests the model refused, by reason (conclab_requests_rejected_total): queue_full, queue_timeout, concurrency_limit, policy, rate_limited, deadline. Only reasons that happened are drawn.",
		"short", 8,
		q{withRun(`sum by (target, reason) (conclab_requests_rejected_total{` + srvSel + `}) > 0`), "{{target}} {{reason}}"}))
	b = b.WithPanel(p.timeSeries("Wasted work",
		"Handler seconds per second spent on requests whose client had already left (rate of conclab_wasted_work_seconds_total over the quantile window): slots busy for nobody. net/http models stop the work when the client leaves; fasthttp cannot see it and finishes the work.",
		"s", 8,
		q{withRun(`rate(conclab_wasted_work_seconds_total{` + srvSel + `}[$window])`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Concurrency limit",
		"The adaptive model's current concurrency limit (conclab_concurrency_limit), which learns from each request's round trip (AIMD or Gradient2). Only adaptive targets have it.",
		"short", 8,
		q{withRun(`conclab_concurrency_limit{` + srvSel + `}`), "{{target}}"}))
	b = b.WithPanel(p.timeSeries("Finished requests by HTTP code",
		"Requests the server finished, by code (conclab_requests_total); 499 means the client left first.",
		"short", 8,
		q{withRun(`sum by (target, code) (conclab_requests_total{` + srvSel + `})`), "{{target}} {{code}}"}))
	b = b.WithPanel(p.timeSeries("Time in the app queue",
		"p50 and p99 of the time requests spent in the app queue before their work started (conclab_queue_wait_seconds), over the quantile window: semaphore and pool.",
		"s", 8,
		q{withRun(quantile("0.5", "conclab_queue_wait_seconds", srvSel, "target")), "{{target}} p50"},
		q{withRun(quantile("0.99", "conclab_queue_wait_seconds", srvSel, "target")), "{{target}} p99"}))

	b = b.WithRow(p.row("Configuration"))
	b = b.WithPanel(p.table("Server configuration",
		"conclab_server_info of each target: the model and its limits as the server reports them.",
		24, 8,
		q{withRun(`conclab_server_info{` + srvSel + `}`), ""}))

	return b.Build()
}
