// Package deploytest holds what the deploy/ tests share: the repository's
// root, static builds of the lab's binaries, free loopback ports, and the
// parsed docker-compose.yml and deploy/prometheus.yml.
package deploytest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/conclab/conclab/internal/testbin"
)

// Root is the repository's root: the folder of go.mod above the test's
// working directory.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// GoTool is the go command: on $PATH, else the toolchain running the test.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// Build builds the named commands of the module (./servers/cmd/labserver,
// …) as static binaries (CGO_ENABLED=0, as `make build` does) into dir.
func Build(t testing.TB, dir string, pkgs ...string) {
	t.Helper()
	args := append([]string{"build", "-trimpath", "-o", dir + string(os.PathSeparator)}, pkgs...)
	cmd := exec.Command(GoTool(), args...)
	cmd.Dir = Root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int { return testbin.FreePort(t) }

// Service is one service of docker-compose.yml, as much as the tests read.
type Service struct {
	Name     string
	Profiles []string
	Command  []string
	Sysctls  map[string]string
}

// Labserver reports whether the service runs a labserver.
func (s Service) Labserver() bool {
	return len(s.Command) > 0 && filepath.Base(s.Command[0]) == "labserver"
}

// Flag returns the value of --name in the command, and whether it is there.
func (s Service) Flag(name string) (string, bool) {
	for i, a := range s.Command {
		if a == "--"+name && i+1 < len(s.Command) {
			return s.Command[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// Compose reads docker-compose.yml (YAML anchors and merge keys resolved;
// ${VAR} interpolation is not done).
func Compose(t testing.TB) (map[string]Service, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	raw, ok := doc["services"].(map[string]any)
	if !ok {
		t.Fatal("docker-compose.yml: no services")
	}
	out := map[string]Service{}
	for name, v := range raw {
		m, _ := v.(map[string]any)
		s := Service{Name: name, Sysctls: map[string]string{}}
		for _, p := range asList(m["profiles"]) {
			s.Profiles = append(s.Profiles, fmt.Sprint(p))
		}
		for _, a := range asList(m["command"]) {
			s.Command = append(s.Command, fmt.Sprint(a))
		}
		if sc, ok := m["sysctls"].(map[string]any); ok {
			for k, v := range sc {
				s.Sysctls[k] = fmt.Sprint(v)
			}
		}
		out[name] = s
	}
	return out, doc
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// ScrapeTarget is one static target of a job of deploy/prometheus.yml.
type ScrapeTarget struct {
	Job    string
	Addr   string
	Labels map[string]string
}

// PrometheusConfig reads deploy/prometheus.yml as plain YAML.
func PrometheusConfig(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), "deploy", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("deploy/prometheus.yml: %v", err)
	}
	return doc
}

// ScrapeTargets lists the static targets of every job of a Prometheus
// config read by PrometheusConfig.
func ScrapeTargets(cfg map[string]any) []ScrapeTarget {
	var out []ScrapeTarget
	eachStaticConfig(cfg, func(job string, sc map[string]any, labels map[string]string) {
		for _, a := range asList(sc["targets"]) {
			out = append(out, ScrapeTarget{Job: job, Addr: fmt.Sprint(a), Labels: labels})
		}
	})
	return out
}

// RewriteTargets replaces the address of every static target of cfg with
// addr(job, old address, labels); an empty result drops the target.
func RewriteTargets(cfg map[string]any, addr func(job, old string, labels map[string]string) string) {
	eachStaticConfig(cfg, func(job string, sc map[string]any, labels map[string]string) {
		var kept []any
		for _, a := range asList(sc["targets"]) {
			if n := addr(job, fmt.Sprint(a), labels); n != "" {
				kept = append(kept, n)
			}
		}
		sc["targets"] = kept
	})
}

// DiscoveryURLs lists the HTTP service discovery URL of every job of a
// Prometheus config read by PrometheusConfig, by job.
func DiscoveryURLs(cfg map[string]any) map[string][]string {
	out := map[string][]string{}
	eachDiscovery(cfg, func(job string, sd map[string]any) {
		out[job] = append(out[job], fmt.Sprint(sd["url"]))
	})
	return out
}

// RewriteDiscovery replaces the URL of every HTTP service discovery of
// cfg with url(job, old URL).
func RewriteDiscovery(cfg map[string]any, url func(job, old string) string) {
	eachDiscovery(cfg, func(job string, sd map[string]any) { sd["url"] = url(job, fmt.Sprint(sd["url"])) })
}

// eachDiscovery calls fn with every http_sd_configs entry of every job and
// its job's name.
func eachDiscovery(cfg map[string]any, fn func(job string, sd map[string]any)) {
	for _, j := range asList(cfg["scrape_configs"]) {
		job, _ := j.(map[string]any)
		for _, sd := range asList(job["http_sd_configs"]) {
			m, _ := sd.(map[string]any)
			fn(fmt.Sprint(job["job_name"]), m)
		}
	}
}

// eachStaticConfig calls fn with every static_configs entry of every job,
// its job's name and its labels.
func eachStaticConfig(cfg map[string]any, fn func(job string, sc map[string]any, labels map[string]string)) {
	for _, j := range asList(cfg["scrape_configs"]) {
		job, _ := j.(map[string]any)
		for _, sc := range asList(job["static_configs"]) {
			m, _ := sc.(map[string]any)
			labels := map[string]string{}
			if l, ok := m["labels"].(map[string]any); ok {
				for k, v := range l {
					labels[k] = fmt.Sprint(v)
				}
			}
			fn(fmt.Sprint(job["job_name"]), m, labels)
		}
	}
}

// Atoi is strconv.Atoi that fails the test.
func Atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
