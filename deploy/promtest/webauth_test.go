package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/deploy/stackfiles"
)

// TestPrometheusAsComposeStartsItAsksEveryRequestForThePassword starts
// Debian's Prometheus with the flags of the compose service prometheus, its
// container paths moved to a temporary folder, and the secrets that `make
// up` generates (deploy/cmd/stackfiles secrets): a request without
// credentials, or with a wrong password, gets 401; with the generated
// password it gets 200; the lifecycle and admin APIs answer no one; and
// deploy/prometheus.yml's scrape of Prometheus itself carries the password,
// so its target is up.
func TestPrometheusAsComposeStartsItAsksEveryRequestForThePassword(t *testing.T) {
	promtool, prometheus := tools(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	deploytest.Build(t, bin, "./deploy/cmd/stackfiles")

	// What make up does first: generate the secrets folder.
	secrets := filepath.Join(tmp, "secrets")
	gen := exec.Command(filepath.Join(bin, "stackfiles"), "secrets", "-dir", secrets)
	gen.Env = withoutVar(os.Environ(), stackfiles.GrafanaPasswordEnv)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("stackfiles secrets: %v\n%s", err, out)
	}
	folder := stackfiles.Folder(secrets)
	password, err := folder.Password(stackfiles.PrometheusPassword)
	if err != nil {
		t.Fatal(err)
	}
	run(t, promtool, "check", "web-config", folder.Path(stackfiles.PrometheusWebConfig))

	addr := fmt.Sprintf("127.0.0.1:%d", deploytest.FreePort(t))
	cfgPath := selfScrapeConfig(t, tmp, addr, secrets)
	args := composeFlags(t, map[string]string{
		"/etc/conclab/prometheus.yml": cfgPath,
		"/prometheus":                 filepath.Join(tmp, "tsdb"),
		stackfiles.SecretsMount:       secrets,
	})
	prom := start(t, prometheus, append(args, "--web.listen-address="+addr)...)
	base := "http://" + addr
	waitReady(t, base, password, prom)

	user := stackfiles.PrometheusUser
	for _, c := range []struct {
		what, method, path, user, password string
		want                               int
		body                               string // in the answer, when set
	}{
		{"no credentials", "GET", "/api/v1/query?query=up", "", "", http.StatusUnauthorized, ""},
		{"no credentials, readiness", "GET", "/-/ready", "", "", http.StatusUnauthorized, ""},
		{"no credentials, the UI", "GET", "/graph", "", "", http.StatusUnauthorized, ""},
		{"a wrong password", "GET", "/api/v1/query?query=up", user, password + "x", http.StatusUnauthorized, ""},
		{"another user", "GET", "/api/v1/query?query=up", "admin", password, http.StatusUnauthorized, ""},
		{"the generated password", "GET", "/api/v1/query?query=up", user, password, http.StatusOK, ""},
		// No --web.enable-lifecycle: nobody can stop or reload it.
		{"quit, with the password", "POST", "/-/quit", user, password, http.StatusForbidden, ""},
		{"reload, with the password", "POST", "/-/reload", user, password, http.StatusForbidden, ""},
		// No --web.enable-admin-api: nobody can delete series. (Debian's
		// 2.42 says so with a 500.)
		{"delete series, with the password", "POST", "/api/v1/admin/tsdb/delete_series?match[]=up", user, password,
			http.StatusInternalServerError, "admin APIs disabled"},
	} {
		got, body := statusOf(t, c.method, base+c.path, c.user, c.password)
		if got != c.want || !strings.Contains(body, c.body) {
			t.Errorf("%s: %s %s answered %d %q, want %d %q", c.what, c.method, c.path, got, body, c.want, c.body)
		}
	}
	if prom.exited() {
		t.Fatalf("prometheus exited after the lifecycle requests:\n%s", prom.out.String())
	}
	waitSelfScrapeUp(t, base, user, password, prom)
}

// composeFlags is the command of the compose service prometheus, every
// container path that starts with a key of paths moved under its value.
// A path the map does not know fails the test, so that a new flag with a
// path is seen here.
func composeFlags(t *testing.T, paths map[string]string) []string {
	t.Helper()
	services, _ := deploytest.Compose(t)
	svc, ok := services["prometheus"]
	if !ok || len(svc.Command) == 0 {
		t.Fatal("docker-compose.yml: no service prometheus with a command")
	}
	var out []string
	for _, a := range svc.Command {
		name, val, ok := strings.Cut(a, "=")
		if !ok {
			out = append(out, a)
			continue
		}
		if strings.HasPrefix(val, "/") {
			moved := false
			for from, to := range paths {
				if val == from || strings.HasPrefix(val, from+"/") {
					val, moved = to+strings.TrimPrefix(val, from), true
					break
				}
			}
			if !moved {
				t.Fatalf("prometheus flag %s: the test does not know where %s goes", name, val)
			}
		}
		out = append(out, name+"="+val)
	}
	return out
}

// selfScrapeConfig writes deploy/prometheus.yml with only its job
// prometheus, pointed at addr, scraping every second, its basic auth
// password file moved from the container's secrets mount to secrets.
func selfScrapeConfig(t *testing.T, tmp, addr, secrets string) string {
	t.Helper()
	cfg := deploytest.PrometheusConfig(t)
	var kept []any
	for _, j := range cfg["scrape_configs"].([]any) {
		job := j.(map[string]any)
		if job["job_name"] != "prometheus" {
			continue
		}
		job["scrape_interval"], job["scrape_timeout"] = "1s", "1s"
		auth, ok := job["basic_auth"].(map[string]any)
		if !ok {
			t.Fatal("deploy/prometheus.yml: job prometheus has no basic_auth: its own scrape would get 401")
		}
		pf := fmt.Sprint(auth["password_file"])
		if !strings.HasPrefix(pf, stackfiles.SecretsMount+"/") {
			t.Fatalf("deploy/prometheus.yml: job prometheus: password_file %q is not in the secrets volume %s", pf, stackfiles.SecretsMount)
		}
		auth["password_file"] = filepath.Join(secrets, strings.TrimPrefix(pf, stackfiles.SecretsMount+"/"))
		job["static_configs"] = []any{map[string]any{"targets": []any{addr}}}
		kept = append(kept, job)
	}
	if len(kept) != 1 {
		t.Fatal("deploy/prometheus.yml: no job prometheus")
	}
	cfg["scrape_configs"] = kept
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(tmp, "prometheus.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// statusOf sends one request, with basic auth when user is set, and
// returns the status code and the start of the body.
func statusOf(t *testing.T, method, u, user, password string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, string(b)
}

// waitReady waits until Prometheus answers /-/ready to the password.
func waitReady(t *testing.T, base, password string, p *proc) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/-/ready", nil)
		req.SetBasicAuth(stackfiles.PrometheusUser, password)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if p.exited() {
			t.Fatalf("prometheus exited:\n%s", p.out.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready within 20s:\n%s", p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSelfScrapeUp waits until up{job="prometheus"} is 1: Prometheus
// scraped itself with the user and password file of deploy/prometheus.yml.
func waitSelfScrapeUp(t *testing.T, base, user, password string, p *proc) {
	t.Helper()
	q := base + "/api/v1/query?" + url.Values{"query": {`up{job="prometheus"}`}}.Encode()
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) && !p.exited() {
		req, _ := http.NewRequest(http.MethodGet, q, nil)
		req.SetBasicAuth(user, password)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var r apiResponse
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if err == nil && len(r.Data.Result) == 1 && len(r.Data.Result[0].Value) == 2 {
				last = fmt.Sprint(r.Data.Result[0].Value[1])
				if last == "1" {
					return
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("up{job=\"prometheus\"} is %q, want 1: the self-scrape's basic auth does not match the web config\n%s", last, p.out.String())
}
