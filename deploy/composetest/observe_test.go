package composetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/deploy/stackfiles"
	"github.com/conclab/conclab/internal/testbin"
)

// TestPrometheusAndGrafanaAskForPasswordsAsComposeStartsThem reads
// docker-compose.yml, deploy/prometheus.yml and Grafana's datasource and
// fails when any part of the closed observe profile is missing: no
// lifecycle or admin API, Prometheus's web config, Grafana's admin password
// from a file and no literal one, anonymous Grafana off unless make turns
// it on, and each secret a service reads in its own secrets volume.
func TestPrometheusAndGrafanaAskForPasswordsAsComposeStartsThem(t *testing.T) {
	_, doc := deploytest.Compose(t)
	prom := service(t, doc, "prometheus")
	cmd := strs(prom["command"])
	for _, a := range cmd {
		if strings.HasPrefix(a, "--web.enable-lifecycle") || strings.HasPrefix(a, "--web.enable-admin-api") {
			t.Errorf("prometheus: %s: anyone who reaches it could stop it or delete data", a)
		}
	}
	webConfig := stackfiles.SecretsMount + "/" + stackfiles.PrometheusWebConfig
	if !slices.Contains(cmd, "--web.config.file="+webConfig) {
		t.Errorf("prometheus: command %q has no --web.config.file=%s: no basic auth", cmd, webConfig)
	}

	graf := service(t, doc, "grafana")
	env, _ := graf["environment"].(map[string]any)
	if v, ok := env["GF_SECURITY_ADMIN_PASSWORD"]; ok {
		t.Errorf("grafana: GF_SECURITY_ADMIN_PASSWORD %q: the password must come from the secrets volume (…__FILE)", v)
	}
	if got, want := fmt.Sprint(env["GF_SECURITY_ADMIN_PASSWORD__FILE"]), stackfiles.SecretsMount+"/"+stackfiles.GrafanaAdminPassword; got != want {
		t.Errorf("grafana: GF_SECURITY_ADMIN_PASSWORD__FILE %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(env["GF_AUTH_ANONYMOUS_ENABLED"]), "${CONCLAB_GRAFANA_ANONYMOUS:-false}"; got != want {
		t.Errorf("grafana: GF_AUTH_ANONYMOUS_ENABLED %q, want %q: anonymous only when make says loopback", got, want)
	}
	// No password has a default anywhere in the file.
	for _, name := range sortedKeys(doc["services"].(map[string]any)) {
		for k, v := range asMap(service(t, doc, name)["environment"]) {
			if strings.Contains(k, "PASSWORD") && !strings.HasSuffix(k, "__FILE") {
				t.Errorf("service %s: %s=%v: no password may be written in the compose file", name, k, v)
			}
		}
	}

	// Each consumer mounts its own secrets volume, read-only, and every
	// secret path the services read is in that volume.
	volumes := asMap(doc["volumes"])
	for _, c := range stackfiles.Consumers {
		vol := c.Service + "-secrets"
		want := vol + ":" + stackfiles.SecretsMount + ":ro"
		if !slices.Contains(strs(service(t, doc, c.Service)["volumes"]), want) {
			t.Errorf("service %s: no volume %s", c.Service, want)
		}
		if _, ok := volumes[vol]; !ok {
			t.Errorf("docker-compose.yml: volume %s is not declared", vol)
		}
	}
	reads := map[string][]string{
		"prometheus": {webConfig, promPasswordFile(t)},
		"grafana":    {fmt.Sprint(env["GF_SECURITY_ADMIN_PASSWORD__FILE"]), datasourcePasswordFile(t)},
	}
	for svc, paths := range reads {
		c, _ := stackfiles.ConsumerOf(svc)
		for _, p := range paths {
			name, ok := strings.CutPrefix(p, stackfiles.SecretsMount+"/")
			if !ok || !slices.Contains(c.Files, name) {
				t.Errorf("service %s reads %s, which install-secrets does not put in its volume (%v)", svc, p, c.Files)
			}
		}
	}
}

// promPasswordFile is the password file of deploy/prometheus.yml's scrape
// of Prometheus itself, whose user must be the web config's.
func promPasswordFile(t *testing.T) string {
	t.Helper()
	for _, j := range asList(deploytest.PrometheusConfig(t)["scrape_configs"]) {
		job := asMap(j)
		if job["job_name"] != "prometheus" {
			continue
		}
		auth := asMap(job["basic_auth"])
		if auth["username"] != stackfiles.PrometheusUser {
			t.Errorf("deploy/prometheus.yml: job prometheus: basic_auth username %v, want %s", auth["username"], stackfiles.PrometheusUser)
		}
		return fmt.Sprint(auth["password_file"])
	}
	t.Fatal("deploy/prometheus.yml: no job prometheus")
	return ""
}

// datasourcePasswordFile is the file Grafana's provisioned Prometheus
// datasource reads its basic auth password from ($__file{PATH}).
func datasourcePasswordFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(deploytest.Root(t), "deploy", "grafana", "provisioning", "datasources", "prometheus.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Datasources []struct {
			UID            string            `yaml:"uid"`
			BasicAuth      bool              `yaml:"basicAuth"`
			BasicAuthUser  string            `yaml:"basicAuthUser"`
			SecureJSONData map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, ds := range doc.Datasources {
		if ds.UID != "conclab-prometheus" {
			continue
		}
		if !ds.BasicAuth || ds.BasicAuthUser != stackfiles.PrometheusUser {
			t.Errorf("datasource %s: basicAuth %v user %q, want true %s", ds.UID, ds.BasicAuth, ds.BasicAuthUser, stackfiles.PrometheusUser)
		}
		p, ok := strings.CutPrefix(ds.SecureJSONData["basicAuthPassword"], "$__file{")
		if !ok || !strings.HasSuffix(p, "}") {
			t.Fatalf("datasource %s: secureJsonData.basicAuthPassword %q, want $__file{PATH}", ds.UID, ds.SecureJSONData["basicAuthPassword"])
		}
		return strings.TrimSuffix(p, "}")
	}
	t.Fatal("deploy/grafana/provisioning/datasources/prometheus.yaml: no datasource conclab-prometheus")
	return ""
}

// TestMakeOpensGrafanaToAnonymousViewersOnlyOnLoopback runs `make
// observe-env`, which prints the variables make up hands to compose: the
// anonymous viewer follows CONCLAB_BIND and nothing else, and loadgen's
// user is never root by default.
func TestMakeOpensGrafanaToAnonymousViewersOnlyOnLoopback(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		testbin.Missing(t, "make is not installed")
	}
	root := deploytest.Root(t)
	for _, c := range []struct {
		args, env []string
		anonymous string
	}{
		{nil, nil, "true"},
		{[]string{"CONCLAB_BIND=127.0.0.1"}, nil, "true"},
		{[]string{"CONCLAB_BIND=::1"}, nil, "true"},
		{[]string{"CONCLAB_BIND=0.0.0.0"}, nil, "false"},
		{nil, []string{"CONCLAB_BIND=192.168.1.20"}, "false"},
		// Asking for it does not help.
		{[]string{"CONCLAB_BIND=0.0.0.0", "CONCLAB_GRAFANA_ANONYMOUS=true"}, nil, "false"},
		{[]string{"CONCLAB_BIND=0.0.0.0"}, []string{"CONCLAB_GRAFANA_ANONYMOUS=true"}, "false"},
		// A remote engine changes nothing here, but loadgen's user.
		{nil, []string{"DOCKER_HOST=ssh://user@box"}, "true"},
	} {
		cmd := exec.Command("make", append([]string{"-s", "--no-print-directory", "observe-env"}, c.args...)...)
		cmd.Dir = root
		cmd.Env = append(cleanEnv(), c.env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("make observe-env %v: %v", c.args, err)
		}
		vars := map[string]string{}
		for _, f := range strings.Fields(string(out)) {
			k, v, _ := strings.Cut(f, "=")
			vars[k] = v
		}
		if vars["CONCLAB_GRAFANA_ANONYMOUS"] != c.anonymous {
			t.Errorf("make observe-env %v (env %v): %s, want CONCLAB_GRAFANA_ANONYMOUS=%s", c.args, c.env, out, c.anonymous)
		}
		if vars["CONCLAB_UID"] == "0" || vars["CONCLAB_GID"] == "0" || vars["CONCLAB_UID"] == "" {
			t.Errorf("make observe-env %v (env %v): %s: loadgen would run as root", c.args, c.env, out)
		}
		if strings.HasPrefix(strings.Join(c.env, " "), "DOCKER_HOST=ssh") && vars["CONCLAB_UID"] != "65534" {
			t.Errorf("remote engine: %s, want loadgen as 65534", out)
		}
	}
}
