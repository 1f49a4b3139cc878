// Package promtest checks deploy/prometheus.yml and every PromQL expression
// of the generated dashboards against a real Prometheus (Debian's
// prometheus package, installed by deploy/ci-install.sh): it starts the
// seed matrix's labservers on 127.0.0.1 with the flags of docker-compose.yml,
// records one run and backfills it (the comparison dashboard's data),
// drives a second run live with loadgen --metrics (the live dashboard's
// data), scrapes them with the jobs and labels of deploy/prometheus.yml, and
// evaluates every dashboard query through the HTTP API.
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/internal/testbin"
)

// tools finds promtool and prometheus; a missing one fails the test
// unless SKIP_INTEGRATION is set.
func tools(t *testing.T) (promtool, prometheus string) {
	var missing []string
	p1, err1 := exec.LookPath("promtool")
	if err1 != nil {
		missing = append(missing, "promtool")
	}
	p2, err2 := exec.LookPath("prometheus")
	if err2 != nil {
		missing = append(missing, "prometheus")
	}
	if len(missing) > 0 {
		testbin.Missing(t, strings.Join(missing, " and ")+" not installed (Debian package prometheus)")
	}
	return p1, p2
}

// proc is a process the test started; stop ends it by its PID.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(name), cmd: exec.Command(name, args...), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	return p
}

// stop sends SIGTERM and, after 10 s, SIGKILL, to this process only.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func waitHTTP(t *testing.T, url string, p *proc, within time.Duration) {
	t.Helper()
	if err := readyHTTP(url, p, within); err != nil {
		t.Fatal(err)
	}
}

// readyHTTP waits until url answers 200, and fails when p exits first or
// the time is up.
func readyHTTP(url string, p *proc, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.exited() {
			return fmt.Errorf("%s exited: %s", p.name, p.out.String())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready at %s within %s: %v\n%s", p.name, url, within, err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lab is one labserver started from a compose service.
type lab struct {
	target      string
	url, admin  string
	adminListen string
}

// writeScenario writes a scenario of external targets: every lab server.
func writeScenario(t *testing.T, dir, name string, requests int, rate float64, sleep, timeout string, labs []lab) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nrequests: %d\nrate: %v\nsleep: %s\ntimeout: %s\ntargets:\n", name, requests, rate, sleep, timeout)
	for _, l := range labs {
		fmt.Fprintf(&b, "  - {name: %s, url: %q, admin: %q}\n", l.target, l.url, l.admin)
	}
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDashboardQueriesAgainstPrometheus(t *testing.T) {
	promtool, prometheus := tools(t)
	root := deploytest.Root(t)
	begin := time.Now()
	tmp := t.TempDir()

	// The shipped configuration is valid.
	run(t, promtool, "check", "config", filepath.Join(root, "deploy", "prometheus.yml"))

	bin := filepath.Join(tmp, "bin")
	deploytest.Build(t, bin, "./servers/cmd/labserver", "./loadgen/cmd/loadgen", "./deploy/cmd/backfill")
	t.Logf("built (%.1fs)", time.Since(begin).Seconds())

	services, _ := deploytest.Compose(t)
	promCfg := deploytest.PrometheusConfig(t)
	labs := startLabs(t, bin, services)
	var targetNames []string
	for _, l := range labs {
		targetNames = append(targetNames, l.target)
	}

	results := filepath.Join(tmp, "results")
	runA := "promtest-a"
	storage := recordRunA(t, promtool, bin, tmp, results, runA, labs)
	t.Logf("run A recorded and backfilled (%.1fs)", time.Since(begin).Seconds())

	prom, api, loadgenAddr := startPrometheus(t, promtool, prometheus, tmp, storage, promCfg)
	t.Logf("prometheus ready (%.1fs)", time.Since(begin).Seconds())

	// Run B, live, with loadgen's metrics: enough load to fill queues,
	// reject at the pool and fasthttp limits, and end some requests.
	runB := "promtest-b"
	scB := writeScenario(t, tmp, "promtest-b", 240, 80, "2s", "15s", labs)
	lg := start(t, filepath.Join(bin, "loadgen"), "run", scB, "--out", results, "--run-id", runB,
		"--metrics", loadgenAddr, "--no-report")
	runStart := time.Now()

	queries := queriesWithVars(t, filepath.Join(root, "deploy", "grafana", "dashboards"), runA, runB, targetNames)
	// The compose stack has no adaptive target, so the concurrency
	// limit's panel has nothing to show; its query is still evaluated
	// over a range below.
	withData := slices.DeleteFunc(slices.Clone(queries), func(q query) bool {
		return strings.Contains(q.promql, "conclab_concurrency_limit")
	})
	failing := waitForData(api, withData, lg, runStart.Add(25*time.Second))
	if lg.exited() && len(failing) > 0 {
		out := lg.out.String()
		if len(out) > 3000 {
			out = "…" + out[len(out)-3000:]
		}
		t.Errorf("loadgen run B ended before every query returned data:\n%s", out)
	}
	for _, q := range failing {
		t.Errorf("%s: %s\n  %s\n  %v", q.dashboard, q.where, q.promql, q.err)
	}
	// And over a range, as the time series panels ask: no error (a
	// many-to-many join, say) at any step.
	end := time.Now()
	for _, q := range queries {
		if err := rangeQuery(api, q.promql, end.Add(-20*time.Second), end); err != nil {
			t.Errorf("%s: %s: range query: %v\n  %s", q.dashboard, q.where, err, q.promql)
		}
	}
	t.Logf("%d queries evaluated, %d did not return data (%.1fs in all, %.1fs into run B)",
		len(queries), len(failing), time.Since(begin).Seconds(), time.Since(runStart).Seconds())
	if t.Failed() {
		t.Logf("prometheus log:\n%s", prom.out.String())
	}
}

// startLabs starts the seed matrix: every labserver service of
// docker-compose.yml, with its flags, on loopback ports instead of :8080
// and :9080, so that the queries see the series the compose stack would
// give them. It returns when every admin endpoint is healthy.
func startLabs(t *testing.T, bin string, services map[string]deploytest.Service) []lab {
	t.Helper()
	var labs []lab
	for _, name := range slices.Sorted(maps.Keys(services)) {
		svc := services[name]
		if _, server := svc.Flag("model"); !svc.Labserver() || !server {
			continue // config runs labserver --help
		}
		// The service's flags but its addresses (--listen=:8080 and
		// --admin=:9080, as loadgen compose writes them).
		args := slices.DeleteFunc(slices.Clone(svc.Command[1:]), func(a string) bool {
			return strings.HasPrefix(a, "--listen=") || strings.HasPrefix(a, "--admin=")
		})
		labs = append(labs, startLab(t, bin, svc.Name, args))
	}
	if len(labs) == 0 {
		t.Fatal("docker-compose.yml has no labserver service")
	}
	return labs
}

// startLab starts one labserver with args on two free loopback ports. A
// port that FreePort found free can be taken before labserver binds it
// (another test's connection gets it as its local port): labserver then
// exits with "address already in use", and it starts again on new ports,
// up to three times.
func startLab(t *testing.T, bin, target string, args []string) lab {
	t.Helper()
	for attempt := 1; ; attempt++ {
		l := lab{target: target}
		listen := fmt.Sprintf("127.0.0.1:%d", deploytest.FreePort(t))
		l.adminListen = fmt.Sprintf("127.0.0.1:%d", deploytest.FreePort(t))
		p := start(t, filepath.Join(bin, "labserver"), append(slices.Clone(args),
			"--listen="+listen, "--admin="+l.adminListen, "--shutdown-timeout=1s")...)
		l.url, l.admin = "http://"+listen+"/", "http://"+l.adminListen
		err := readyHTTP(l.admin+"/healthz", p, 10*time.Second)
		if err == nil {
			return l
		}
		if attempt == 3 || !p.exited() || !strings.Contains(p.out.String(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("%s: %v; starting it on other ports", target, err)
	}
}

// recordRunA records run A to a run folder under results and backfills it,
// the way make backfill does it, into a new TSDB: the comparison
// dashboard's data, there before Prometheus starts. It returns the TSDB's
// directory.
func recordRunA(t *testing.T, promtool, bin, tmp, results, runA string, labs []lab) (storage string) {
	t.Helper()
	scA := writeScenario(t, tmp, runA, 20, 20, "500ms", "5s", labs)
	run(t, filepath.Join(bin, "loadgen"), "run", scA, "--out", results, "--run-id", runA, "--no-report")
	om := filepath.Join(tmp, "runs.om")
	run(t, filepath.Join(bin, "backfill"), "-o", om, filepath.Join(results, runA))
	storage = filepath.Join(tmp, "tsdb")
	run(t, promtool, "tsdb", "create-blocks-from", "openmetrics", om, storage)
	return storage
}

// startPrometheus starts Prometheus on storage with deploy/prometheus.yml's
// jobs and labels, its service discovery and loadgen's target moved to a
// free port for loadgen's metrics, and its own to another, so that the
// dashboards' label matchers are tested as shipped. It returns when
// Prometheus is ready, with its API's base URL and the address loadgen
// must serve its metrics on.
func startPrometheus(t *testing.T, promtool, prometheus, tmp, storage string, promCfg map[string]any) (prom *proc, api, loadgenAddr string) {
	t.Helper()
	loadgenAddr = fmt.Sprintf("127.0.0.1:%d", deploytest.FreePort(t))
	promAddr := fmt.Sprintf("127.0.0.1:%d", deploytest.FreePort(t))
	// The servers come from run B's own list of them, on loadgen's
	// metrics address, at the shipped path.
	deploytest.RewriteDiscovery(promCfg, func(job, old string) string {
		u, err := url.Parse(old)
		if job != "labserver" || err != nil {
			t.Fatalf("deploy/prometheus.yml: job %s: unexpected service discovery %s", job, old)
		}
		u.Host = loadgenAddr
		return u.String()
	})
	deploytest.RewriteTargets(promCfg, func(job, old string, labels map[string]string) string {
		switch job {
		case "loadgen":
			return loadgenAddr
		case "prometheus":
			return promAddr
		}
		t.Fatalf("deploy/prometheus.yml: unknown job %s", job)
		return ""
	})
	cfgBytes, err := yaml.Marshal(promCfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(tmp, "prometheus.yml")
	if err := os.WriteFile(cfgPath, cfgBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, promtool, "check", "config", cfgPath)
	prom = start(t, prometheus, "--config.file="+cfgPath, "--storage.tsdb.path="+storage,
		"--web.listen-address="+promAddr, "--storage.tsdb.retention.time=1d")
	api = "http://" + promAddr
	waitHTTP(t, api+"/-/ready", prom, 20*time.Second)
	return prom, api, loadgenAddr
}

// queriesWithVars is every query of the dashboards in dir with its
// variables set: the live dashboard's to run B and every lab target, the
// comparison dashboard's to two targets of the backfilled run A, Grafana's
// built-in range and intervals to values for a short run, and any other
// custom variable to its default. A variable left without a value is an
// error.
func queriesWithVars(t *testing.T, dir, runA, runB string, targetNames []string) []query {
	t.Helper()
	queries := dashboardQueries(t, dir)
	vars := map[string]string{
		"run_id":          regexp.QuoteMeta(runB),
		"target":          "(" + strings.Join(targetNames, "|") + ")",
		"run_a":           runA,
		"target_a":        "limitlistener-100",
		"run_b":           runA,
		"target_b":        "semaphore-40",
		"__range":         "1h",
		"__rate_interval": "4s",
		"__interval":      "1s",
	}
	for _, q := range queries {
		for name, def := range q.defaults {
			if _, ok := vars[name]; !ok {
				vars[name] = def
			}
		}
	}
	for i := range queries {
		queries[i].promql = substitute(t, queries[i], vars)
	}
	return queries
}

// waitForData evaluates the queries once a second until each returns data
// while run B is live: live series need a few scrapes, quantiles need
// requests that ended. It stops at deadline or when loadgen exits, and
// returns the queries still without data, each with its last error.
func waitForData(api string, queries []query, lg *proc, deadline time.Time) []query {
	failing := queries
	for {
		var still []query
		for _, q := range failing {
			if q.err = instant(api, q.promql); q.err != nil {
				still = append(still, q)
			}
		}
		failing = still
		if len(failing) == 0 || time.Now().After(deadline) || lg.exited() {
			return failing
		}
		time.Sleep(time.Second)
	}
}

// query is one PromQL expression of a dashboard.
type query struct {
	dashboard, where string
	expr             string
	defaults         map[string]string // custom variables: their default value
	promql           string            // expr with variables substituted
	err              error
}

var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(.*?)\s*,\s*(\w+)\s*\)\s*$`)

// dashboardQueries collects every panel query and every query variable of
// the dashboards in dir. label_values(SELECTOR, LABEL) becomes the PromQL
// that answers it: group by (LABEL) (SELECTOR).
func dashboardQueries(t *testing.T, dir string) []query {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in %s: %v", dir, err)
	}
	var out []query
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					RefID string `json:"refId"`
					Expr  string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Name    string `json:"name"`
					Type    string `json:"type"`
					Query   any    `json:"query"`
					Current struct {
						Value any `json:"value"`
					} `json:"current"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		defaults := map[string]string{}
		for _, v := range d.Templating.List {
			if s, ok := v.Current.Value.(string); ok && v.Type == "custom" {
				defaults[v.Name] = s
			}
		}
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			s, _ := v.Query.(string)
			if m, ok := v.Query.(map[string]any); ok {
				s, _ = m["query"].(string)
			}
			lv := labelValues.FindStringSubmatch(s)
			if lv == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(SELECTOR, LABEL)", name, v.Name, s)
				continue
			}
			out = append(out, query{dashboard: name, where: "variable " + v.Name,
				expr: "group by (" + lv[2] + ") (" + lv[1] + ")", defaults: defaults})
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out = append(out, query{dashboard: name, where: fmt.Sprintf("panel %q query %s", p.Title, tg.RefID),
					expr: tg.Expr, defaults: defaults})
			}
		}
	}
	return out
}

var varRef = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)

func substitute(t *testing.T, q query, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(q.expr, func(m string) string {
		name := strings.Trim(m, "${}")
		v, ok := vars[name]
		if !ok {
			t.Errorf("%s: %s: no value for variable $%s", q.dashboard, q.where, name)
		}
		return v
	})
}

type apiResponse struct {
	Status    string `json:"status"`
	Error     string `json:"error"`
	ErrorType string `json:"errorType"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  []any             `json:"value"`
			Values [][]any           `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

func call(ctx context.Context, u string) (*apiResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", r.ErrorType, r.Error)
	}
	return &r, nil
}

// instant evaluates expr now and wants at least one series with a number.
func instant(api, expr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := call(ctx, api+"/api/v1/query?"+url.Values{"query": {expr}}.Encode())
	if err != nil {
		return err
	}
	if r.Data.ResultType != "vector" {
		return fmt.Errorf("result type %s, want a vector", r.Data.ResultType)
	}
	if len(r.Data.Result) == 0 {
		return fmt.Errorf("no data")
	}
	for _, s := range r.Data.Result {
		if len(s.Value) == 2 {
			if v, err := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64); err == nil && v == v {
				return nil
			}
		}
	}
	return fmt.Errorf("%d series, every value NaN", len(r.Data.Result))
}

func rangeQuery(api, expr string, from, to time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := call(ctx, api+"/api/v1/query_range?"+url.Values{
		"query": {expr},
		"start": {strconv.FormatInt(from.Unix(), 10)},
		"end":   {strconv.FormatInt(to.Unix(), 10)},
		"step":  {"1"},
	}.Encode())
	return err
}
