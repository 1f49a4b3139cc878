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
	"strconv"
	"testing"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/compose"
	"github.com/conclab/conclab/loadgen/container"
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
// scenarios/seed.yaml at scale 0.02 and no other lab server, each configured like its
// target as labserver reads its flags; Prometheus finds the run's servers
// where loadgen lists them, and scrapes loadgen. (loadgen/compose's test
// holds the file to loadgen compose's output.)
func TestComposeMatchesScenarios(t *testing.T) {
	services, doc := deploytest.Compose(t)
	if _, ok := doc["version"]; ok {
		t.Error("docker-compose.yml has a version: key; the Compose Specification has none")
	}
	// The stack is the seed's at the scale make bench-docker runs it at.
	seed, err := load(t, compose.SeedSource).Scaled(compose.SeedScale)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range seed.Targets {
		svc, ok := services[tg.Name]
		if !ok {
			t.Errorf("docker-compose.yml: no service %s for target %s of the seed", tg.Name, tg.Name)
			continue
		}
		if len(svc.Profiles) > 0 {
			t.Errorf("service %s: profiles %v, want none: the lab starts with make up", svc.Name, svc.Profiles)
		}
		checkService(t, svc, tg)
	}
	for name, svc := range services {
		if _, server := svc.Flag("model"); server && !slices.ContainsFunc(seed.Targets, func(tg scenario.Target) bool { return tg.Name == name }) {
			t.Errorf("docker-compose.yml: lab service %s is no target of the seed", name)
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

	// Prometheus finds the servers where loadgen lists them, and scrapes
	// loadgen.
	cfg := deploytest.PrometheusConfig(t)
	wantSD := map[string][]string{"labserver": {"http://loadgen:" + strconv.Itoa(container.MetricsPort) + container.DiscoveryPath}}
	if got := deploytest.DiscoveryURLs(cfg); !reflect.DeepEqual(got, wantSD) {
		t.Errorf("deploy/prometheus.yml discovers %v, want %v", got, wantSD)
	}
	var got []string
	for _, st := range deploytest.ScrapeTargets(cfg) {
		got = append(got, st.Job+" "+st.Addr)
	}
	want := []string{"loadgen loadgen:" + strconv.Itoa(container.MetricsPort), "prometheus localhost:9090"}
	if !slices.Equal(got, want) {
		t.Errorf("deploy/prometheus.yml scrapes %q, want %q", got, want)
	}
	// loadgen serves its metrics where Prometheus looks.
	if v, ok := services["loadgen"].Flag("metrics"); !ok || v != ":"+strconv.Itoa(container.MetricsPort) {
		t.Errorf("service loadgen: --metrics %q, want :%d", v, container.MetricsPort)
	}
}
