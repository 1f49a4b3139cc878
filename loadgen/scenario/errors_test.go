package scenario

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/catalog"
)

// valid is a small valid scenario; bad inputs below are variations of it.
const valid = `name: t
requests: 10
rate: 1
targets:
  - name: a
    model: nethttp
`

// parseErrorCase is one bad scenario file and the one-line error Parse must
// give for it, position and wording included: the error is what a user reads.
type parseErrorCase struct {
	name string
	in   string
	want string
}

// parseErrorCases are the inputs of TestParseErrors, grouped by what is
// wrong. They live at package level so that the test stays short.
// targetFields are a target's YAML fields, the catalogue's knobs among them.
var targetFields = strings.Join(yamlFields(reflect.TypeFor[Target]()), ", ")

var parseErrorCases = []parseErrorCase{
	// The document as a whole.
	{"empty file", "", "bad.yaml:1:1: scenario: empty: expected a mapping with name, requests, rate and targets"},
	{"only a comment", "# nothing\n", "bad.yaml:1:1: scenario: empty: expected a mapping with name, requests, rate and targets"},
	{"null document", "~\n", "bad.yaml:1:1: scenario: empty: expected a mapping with name, requests, rate and targets"},
	{"top-level list", "- name: t\n- rate: 1\n", "bad.yaml:1:1: scenario: must be a mapping with name, requests, rate and targets, got a list"},
	{"top-level scalar", "hello\n", `bad.yaml:1:1: scenario: must be a mapping with name, requests, rate and targets, got "hello"`},
	{"two documents", valid + "---\n" + valid, "bad.yaml:8:1: scenario: more than one YAML document: a file holds one scenario"},
	{"binary junk", "name: t\n\xff\xfe\x00", "bad.yaml:2:1: scenario: not UTF-8 text"},
	{"control characters", "\x00\x01\x02", `bad.yaml:1:1: scenario: must be a mapping with name, requests, rate and targets, got "\x00\x01\x02"`},
	{"syntax error", "name: t\nrate: a: b\n", "bad.yaml:2:7: yaml: mapping value is not allowed in this context"},
	{"too large", "name: " + strings.Repeat("x", maxFileSize), "bad.yaml:1:1: scenario: file too large: more than 1048576 bytes"},

	// Unknown and duplicate keys.
	{"unknown key at top level", valid + "ratee: 2\n",
		`bad.yaml:7:1: ratee: unknown field (did you mean "rate"?); valid fields: name, description, requests, rate, arrival, stages, bursts, users, iterations, think, ramp_up, seed, sleep, cpu, timeout, connect_timeout, keepalive, max_sleep, server, targets`},
	{"unknown key in a target", valid + "    limt: 5\n",
		`bad.yaml:7:5: targets[0].limt: unknown field (did you mean "limit"?); valid fields: ` + targetFields},
	{"unknown key in server", "server:\n  threads: 4\n" + valid,
		"bad.yaml:2:3: server.threads: unknown field; valid fields: gomaxprocs, access_log, backlog"},
	{"duplicate key", valid + "rate: 2\n", "bad.yaml:7:1: rate: duplicate key (first set at line 3, column 1)"},
	{"merge key after other keys", valid + "  - name: b\n    <<: {model: gin}\n",
		"bad.yaml:8:5: targets[1].<<: must come first in its mapping, before the keys that override it"},

	// Missing required fields: reported at the enclosing mapping.
	{"missing name", "\nrequests: 10\nrate: 1\ntargets: [{name: a, model: gin}]\n", "bad.yaml:2:1: name: required"},
	{"null name", "name:\nrequests: 10\nrate: 1\ntargets: [{name: a, model: gin}]\n", "bad.yaml:1:1: name: required"},
	{"missing targets", "name: t\nrequests: 10\nrate: 1\n", "bad.yaml:1:1: targets: required: a list of at least one target"},
	{"missing requests", "name: t\nrate: 1\ntargets: [{name: a, model: gin}]\n", "bad.yaml:1:1: requests: required"},
	{"missing rate", "name: t\nrequests: 10\ntargets: [{name: a, model: gin}]\n", "bad.yaml:1:1: rate: required"},
	{"missing target name", "name: t\nrequests: 10\nrate: 1\ntargets:\n  - model: gin\n", "bad.yaml:5:5: targets[0].name: required"},
	{"missing model and url", "name: t\nrequests: 10\nrate: 1\ntargets:\n  - name: a\n    limit: 3\n",
		"bad.yaml:5:5: targets[0].model: required (or url, for an external target)"},
	{"empty target list", "name: t\nrequests: 10\nrate: 1\ntargets: []\n", "bad.yaml:4:10: targets: must list at least one target"},

	// Wrong types.
	{"rate not a number", "name: t\nrequests: 10\nrate: fast\ntargets: [{name: a, model: gin}]\n", `bad.yaml:3:7: rate: must be a number, got "fast"`},
	{"requests a list", "name: t\nrequests: [1]\nrate: 1\ntargets: [{name: a, model: gin}]\n", "bad.yaml:2:11: requests: must be an integer, got a list"},
	{"fractional limit", valid + "    limit: 1.5\n", "bad.yaml:7:12: targets[0].limit: must be an integer, got 1.5"},
	{"huge integer", "name: t\nrequests: 123456789012345678901234567890\nrate: 1\ntargets: [{name: a, model: gin}]\n",
		`bad.yaml:2:11: requests: must be an integer, got "123456789012345678901234567890" (out of range)`},
	{"keepalive yes", valid + "keepalive: yes\n", `bad.yaml:7:12: keepalive: must be true or false, got "yes"`},
	{"targets a mapping", "name: t\nrequests: 10\nrate: 1\ntargets:\n  name: a\n", "bad.yaml:5:3: targets: must be a list, got a mapping"},
	{"target a scalar", "name: t\nrequests: 10\nrate: 1\ntargets:\n  - nethttp\n", `bad.yaml:5:5: targets[0]: must be a mapping, got "nethttp"`},
	{"server a scalar", valid + "server: big\n", `bad.yaml:7:9: server: must be a mapping, got "big"`},
	{"bad duration", valid + "sleep: 5 minutes\n", `bad.yaml:7:8: sleep: must be a duration like "800s" or "1m30s", or a number of seconds, got "5 minutes"`},
	{"quoted number is not a duration", valid + "sleep: '30'\n", `bad.yaml:7:8: sleep: must be a duration like "800s" or "1m30s", or a number of seconds, got "30"`},
	{"duration a mapping", valid + "timeout: {s: 1}\n", `bad.yaml:7:10: timeout: must be a duration like "800s" or "1m30s", or a number of seconds, got a mapping`},
	{"work a mapping with an unknown key", valid + "cpu: {average: 1}\n", `bad.yaml:7:7: cpu.average: unknown field; valid fields: dist, mean, median, p99, of, file, scale`},
	{"huge duration", valid + "timeout: 1e300\n", "bad.yaml:7:10: timeout: out of range: 1e300 seconds"},
	{"bad duration in a target", valid + "  - name: s\n    model: semaphore\n    queue_timeout: soon\n",
		`bad.yaml:9:20: targets[1].queue_timeout: must be a duration like "800s" or "1m30s", or a number of seconds, got "soon"`},
	{"tag", valid + "sleep: !!str 5s\n", `bad.yaml:7:8: sleep: YAML tags are not supported, got "!!str"`},
	{"tag on a list (goccy/go-yaml#735 panics)", "name: t\nrequests: 10\nrate: 1\ntargets: !0 0\n", `bad.yaml:4:10: targets: YAML tags are not supported, got "!0"`},
	{"unknown alias", valid + "cpu: *nope\n", `bad.yaml:7:7: cpu: could not find alias "nope"`},

	// Values.
	{"bad name", "name: Seed Replay\nrequests: 10\nrate: 1\ntargets: [{name: a, model: gin}]\n",
		`bad.yaml:1:7: name: must match [a-z0-9._-]+ (it is used in file names), got "Seed Replay"`},
	{"requests 0", "name: t\nrequests: 0\nrate: 1\ntargets: [{name: a, model: gin}]\n", "bad.yaml:2:11: requests: must be >= 1 and <= 1000000, got 0"},
	{"requests too many", "name: t\nrequests: 1000001\nrate: 1\ntargets: [{name: a, model: gin}]\n", "bad.yaml:2:11: requests: must be >= 1 and <= 1000000, got 1000001"},
	{"rate 0", "name: t\nrequests: 10\nrate: 0\ntargets: [{name: a, model: gin}]\n", "bad.yaml:3:7: rate: must be > 0 (requests per second), got 0"},
	{"rate negative", "name: t\nrequests: 10\nrate: -2.5\ntargets: [{name: a, model: gin}]\n", "bad.yaml:3:7: rate: must be > 0 (requests per second), got -2.5"},
	{"rate NaN", "name: t\nrequests: 10\nrate: .nan\ntargets: [{name: a, model: gin}]\n", "bad.yaml:3:7: rate: must be > 0 (requests per second), got NaN"},
	{"rate infinite", "name: t\nrequests: 10\nrate: .inf\ntargets: [{name: a, model: gin}]\n", "bad.yaml:3:7: rate: must be <= 1e+09 (one request per nanosecond), got +Inf"},
	{"rate too low", "name: t\nrequests: 10\nrate: 1e-18\ntargets: [{name: a, model: gin}]\n",
		"bad.yaml:3:7: rate: too low: 10 requests at 1e-18 per second would take longer than a time.Duration holds (292 years)"},
	{"negative sleep", valid + "sleep: -1s\n", "bad.yaml:7:8: sleep: must be >= 0 and <= 1000h0m0s, got -1s"},
	{"timeout 0", valid + "timeout: 0\n", "bad.yaml:7:10: timeout: must be > 0, got 0s"},
	{"max_sleep below sleep", valid + "sleep: 10s\nmax_sleep: 5s\n", "bad.yaml:8:12: max_sleep: must be >= sleep (10s), got 5s"},
	{"negative connect_timeout", valid + "connect_timeout: -1\n", "bad.yaml:7:18: connect_timeout: must be >= 0 (0 = the kernel's SYN retries decide), got -1s"},
	{"negative server backlog", "server: {backlog: -1}\n" + valid, "bad.yaml:1:19: server.backlog: must be >= 0 (0 = somaxconn), got -1"},
	{"bad target name", "name: t\nrequests: 10\nrate: 1\ntargets:\n  - name: Semaphore 40\n    model: semaphore\n",
		`bad.yaml:5:11: targets[0].name: must match [a-z0-9._-]+ (it is used in file names), got "Semaphore 40"`},
	{"duplicate target name", valid + "  - name: a\n    model: gin\n", `bad.yaml:7:11: targets[1].name: duplicate target name "a" (also targets[0])`},
	{"unknown model", valid + "  - name: b\n    model: apache\n",
		`bad.yaml:8:12: targets[1].model: unknown model "apache"; valid models: ` + strings.Join(catalog.Names(), ", ")},
	{"negative limit", valid + "  - name: s\n    model: semaphore\n    limit: -1\n", "bad.yaml:9:12: targets[1].limit: must be >= 1, got -1"},
	{"queue below -1", valid + "  - name: s\n    model: semaphore\n    queue: -2\n", "bad.yaml:9:12: targets[1].queue: must be >= -1 (-1 = unbounded, 0 = no queue), got -2"},
	{"negative backlog", valid + "    backlog: -5\n", "bad.yaml:7:14: targets[0].backlog: must be >= 0 (0 = the server's default), got -5"},
	{"core on semaphore", valid + "  - name: s\n    model: semaphore\n    core: 4\n", "bad.yaml:9:11: targets[1].core: only used by " + usedByText(catalog.Core)},
	{"limit on pool", valid + "  - name: p\n    model: pool\n    core: 4\n    limit: 4\n",
		"bad.yaml:10:12: targets[1].limit: only used by " + usedByText(catalog.Limit)},
	{"queue on limitlistener", valid + "  - name: l\n    model: limitlistener\n    queue: 4\n", "bad.yaml:9:12: targets[1].queue: only used by " + usedByText(catalog.Queue)},
	{"queue_timeout on pool", valid + "  - name: p\n    model: pool\n    core: 1\n    queue_timeout: 1s\n", "bad.yaml:10:20: targets[1].queue_timeout: only used by " + usedByText(catalog.QueueTimeout)},
	{"policy on nethttp", valid + "    policy: abort\n", "bad.yaml:7:13: targets[0].policy: only used by " + usedByText(catalog.Policy)},
	{"pool without core", valid + "  - name: p\n    model: pool\n    max: 4\n", "bad.yaml:7:5: targets[1].core: required for model pool: must be >= 1"},
	{"max below core", valid + "  - name: p\n    model: pool\n    core: 10\n    max: 5\n", "bad.yaml:10:10: targets[1].max: must be >= core (10), got 5"},
	{"bad policy", valid + "  - name: p\n    model: pool\n    core: 1\n    policy: drop\n",
		`bad.yaml:10:13: targets[1].policy: unknown policy "drop": one of abort, caller-runs, discard, discard-oldest`},
	{"bad order", valid + "  - name: s\n    model: semaphore\n    order: random\n",
		`bad.yaml:9:12: targets[1].order: unknown order "random": one of fifo, lifo`},
	{"codel target above its interval", valid + "  - name: c\n    model: codel\n    codel_target: 1s\n",
		"bad.yaml:9:19: targets[1].codel_target: must be <= the interval, 100ms, got 1s"},
	{"token rate below 0", valid + "  - name: r\n    model: ratelimit\n    token_rate: -2\n",
		"bad.yaml:9:17: targets[1].token_rate: must be > 0 (per second), got -2"},
	{"burst of 0", valid + "  - name: r\n    model: ratelimit\n    token_rate: 5\n    burst: 0\n",
		"bad.yaml:10:12: targets[1].burst: must be >= 1, got 0"},
	{"order on limitlistener", valid + "  - name: l\n    model: limitlistener\n    order: lifo\n", "bad.yaml:9:12: targets[1].order: only used by " + usedByText(catalog.Order)},
	{"url and model", valid + "  - name: x\n    model: gin\n    url: http://127.0.0.1:8080/\n",
		"bad.yaml:9:10: targets[1].url: cannot be combined with model: a target is embedded (model) or external (url)"},
	{"https url", valid + "  - name: x\n    url: https://example.com/\n", `bad.yaml:8:10: targets[1].url: must be an http:// URL, got "https://example.com/"`},
	{"url without host", valid + "  - name: x\n    url: http:///path\n", `bad.yaml:8:10: targets[1].url: must name a host, like http://127.0.0.1:8080/, got "http:///path"`},
	{"bad admin", valid + "  - name: x\n    url: http://h:1/\n    admin: h:2\n", `bad.yaml:9:12: targets[1].admin: must be an http:// URL, got "h:2"`},
	{"admin on embedded target", valid + "    admin: http://h:2\n",
		"bad.yaml:7:12: targets[0].admin: only used by url targets: loadgen knows the admin address of the servers it starts"},
	{"backlog on url target", valid + "  - name: x\n    url: http://h:1/\n    backlog: 5\n", "bad.yaml:9:14: targets[1].backlog: only used by embedded targets (model), not by url targets"},

	// Upper bounds: the same as labserver's flags (catalog's bounds).
	{"target named ..", "name: t\nrequests: 10\nrate: 1\ntargets:\n  - {name: .., model: nethttp}\n",
		`bad.yaml:5:12: targets[0].name: must not be "..", which names a folder, not a file`},
	{"huge limit", valid + "  - name: s\n    model: semaphore\n    limit: 99999999999\n", "bad.yaml:9:12: targets[1].limit: must be <= 1000000, got 99999999999"},
	{"huge queue", valid + "  - name: s\n    model: semaphore\n    queue: 1000001\n", "bad.yaml:9:12: targets[1].queue: must be <= 1000000, got 1000001"},
	{"huge max", valid + "  - name: p\n    model: pool\n    core: 1\n    max: 2000000\n", "bad.yaml:10:10: targets[1].max: must be <= 1000000, got 2000000"},
	{"backlog beyond a C int", valid + "    backlog: 4294967297\n", "bad.yaml:7:14: targets[0].backlog: must be <= 2147483647, got 4294967297"},
	{"huge gomaxprocs", valid + "    gomaxprocs: 5000\n", "bad.yaml:7:17: targets[0].gomaxprocs: must be <= 1024, got 5000"},
	{"huge queue_timeout", valid + "  - name: s\n    model: semaphore\n    queue_timeout: 2000h\n",
		"bad.yaml:9:20: targets[1].queue_timeout: must be <= 1000h0m0s, got 2000h0m0s"},
	{"huge timeout", strings.Replace(valid, "rate: 1\n", "rate: 1\ntimeout: 2000h\n", 1), "bad.yaml:4:10: timeout: must be <= 1000h0m0s, got 2000h0m0s"},
	{"huge server backlog", strings.Replace(valid, "rate: 1\n", "rate: 1\nserver: {backlog: 4294967297}\n", 1),
		"bad.yaml:4:19: server.backlog: must be <= 2147483647, got 4294967297"},
	{"huge pid", valid + "  - name: x\n    url: http://h:1/\n    pid: 5000000\n", "bad.yaml:9:10: targets[1].pid: must be <= 4194304 (Linux's largest pid_max), got 5000000"},
	{"too many targets", "name: t\nrequests: 10\nrate: 1\ntargets:\n" + strings.Repeat("  - {model: nethttp, name: a}\n", 65),
		"bad.yaml:5:3: targets: must list at most 64 targets, got 65"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("bad.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error %q", s, tt.want)
			}
			if s != nil {
				t.Errorf("Parse returned a scenario with the error")
			}
			got := err.Error()
			if got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
			if strings.ContainsAny(got, "\n\r") {
				t.Errorf("error has a line break: %q", got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

func TestErrorIsOneLine(t *testing.T) {
	tests := []struct {
		name string
		file string
		in   string
	}{
		{"newline in a value", "f.yaml", valid + "  - name: \"a\\nb\"\n    model: gin\n"},
		{"newline in a key", "f.yaml", valid + "\"a\\nb\": 1\n"},
		{"newline in the file name", "f\n.yaml", ""},
		{"multi-line syntax error", "f.yaml", "name: [\n  a,\n  b: c: d\n"},
		{"tab in a value", "f.yaml", valid + "  - name: \"a\\tb\"\n    model: gin\n"},
		{"mapping that merges itself", "f.yaml", "a: &a {<<: *a}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, []byte(tt.in))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error has a line break: %q", msg)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 7, Col: 12, Field: "targets[2].limit", Msg: "must be >= 1, got 0"}, "a.yaml:7:12: targets[2].limit: must be >= 1, got 0"},
		{Error{File: "a.yaml", Field: "rate", Msg: "bad"}, "a.yaml: rate: bad"},
		{Error{File: "a.yaml", Line: 1, Field: "x", Msg: "line\nbreak"}, `a.yaml:1:1: x: line\nbreak`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	fields := []string{"limit", "queue", "queue_timeout", "policy"}
	tests := map[string]string{"limt": "limit", "LIMIT": "limit", "queu": "queue", "polcy": "policy", "threads": "", "": ""}
	for in, want := range tests {
		if got := suggest(in, fields); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
