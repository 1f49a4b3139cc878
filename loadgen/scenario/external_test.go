package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

func TestKernelSideDefaults(t *testing.T) {
	s, err := Parse("t.yaml", []byte(`name: t
requests: 10
rate: 1
sleep: 8s
cpu: 1s
targets:
  - {name: cmd, command: "srv --port {port}", like: pool, core: 10}
  - {name: url, url: "http://127.0.0.1:8000/"}
  - {name: none, url: "http://127.0.0.1:8001/", admin: none, service: 2s}
  - {name: admin, url: "http://127.0.0.1:8002/", admin: "http://127.0.0.1:9002"}
  - {name: sem, model: semaphore, admin: none}
  - {name: gin, model: gin}
`))
	if err != nil {
		t.Fatal(err)
	}
	cmd, url, none, admin, sem, gin := s.Targets[0], s.Targets[1], s.Targets[2], s.Targets[3], s.Targets[4], s.Targets[5]
	if cmd.URL != "http://127.0.0.1:{port}/" || !cmd.External() || cmd.Max != 10 || cmd.Policy != "abort" {
		t.Errorf("command target: %+v, want the default URL and the pool's defaults", cmd)
	}
	for _, tt := range []struct {
		t          Target
		kernel     bool
		service    time.Duration
		adminURL   string
		adminNoted bool
	}{
		{cmd, true, 9 * time.Second, "", false},
		{url, true, 9 * time.Second, "", false},
		{none, true, 2 * time.Second, "", true},
		{admin, false, 0, "http://127.0.0.1:9002", false},
		{sem, true, 9 * time.Second, "", true},
		{gin, false, 0, "", false},
	} {
		if tt.t.KernelSide() != tt.kernel || time.Duration(tt.t.Service) != tt.service ||
			tt.t.AdminURL() != tt.adminURL || tt.t.AdminIgnored() != tt.adminNoted {
			t.Errorf("%s: kernel side %v, service %v, admin URL %q, ignored %v; want %v %v %q %v", tt.t.Name,
				tt.t.KernelSide(), time.Duration(tt.t.Service), tt.t.AdminURL(), tt.t.AdminIgnored(),
				tt.kernel, tt.service, tt.adminURL, tt.adminNoted)
		}
	}
	if sem.Backlog != 0 || sem.Model != "semaphore" || sem.External() {
		t.Errorf("semaphore with admin none: %+v", sem)
	}
	scaled, err := s.Scaled(0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(scaled.Targets[2].Service); got != time.Second {
		t.Errorf("scaled service = %v, want 1s", got)
	}
	if got := time.Duration(scaled.Targets[0].Service); got != 4500*time.Millisecond {
		t.Errorf("scaled default service = %v, want 4.5s", got)
	}
}

func TestKernelSideErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"command on a model", valid + "    command: srv\n",
			"bad.yaml:7:14: targets[0].command: only used by url targets: for a model, loadgen starts labserver itself"},
		{"port placeholder without command", valid + "  - {name: x, url: 'http://127.0.0.1:{port}/'}\n",
			"bad.yaml:7:20: targets[1].url: {port} needs a command that listens there"},
		{"bad url with placeholder", valid + "  - {name: x, url: 'https://h:{port}/', command: srv}\n",
			`bad.yaml:7:20: targets[1].url: must be an http:// URL, got "https://h:{port}/"`},
		{"pid on a model", valid + "    pid: 4\n", "bad.yaml:7:10: targets[0].pid: only used by url targets, not by embedded targets (model)"},
		{"like on a model", valid + "    like: gin\n", "bad.yaml:7:11: targets[0].like: only used by url targets, not by embedded targets (model)"},
		{"unknown like", valid + "  - {name: x, command: srv, like: uvicorn}\n",
			`bad.yaml:7:35: targets[1].like: unknown model "uvicorn"; valid models: ` + strings.Join(catalog.Names(), ", ")},
		{"limit without like", valid + "  - {name: x, command: srv, limit: 4}\n",
			"bad.yaml:7:36: targets[1].limit: only used by " + usedByText(catalog.Limit) + " (for a url target, with like: MODEL)"},
		{"limit on the wrong like", valid + "  - {name: x, command: srv, like: pool, core: 1, limit: 4}\n",
			"bad.yaml:7:57: targets[1].limit: only used by " + usedByText(catalog.Limit)},
		{"pool like without core", valid + "  - {name: x, command: srv, like: pool}\n",
			"bad.yaml:7:5: targets[1].core: required for model pool: must be >= 1"},
		{"negative pid", valid + "  - {name: x, command: srv, pid: -1}\n",
			"bad.yaml:7:34: targets[1].pid: must be >= 1 (0 = the processes that hold the listening socket), got -1"},
		{"pid and process", valid + "  - {name: x, command: srv, pid: 3, process: srv}\n",
			"bad.yaml:7:46: targets[1].process: cannot be combined with pid: watch one or the other"},
		{"service with admin", valid + "  - {name: x, url: 'http://h:1/', admin: 'http://h:2', service: 1s}\n",
			"bad.yaml:7:65: targets[1].service: only used by targets measured from the kernel side: url targets without admin, or admin: none"},
		{"service on a model with admin", valid + "    service: 1s\n",
			"bad.yaml:7:14: targets[0].service: only used by targets measured from the kernel side: url targets without admin, or admin: none"},
		{"negative service", valid + "  - {name: x, command: srv, service: -1s}\n",
			"bad.yaml:7:38: targets[1].service: must be >= 0 and <= 1000h0m0s, got -1s"},
		{"admin on a model, not none", valid + "    admin: nope\n",
			"bad.yaml:7:12: targets[0].admin: only used by url targets: loadgen knows the admin address of the servers it starts"},
		{"admin none is not a url", valid + "  - {name: x, url: 'http://h:1/', admin: None}\n",
			`bad.yaml:7:42: targets[1].admin: must be an http:// URL, got "None"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
	// A command alone makes a target: no model or url needed.
	if _, err := Parse("ok.yaml", []byte("name: t\nrequests: 1\nrate: 1\ntargets:\n  - {name: x, command: srv}\n")); err != nil {
		t.Errorf("command-only target: %v", err)
	}
	// The message for a target with neither stays as it was.
	_, err := Parse("bad.yaml", []byte("name: t\nrequests: 1\nrate: 1\ntargets:\n  - {name: x}\n"))
	if err == nil || !strings.Contains(err.Error(), "targets[0].model: required (or url, for an external target)") {
		t.Errorf("no model, url or command: %v", err)
	}
}

// A target whose requirement is missing is left out with the first missing
// one named; the others run.
func TestRunnableLeavesOutTargetsWhoseRequirementIsMissing(t *testing.T) {
	s, err := Parse("t.yaml", []byte(`name: t
requests: 10
rate: 1
sleep: 1s
targets:
  - {name: here, command: "srv {port}", requires: [/bin/sh, sh]}
  - {name: file, command: "srv {port}", requires: [/bin/sh, /no/such/file]}
  - {name: cmd, command: "srv {port}", requires: [no-such-command-conclab]}
  - {name: sem, model: semaphore}
`))
	if err != nil {
		t.Fatal(err)
	}
	run, skips := s.Runnable()
	var names []string
	for _, tg := range run.Targets {
		names = append(names, tg.Name)
	}
	if strings.Join(names, ",") != "here,sem" || len(s.Targets) != 4 {
		t.Errorf("runnable targets %v (of %d), want here,sem (of 4)", names, len(s.Targets))
	}
	want := []Skip{
		{"file", "needs /no/such/file, which is missing"},
		{"cmd", "needs the command no-such-command-conclab, which is not on $PATH"},
	}
	if len(skips) != len(want) || skips[0] != want[0] || skips[1] != want[1] {
		t.Errorf("skips %q, want %q", skips, want)
	}
}

func TestRequiresNeedsACommand(t *testing.T) {
	for _, tt := range []struct{ target, want string }{
		{`{name: sem, model: semaphore, requires: [/bin/sh]}`, "t.yaml:6:45: targets[0].requires: only used by targets with a command"},
		{`{name: u, url: "http://127.0.0.1:1/", requires: [/bin/sh]}`, "t.yaml:6:53: targets[0].requires: only used by targets with a command"},
		{`{name: c, command: "srv {port}", requires: [" "]}`, `t.yaml:6:49: targets[0].requires[0]: must name a file (an absolute path) or a command, got " "`},
		{`{name: c, command: "srv {port}", requires: [/bin/sh, bin/srv]}`, `t.yaml:6:58: targets[0].requires[1]: must name a file (an absolute path) or a command, got "bin/srv"`},
	} {
		_, err := Parse("t.yaml", []byte("name: t\nrequests: 1\nrate: 1\nsleep: 1s\ntargets:\n  - "+tt.target+"\n"))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.target, err, tt.want)
		}
	}
}
