package scenario

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/names"
)

// Limits that keep every computed time inside a time.Duration.
const (
	maxRequests = 1_000_000
	maxRate     = 1e9 // one request per nanosecond: the interval must be >= 1ns
	// maxWork bounds every duration of a scenario.
	maxWork = Duration(catalog.MaxDuration)
	// maxPID is Linux's PID_MAX_LIMIT, the largest pid_max.
	maxPID = 1 << 22
)

// checkRequired reports the first required field that the document leaves
// out (or sets to null). Fields that are present but zero are left to
// validate, which says what is wrong with the value.
func checkRequired(x *index, s *Scenario) *problem {
	if p := checkUsersFields(x, s); p != nil {
		return p
	}
	for _, f := range []string{"name", "requests", "rate", "targets"} {
		if (f == "requests" || f == "rate") && x.present("users") {
			continue
		}
		staged := x.present("stages")
		if staged && (f == "requests" || f == "rate") {
			if x.present(f) {
				return problemf(f, "cannot be combined with stages: the stages set the rate, and so the requests")
			}
			continue
		}
		if !x.present(f) {
			if f == "targets" {
				return problemf(f, "required: a list of at least one target")
			}
			return problemf(f, "required")
		}
	}
	for i := range s.Targets {
		p := fmt.Sprintf("targets[%d]", i)
		if !x.present(p + ".name") {
			return problemf(p+".name", "required")
		}
		if !x.present(p+".model") && !x.present(p+".url") && !x.present(p+".command") {
			return problemf(p+".model", "required (or url, for an external target)")
		}
	}
	return nil
}

// applyDefaults fills in the fields the document left out. given reports
// whether a field (by path) was in the document.
func (s *Scenario) applyDefaults(given func(path string) bool) {
	if !given("arrival") {
		s.Arrival = ArrivalConstant
	}
	if s.Users > 0 && !given("iterations") {
		s.Iterations = 1
	}
	if !given("seed") && s.Random() {
		s.Seed = newSeed()
	}
	sleep, cpu := s.Sleep.Fixed, s.CPU.Fixed
	if s.checkRate() == nil && s.checkTraffic() == nil && s.Sleep.check("sleep", "sleep") == nil && s.CPU.check("cpu", "cpu") == nil &&
		(s.Sleep.Drawn() || s.CPU.Drawn()) {
		// The defaults cover the longest work any request draws.
		if sc, p := s.schedule(); p == nil && sc.Len() > 0 {
			sleep, cpu = Duration(slices.Max(sc.Sleep)), Duration(slices.Max(sc.CPU))
		}
	}
	work := satAdd(sleep, cpu)
	if !given("timeout") {
		s.Timeout = defaultTimeout(sleep, cpu)
	}
	if !given("max_sleep") {
		s.MaxSleep = max(Duration(time.Second), satAdd(work, work))
	}
	for i := range s.Targets {
		t := &s.Targets[i]
		if t.Command != "" && t.URL == "" && t.Model == "" {
			t.URL = defaultCommandURL
		}
		if t.KernelSide() && !given(fmt.Sprintf("targets[%d].service", i)) {
			t.Service = work
		}
		knobGiven := func(k catalog.Knob) bool { return given(fmt.Sprintf("targets[%d].%s", i, k.Field)) }
		t.model().Fill(&t.Settings, knobGiven)
		t.model().Derive(&t.Settings)
		if t.External() || t.Model == "" {
			continue
		}
		if t.GOMAXPROCS == 0 {
			t.GOMAXPROCS = s.Server.GOMAXPROCS
		}
		if t.Backlog == 0 {
			t.Backlog = s.Server.Backlog
		}
	}
}

// defaultTimeout is the client timeout of a scenario that gives none:
// the handler's work plus a margin for waiting and slow work,
// sleep + cpu + max(60s, (sleep+cpu)/4). It saturates instead of
// overflowing.
func defaultTimeout(sleep, cpu Duration) Duration {
	work := satAdd(sleep, cpu)
	return satAdd(work, max(Duration(time.Minute), work/4))
}

// satAdd adds two durations, saturating at the int64 limits.
func satAdd(a, b Duration) Duration {
	sum := a + b
	switch {
	case a > 0 && b > 0 && sum < 0:
		return Duration(math.MaxInt64)
	case a < 0 && b < 0 && sum >= 0:
		return Duration(math.MinInt64)
	}
	return sum
}

// checkRate validates what sets the load: requests and rate, or a closed
// scenario's users. A staged scenario leaves them at zero, and its stages
// are checkTraffic's.
func (s *Scenario) checkRate() *problem {
	switch {
	case s.Users > 0:
		return s.checkUsers()
	case len(s.Stages) > 0:
		return nil
	}
	if s.Requests < 1 || s.Requests > maxRequests {
		return problemf("requests", "must be >= 1 and <= %d, got %d", maxRequests, s.Requests)
	}
	switch {
	case math.IsNaN(s.Rate) || s.Rate <= 0:
		return problemf("rate", "must be > 0 (requests per second), got %s", formatFloat(s.Rate))
	case s.Rate > maxRate:
		return problemf("rate", "must be <= %s (one request per nanosecond), got %s", formatFloat(maxRate), formatFloat(s.Rate))
	case float64(s.Requests-1)/s.Rate*float64(time.Second) >= math.MaxInt64:
		return problemf("rate", "too low: %d requests at %s per second would take longer than a time.Duration holds (292 years)",
			s.Requests, formatFloat(s.Rate))
	}
	return nil
}

// validate checks a resolved scenario (defaults applied) and returns the
// first problem, in the order of the fields in the file.
func (s *Scenario) validate() *problem {
	if p := checkName("name", s.Name); p != nil {
		return p
	}
	if p := s.checkRate(); p != nil {
		return p
	}
	if p := s.checkTraffic(); p != nil {
		return p
	}
	for _, w := range []struct {
		path string
		work *Work
	}{{"sleep", &s.Sleep}, {"cpu", &s.CPU}} {
		if p := w.work.check(w.path, w.path); p != nil {
			return p
		}
	}
	if s.Timeout <= 0 {
		return problemf("timeout", "must be > 0, got %v", s.Timeout)
	}
	if s.ConnectTimeout < 0 {
		return problemf("connect_timeout", "must be >= 0 (0 = the kernel's SYN retries decide), got %v", s.ConnectTimeout)
	}
	for _, d := range []struct {
		path string
		v    Duration
	}{{"timeout", s.Timeout}, {"connect_timeout", s.ConnectTimeout}, {"max_sleep", s.MaxSleep}} {
		if d.v > maxWork {
			return problemf(d.path, "must be <= %v, got %v", maxWork, d.v)
		}
	}
	if s.MaxSleep <= 0 {
		return problemf("max_sleep", "must be > 0, got %v", s.MaxSleep)
	}
	sc, p := s.schedule()
	if p == nil {
		p = s.checkDraws(sc)
	}
	if p != nil {
		return p
	}
	switch {
	case s.Server.GOMAXPROCS < 0:
		return problemf("server.gomaxprocs", "must be >= 0 (0 = Go's default), got %d", s.Server.GOMAXPROCS)
	case s.Server.GOMAXPROCS > catalog.MaxGOMAXPROCS:
		return problemf("server.gomaxprocs", "must be <= %d, got %d", catalog.MaxGOMAXPROCS, s.Server.GOMAXPROCS)
	case s.Server.Backlog < 0:
		return problemf("server.backlog", "must be >= 0 (0 = somaxconn), got %d", s.Server.Backlog)
	case s.Server.Backlog > catalog.MaxBacklog:
		return problemf("server.backlog", "must be <= %d, got %d", catalog.MaxBacklog, s.Server.Backlog)
	case len(s.Targets) == 0:
		return problemf("targets", "must list at least one target")
	case len(s.Targets) > catalog.MaxTargets:
		return problemf("targets", "must list at most %d targets, got %d", catalog.MaxTargets, len(s.Targets))
	}
	seen := make(map[string]int, len(s.Targets))
	for i := range s.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		if p := s.Targets[i].validate(path); p != nil {
			return p
		}
		name := s.Targets[i].Name
		if j, dup := seen[name]; dup {
			return problemf(path+".name", "duplicate target name %q (also targets[%d])", name, j)
		}
		seen[name] = i
	}
	return nil
}

// validate checks one resolved target; path is "targets[i]".
func (t *Target) validate(path string) *problem {
	if p := checkName(path+".name", t.Name); p != nil {
		return p
	}
	switch {
	case t.URL != "" && t.Model != "":
		return problemf(path+".url", "cannot be combined with model: a target is embedded (model) or external (url)")
	case t.Command != "" && t.Model != "":
		return problemf(path+".command", "only used by url targets: for a model, loadgen starts labserver itself")
	case t.URL == "" && t.Model == "":
		return problemf(path+".model", "required (or url, for an external target)")
	case t.Model != "" && !isModel(t.Model):
		return problemf(path+".model", "unknown model %s; valid models: %s", quote(t.Model), strings.Join(catalog.Names(), ", "))
	}
	if t.External() {
		if p := t.checkExternal(path); p != nil {
			return p
		}
		if t.Backlog != 0 {
			return problemf(path+".backlog", "only used by embedded targets (model), not by url targets")
		}
		if t.GOMAXPROCS != 0 {
			return problemf(path+".gomaxprocs", "only used by embedded targets (model), not by url targets")
		}
	} else {
		if t.Admin != "" && !t.AdminIgnored() {
			return problemf(path+".admin", "only used by url targets: loadgen knows the admin address of the servers it starts")
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"pid", t.PID != 0}, {"process", t.Process != ""}, {"like", t.Like != ""}} {
			if f.set {
				return problemf(path+"."+f.name, "only used by url targets, not by embedded targets (model)")
			}
		}
	}
	for i, r := range t.Requires {
		switch {
		case t.Command == "":
			return problemf(path+".requires", "only used by targets with a command")
		case strings.TrimSpace(r) == "" || strings.Contains(r, "/") && !strings.HasPrefix(strings.TrimSpace(r), "/"):
			return problemf(fmt.Sprintf("%s.requires[%d]", path, i), "must name a file (an absolute path) or a command, got %q", r)
		}
	}
	switch {
	case t.Service < 0 || t.Service > maxWork:
		return problemf(path+".service", "must be >= 0 and <= %v, got %v", maxWork, t.Service)
	case t.Service != 0 && !t.KernelSide():
		return problemf(path+".service", "only used by targets measured from the kernel side: url targets without admin, or admin: none")
	}
	switch {
	case t.Backlog < 0:
		return problemf(path+".backlog", "must be >= 0 (0 = the server's default), got %d", t.Backlog)
	case t.GOMAXPROCS < 0:
		return problemf(path+".gomaxprocs", "must be >= 0 (0 = Go's default), got %d", t.GOMAXPROCS)
	}
	if p := t.checkUpperBounds(path); p != nil {
		return p
	}
	if err := t.model().Check(&t.Settings); err != nil {
		return problemf(path+"."+err.Knob.Field, "%s", err.Msg)
	}
	return nil
}

// checkExternal checks the fields of a url target; path is "targets[i]".
func (t *Target) checkExternal(path string) *problem {
	u := t.URL
	if strings.Contains(u, PortPlaceholder) {
		if t.Command == "" {
			return problemf(path+".url", "%s needs a command that listens there", PortPlaceholder)
		}
		u = strings.ReplaceAll(u, PortPlaceholder, "1")
	}
	if p := checkURL(path+".url", u); p != nil {
		if u != t.URL {
			p.msg = strings.Replace(p.msg, quote(u), quote(t.URL), 1)
		}
		return p
	}
	if t.Admin != "" && !t.AdminIgnored() {
		if p := checkURL(path+".admin", t.Admin); p != nil {
			return p
		}
	}
	switch {
	case t.Like != "" && !isModel(t.Like):
		return problemf(path+".like", "unknown model %s; valid models: %s", quote(t.Like), strings.Join(catalog.Names(), ", "))
	case t.PID < 0:
		return problemf(path+".pid", "must be >= 1 (0 = the processes that hold the listening socket), got %d", t.PID)
	case t.PID > maxPID:
		return problemf(path+".pid", "must be <= %d (Linux's largest pid_max), got %d", maxPID, t.PID)
	case t.PID != 0 && t.Process != "":
		return problemf(path+".process", "cannot be combined with pid: watch one or the other")
	case strings.ContainsAny(t.Command, "\x00\n\r"):
		return problemf(path+".command", "must be one line")
	}
	return nil
}

// isModel reports whether the catalogue has a model of that name.
func isModel(name string) bool {
	_, ok := catalog.Lookup(name)
	return ok
}

// checkName checks a scenario or target name, which is used in file names.
func checkName(path, name string) *problem {
	if err := names.Check(name); err != nil {
		return problemf(path, "%s", err.Error())
	}
	return nil
}

// checkURL checks an external target's URL or admin URL: http, with a host.
func checkURL(path, raw string) *problem {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return problemf(path, "not a valid URL: %s", quote(raw))
	case u.Scheme != "http":
		return problemf(path, "must be an http:// URL, got %s", quote(raw))
	case u.Host == "":
		return problemf(path, "must name a host, like http://127.0.0.1:8080/, got %s", quote(raw))
	}
	return nil
}

// formatFloat prints a float the shortest way that reads back exactly.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// checkUpperBounds refuses a target's numbers above their documented
// maximum (catalog's bounds, the same as labserver's flags).
func (t *Target) checkUpperBounds(path string) *problem {
	for _, n := range []struct {
		field  string
		v, max int
	}{
		{"backlog", t.Backlog, catalog.MaxBacklog}, {"gomaxprocs", t.GOMAXPROCS, catalog.MaxGOMAXPROCS},
	} {
		if n.v > n.max {
			return problemf(path+"."+n.field, "must be <= %d, got %d", n.max, n.v)
		}
	}
	return nil
}

// checkKnobsTaken refuses a knob that the document sets on a target whose
// model does not take it. A target whose model is unknown is left to
// validate, which names the model.
func checkKnobsTaken(x *index, s *Scenario) *problem {
	for i := range s.Targets {
		t := &s.Targets[i]
		model, known := catalog.Lookup(t.queueModel())
		if !known && t.queueModel() != "" {
			continue
		}
		for _, k := range catalog.Knobs {
			field := fmt.Sprintf("targets[%d].%s", i, k.Field)
			if !x.present(field) || model.Uses(k) {
				continue
			}
			if t.Model == "" && t.Like == "" {
				return problemf(field, "only used by %s (for a url target, with like: MODEL)", usedByText(k))
			}
			return problemf(field, "only used by %s", usedByText(k))
		}
	}
	return nil
}
