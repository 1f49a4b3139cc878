// Package composetest checks docker-compose.yml: statically against the
// scenarios and deploy/prometheus.yml (always), and for real where a Docker
// engine is present: it builds the lab image, starts the quick scenario's
// services with compose and runs the scenario from the loadgen container.
package composetest

import (
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/scenario"
)

func load(t *testing.T, rel string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Load(filepath.Join(deploytest.Root(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// effectiveBacklog is what the kernel keeps of the service's --backlog: the
// value capped at the container's net.core.somaxconn, or somaxconn itself
// when no backlog is given (as net.Listen does).
func effectiveBacklog(t *testing.T, s deploytest.Service) int {
	somax, ok := s.Sysctls["net.core.somaxconn"]
	if !ok {
		t.Fatalf("service %s: no sysctls net.core.somaxconn", s.Name)
	}
	n := deploytest.Atoi(t, somax)
	if b, ok := s.Flag("backlog"); ok {
		if v := deploytest.Atoi(t, b); v > 0 && v < n {
			return v
		}
	}
	return n
}

// checkService compares a compose service's labserver flags with the
// scenario target it stands for.
func checkService(t *testing.T, svc deploytest.Service, tg scenario.Target) {
	t.Helper()
	if !svc.Labserver() {
		t.Errorf("service %s: command %q does not run /bin/labserver", svc.Name, svc.Command)
		return
	}
	want := map[string]string{"model": tg.Model, "listen": ":8080", "admin": ":9080"}
	for flag, v := range want {
		if got, _ := svc.Flag(flag); got != v {
			t.Errorf("service %s: --%s %q, want %q (as target %s)", svc.Name, flag, got, v, tg.Name)
		}
	}
	// The service's knobs, read as labserver reads its flags, must be the
	// target's resolved ones.
	model, _ := catalog.Lookup(tg.Model)
	fs := flag.NewFlagSet(svc.Name, flag.ContinueOnError)
	var got catalog.Settings
	var args []string
	for _, k := range catalog.Knobs {
		k.Bind(fs, &got)
		if v, ok := svc.Flag(k.Flag); ok {
			args = append(args, "--"+k.Flag, v)
		}
	}
	if err := fs.Parse(args); err != nil {
		t.Fatalf("service %s: %v", svc.Name, err)
	}
	if err := model.Resolve(&got, func(k catalog.Knob) bool { _, ok := svc.Flag(k.Flag); return ok }); err != nil {
		t.Fatalf("service %s: %v", svc.Name, err)
	}
	for _, k := range model.Knobs {
		if g, w := k.Format(&got), k.Format(&tg.Settings); g != w {
			t.Errorf("service %s: --%s %s, want %s (as target %s)", svc.Name, k.Flag, g, w, tg.Name)
		}
	}
	if tg.Backlog > 0 {
		if got := effectiveBacklog(t, svc); got != tg.Backlog {
			t.Errorf("service %s: effective backlog min(--backlog, somaxconn) = %d, want %d (target %s)",
				svc.Name, got, tg.Backlog, tg.Name)
		}
	}
}

// TestComposeMatchesScenarios: one compose service per target of
// scenarios/seed.yaml (default profile) and of scenarios/quick.yaml (profile
// quick, nethttp shared), each configured like its target; the docker
// scenarios name exactly those services; Prometheus scrapes every seed
// service and loadgen.
func TestComposeMatchesScenarios(t *testing.T) {
	services, doc := deploytest.Compose(t)
	if _, ok := doc["version"]; ok {
		t.Error("docker-compose.yml has a version: key; the Compose Specification has none")
	}
	for _, c := range []struct {
		scenario, docker, profile string
	}{
		{"scenarios/seed.yaml", "deploy/scenarios/seed-docker.yaml", ""},
		{"scenarios/quick.yaml", "deploy/scenarios/quick-docker.yaml", "quick"},
	} {
		orig, dock := load(t, c.scenario), load(t, c.docker)
		if orig.Requests != dock.Requests || orig.Rate != dock.Rate || !reflect.DeepEqual(orig.Sleep, dock.Sleep) || !reflect.DeepEqual(orig.CPU, dock.CPU) {
			t.Errorf("%s: schedule or work differs from %s", c.docker, c.scenario)
		}
		if len(orig.Targets) != len(dock.Targets) {
			t.Fatalf("%s: %d targets, %s has %d", c.docker, len(dock.Targets), c.scenario, len(orig.Targets))
		}
		for i, tg := range orig.Targets {
			dt := dock.Targets[i]
			if dt.Name != tg.Name || dt.URL != "http://"+tg.Name+":8080/" || dt.Admin != "http://"+tg.Name+":9080" {
				t.Errorf("%s: target %d is %s %s %s, want %s at http://%[5]s:8080/ and admin http://%[5]s:9080",
					c.docker, i, dt.Name, dt.URL, dt.Admin, tg.Name)
			}
			svc, ok := services[tg.Name]
			if !ok {
				t.Errorf("docker-compose.yml: no service %s for target %s of %s", tg.Name, tg.Name, c.scenario)
				continue
			}
			if len(svc.Profiles) > 0 && !slices.Contains(svc.Profiles, c.profile) {
				t.Errorf("service %s: profiles %v, want none or %q", svc.Name, svc.Profiles, c.profile)
			}
			checkService(t, svc, tg)
		}
	}

	// Every lab service and loadgen sets somaxconn, nofile and cpus, each
	// labserver listens on :8080 and serves admin on :9080.
	raw := doc["services"].(map[string]any)
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := raw[name].(map[string]any)
		img := fmt.Sprint(m["image"])
		if img != "${CONCLAB_IMAGE:-conclab:local}" {
			continue // prometheus, grafana
		}
		if m["pull_policy"] != "never" {
			t.Errorf("service %s: pull_policy %v, want never: the lab image is built, never pulled", name, m["pull_policy"])
		}
		if name == "config" {
			continue
		}
		for _, key := range []string{"sysctls", "ulimits", "cpus"} {
			if _, ok := m[key]; !ok {
				t.Errorf("service %s: no %s", name, key)
			}
		}
		if u, ok := m["ulimits"].(map[string]any); !ok || u["nofile"] == nil {
			t.Errorf("service %s: no ulimits nofile", name)
		}
		if _, ok := services[name].Sysctls["net.core.somaxconn"]; !ok {
			t.Errorf("service %s: no sysctls net.core.somaxconn", name)
		}
		if _, ok := m["network_mode"]; ok {
			t.Errorf("service %s: network_mode set; every service needs its own network namespace", name)
		}
	}

	// Prometheus scrapes each seed service's admin endpoint, labelled with
	// its target name, and loadgen.
	seed := load(t, "scenarios/seed.yaml")
	var want, got []string
	for _, tg := range seed.Targets {
		want = append(want, "labserver "+tg.Name+":9080 target="+tg.Name)
	}
	want = append(want, "loadgen loadgen:9100 target=")
	for _, st := range deploytest.ScrapeTargets(deploytest.PrometheusConfig(t)) {
		if st.Job == "prometheus" {
			continue
		}
		got = append(got, st.Job+" "+st.Addr+" target="+st.Labels["target"])
	}
	if !slices.Equal(got, want) {
		t.Errorf("deploy/prometheus.yml scrapes\n  %q\nwant\n  %q", got, want)
	}
	// loadgen serves its metrics where Prometheus looks.
	for _, name := range []string{"loadgen", "loadgen-quick"} {
		if v, _ := services[name].Flag("metrics"); v != ":9100" {
			t.Errorf("service %s: --metrics %q, want :9100", name, v)
		}
	}
}
