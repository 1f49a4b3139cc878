package makebench

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/testbin"
)

// The Makefile decides make bench's path while it reads itself, so a dry
// run (make --dry-run) shows the decision without building or running
// anything: the notice, the errors and the docker check happen, and the
// recipe it picked is printed. uname and docker are fakes, found first on
// PATH; docker logs what it was asked.

// bench is one dry run of make bench.
type bench struct {
	os       string   // what the fake uname -s prints
	dockerUp bool     // whether the fake docker info succeeds
	env      []string // CONCLAB_BENCH=…
	args     []string // make's own arguments after bench, SCALE=…
}

// result is what make printed, how it ended, and what docker was asked.
type result struct {
	stdout, stderr string
	err            error
	docker         string
}

// nativeRun is the native path's last line at the Makefile's SCALE.
const nativeRun = "bin/loadgen run scenarios/seed.yaml --scale 0.02"

// dropped are the variables of the caller's environment that would change
// what make prints: the choice itself, the docker settings, the seed's, and
// those of a make that runs these tests (make test).
var dropped = []string{"CONCLAB_BENCH", "DOCKER", "DOCKER_HOST", "COMPOSE", "GO", "SCALE", "SCENARIO", "OBSERVE",
	"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PATH"}

func (b bench) dryRun(t *testing.T, goals ...string) result {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		testbin.Missing(t, "make is not installed")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fake := t.TempDir()
	log := filepath.Join(fake, "docker.log")
	write := func(name, script string) {
		if err := os.WriteFile(filepath.Join(fake, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Only -s, which is what the Makefile may ask; anything else fails
	// loudly.
	write("uname", "#!/bin/sh\ncase \"$1\" in\n-s) echo '"+b.os+"' ;;\n*) echo \"fake uname: $*\" >&2; exit 1 ;;\nesac\n")
	infoExit := "1"
	if b.dockerUp {
		infoExit = "0"
	}
	// docker compose version answers, as the client does without an
	// engine; docker info says whether the engine runs.
	write("docker", "#!/bin/sh\necho \"$*\" >> '"+log+"'\ncase \"$1\" in\ninfo) exit "+infoExit+
		" ;;\ncompose) exit 0 ;;\n*) exit "+infoExit+" ;;\nesac\n")

	if len(goals) == 0 {
		goals = []string{"bench"}
	}
	cmd := exec.Command("make", append(append([]string{"--dry-run", "--no-print-directory"}, goals...), b.args...)...)
	cmd.Dir = root
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !contains(dropped, name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Env = append(cmd.Env, b.env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("make: %v", err)
	}
	asked, _ := os.ReadFile(log)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err, docker: string(asked)}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r result) String() string {
	return "stdout:\n" + r.stdout + "stderr:\n" + r.stderr + "docker was asked:\n" + r.docker
}

func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// today is what make bench ran on Linux before it chose paths: make build,
// then the seed natively.
func today(t *testing.T) []string {
	t.Helper()
	build := bench{os: "Linux"}.dryRun(t, "build")
	if build.err != nil {
		t.Fatalf("make --dry-run build: %v\n%s", build.err, build)
	}
	return append(lines(build.stdout), nativeRun)
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// ok fails the test unless make succeeded without a word on stderr.
func (r result) ok(t *testing.T) {
	t.Helper()
	if r.err != nil || r.stderr != "" {
		t.Fatalf("make bench failed (%v)\n%s", r.err, r)
	}
}

// failsWithOneLine fails the test unless make failed, saying so in one line
// on stderr that holds every want, and built nothing.
func (r result) failsWithOneLine(t *testing.T, want ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("make bench succeeded\n%s", r)
	}
	if n := len(lines(r.stderr)); r.stderr == "" || n != 1 {
		t.Errorf("stderr has %d lines, want 1\n%s", n, r)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q\n%s", w, r)
		}
	}
	if strings.Contains(r.stdout, "go build") || strings.Contains(r.stdout, "build-image.sh") {
		t.Errorf("something would be built before the error\n%s", r)
	}
}

// dockerPath fails the test unless make picked the docker path: make up
// with the lab only, then make bench-docker running the seed, on the
// loadgen container's stdin, against docker-compose.yml's services at
// scale, and not the native run.
func (r result) dockerPath(t *testing.T, scale string) {
	t.Helper()
	if !strings.Contains(r.docker, "info") {
		t.Errorf("docker info was not asked whether the engine runs\n%s", r)
	}
	up := strings.Index(r.stdout, " up OBSERVE=0\n")
	image := strings.Index(r.stdout, "deploy/build-image.sh bin ")
	seed := strings.Index(r.stdout, " --project-directory . run --rm -T --use-aliases loadgen run - --services")
	if up < 0 || image < up || seed < image {
		t.Errorf("not make up OBSERVE=0 (which builds the image), then the seed from the loadgen container\n%s", r)
	}
	if !strings.Contains(r.stdout, " < scenarios/seed.yaml\n") {
		t.Errorf("the seed is not what the loadgen container reads\n%s", r)
	}
	// The servers' durations are written for the run's scale:
	// docker-compose.yml is the seed's at 0.02.
	stack := "-f docker-compose.yml "
	if scale != "0.02" {
		stack = "bin/loadgen compose scenarios/seed.yaml --scale " + scale + " -o deploy/generated/seed.compose.yml\n"
	}
	if !strings.Contains(r.stdout, stack) {
		t.Errorf("the stack is not the seed's at scale %s (%q)\n%s", scale, stack, r)
	}
	if !strings.Contains(r.stdout, "--scale "+scale+" ") {
		t.Errorf("the docker run is not at scale %s\n%s", scale, r)
	}
	if strings.Contains(r.stdout, "bin/loadgen run scenarios/seed.yaml") {
		t.Errorf("the seed runs natively too\n%s", r)
	}
}

func TestOnLinuxMakeBenchBuildsAndRunsTheSeedNativelyAndSaysNothingMore(t *testing.T) {
	t.Parallel()
	want := today(t)
	for _, env := range []string{"CONCLAB_BENCH=", "CONCLAB_BENCH=auto", "CONCLAB_BENCH=native"} {
		r := bench{os: "Linux", env: []string{env}}.dryRun(t)
		r.ok(t)
		if got := lines(r.stdout); !equal(got, want) {
			t.Errorf("%s: make bench prints\n%s\nwant what it always printed:\n%s", env, r, strings.Join(want, "\n"))
		}
		if r.docker != "" {
			t.Errorf("%s: docker was asked\n%s", env, r)
		}
	}
}

func TestOnDarwinMakeBenchSaysInOneLineWhatNeedsLinuxThenRunsNatively(t *testing.T) {
	t.Parallel()
	want := today(t)
	for _, env := range []string{"CONCLAB_BENCH=", "CONCLAB_BENCH=native"} {
		r := bench{os: "Darwin", env: []string{env}}.dryRun(t)
		r.ok(t)
		got := lines(r.stdout)
		notice := got[0]
		for _, w := range []string{"make bench: kernel-side figures need Linux", "Darwin", "netstat", `"-"`,
			"docs/macos.md", "CONCLAB_BENCH=docker"} {
			if !strings.Contains(notice, w) {
				t.Errorf("%s: the first line lacks %q\n%s", env, w, r)
			}
		}
		if !equal(got[1:], want) {
			t.Errorf("%s: after the notice, not the native run of Linux:\n%s\nwant:\n%s", env, r, strings.Join(want, "\n"))
		}
		if r.docker != "" {
			t.Errorf("%s: docker was asked\n%s", env, r)
		}
	}
}

func TestOnAnOSWithoutANativeViewMakeBenchRunsTheSeedInDocker(t *testing.T) {
	t.Parallel()
	r := bench{os: "FreeBSD", dockerUp: true}.dryRun(t)
	r.ok(t)
	notice := lines(r.stdout)[0]
	for _, w := range []string{"make bench: kernel-side figures need Linux", "FreeBSD", "Docker", "make bench-docker"} {
		if !strings.Contains(notice, w) {
			t.Errorf("the first line lacks %q\n%s", w, r)
		}
	}
	if strings.Count(r.stdout, "make bench:") != 1 {
		t.Errorf("not one notice\n%s", r)
	}
	r.dockerPath(t, "0.02")
}

func TestOnAnOSWithoutANativeBuildCONCLAB_BENCHNativeIsRefusedInOneLine(t *testing.T) {
	t.Parallel()
	r := bench{os: "FreeBSD", env: []string{"CONCLAB_BENCH=native"}}.dryRun(t)
	r.failsWithOneLine(t, "CONCLAB_BENCH=native", "Linux or macOS", "FreeBSD", "CONCLAB_BENCH=docker")
	if r.docker != "" {
		t.Errorf("docker was asked\n%s", r)
	}
}

func TestCONCLAB_BENCHDockerRunsTheSeedInDockerOnEveryOS(t *testing.T) {
	t.Parallel()
	for _, osName := range []string{"Linux", "Darwin", "FreeBSD"} {
		r := bench{os: osName, dockerUp: true, env: []string{"CONCLAB_BENCH=docker"}, args: []string{"SCALE=0.5"}}.dryRun(t)
		r.ok(t)
		notices := strings.Count(r.stdout, "make bench:")
		switch {
		case osName == "Linux" && notices != 0:
			t.Errorf("Linux: a notice\n%s", r)
		case osName != "Linux" && (notices != 1 || !strings.HasPrefix(r.stdout, "make bench: kernel-side figures need Linux")):
			t.Errorf("%s: not one notice first\n%s", osName, r)
		}
		r.dockerPath(t, "0.5")
	}
}

func TestMakeBenchOBSERVE1InDockerBringsPrometheusAndGrafanaUpToo(t *testing.T) {
	t.Parallel()
	r := bench{os: "Linux", dockerUp: true, env: []string{"CONCLAB_BENCH=docker"}, args: []string{"OBSERVE=1"}}.dryRun(t)
	r.ok(t)
	if !strings.Contains(r.stdout, " up OBSERVE=1\n") {
		t.Errorf("make up is not asked for the observe services\n%s", r)
	}
}

func TestDockerAskedForButNotRunningFailsInOneLineSayingHowToStartIt(t *testing.T) {
	t.Parallel()
	for _, osName := range []string{"Linux", "Darwin"} {
		r := bench{os: osName, env: []string{"CONCLAB_BENCH=docker"}}.dryRun(t)
		r.failsWithOneLine(t, "make bench: CONCLAB_BENCH=docker needs a running Docker engine",
			"start Docker Desktop (macOS)", "sudo systemctl start docker", "run make bench again")
		if !strings.Contains(r.docker, "info") {
			t.Errorf("%s: docker info was not asked\n%s", osName, r)
		}
		if r.stdout != "" {
			t.Errorf("%s: a notice besides the one line\n%s", osName, r)
		}
	}
	r := bench{os: "FreeBSD"}.dryRun(t)
	r.failsWithOneLine(t, "make bench: running the seed in Docker needs a running Docker engine", "sudo systemctl start docker")
	if r.stdout != "" {
		t.Errorf("FreeBSD: a notice besides the one line\n%s", r)
	}
}

func TestAnUnknownCONCLAB_BENCHFailsInOneLineNamingTheValidOnes(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"bogus", "Docker", "native docker"} {
		for _, osName := range []string{"Linux", "Darwin"} {
			r := bench{os: osName, dockerUp: true, env: []string{"CONCLAB_BENCH=" + value}}.dryRun(t)
			r.failsWithOneLine(t, "make bench: CONCLAB_BENCH="+value+" is not one of: native, docker")
			if r.stdout != "" {
				t.Errorf("%s, %s: something on stdout before the error\n%s", value, osName, r)
			}
		}
	}
}

func TestOtherTargetsIgnoreCONCLAB_BENCH(t *testing.T) {
	t.Parallel()
	r := bench{os: "Darwin", env: []string{"CONCLAB_BENCH=bogus"}}.dryRun(t, "build", "bench-closed")
	r.ok(t)
	if strings.Contains(r.stdout, "make bench:") || r.docker != "" {
		t.Errorf("make build bench-closed looked at CONCLAB_BENCH\n%s", r)
	}
}
