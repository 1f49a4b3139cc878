package scenario

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/conclab/conclab/internal/catalog"
)

// Scenario is one experiment: an open-model arrival schedule replayed against
// every target at once. Requests are sent on schedule whether or not
// earlier ones have been answered, each on a new connection unless KeepAlive
// is set, and each asks the server to do its Sleep and CPU of work. The
// schedule is Requests at Rate (one interval apart, or Poisson), or Stages
// of steps and ramps, plus Bursts; Schedule works it out.
type Scenario struct {
	// Name identifies the scenario in run folders and metrics; required,
	// [a-z0-9._-]+.
	Name string `yaml:"name"`
	// Description is free text for the reader of reports.
	Description string `yaml:"description"`
	// Requests is the number of requests sent at Rate to EACH target;
	// required without Stages, 1 to 1,000,000.
	Requests int `yaml:"requests"`
	// Rate is the arrival rate in requests per second; required without
	// Stages, > 0.
	Rate float64 `yaml:"rate"`
	// Arrival is how requests are spaced: constant (one interval apart,
	// the default) or poisson (exponential gaps drawn from Seed).
	Arrival string `yaml:"arrival"`
	// Stages replace Requests and Rate: steps and linear ramps of the
	// rate, one after the other.
	Stages []Stage `yaml:"stages"`
	// Bursts add requests sent all at once, on top of the rest.
	Bursts []Burst `yaml:"bursts"`
	// Users replace Requests and Rate with a closed population, as
	// JMeter's thread groups: each user sends a request, waits for its
	// answer or its timeout, thinks for Think, and goes again, Iterations
	// times in all (users.go).
	Users int `yaml:"users"`
	// Iterations is how many requests each user sends; default 1.
	Iterations int `yaml:"iterations"`
	// Think is each user's pause between an answer and its next send.
	Think Duration `yaml:"think"`
	// RampUp starts the users evenly over this span, user u at
	// u·RampUp/Users, as JMeter's ramp-up period does; 0 starts all at once.
	RampUp Duration `yaml:"ramp_up"`
	// Seed drives every random part: Poisson gaps, drawn sleeps and CPU
	// work. A scenario with a random part and no seed gets one, which the
	// resolved scenario.yaml and summary.json record.
	Seed uint64 `yaml:"seed"`
	// Sleep is how long the handler sleeps per request: a duration >= 0,
	// or a distribution each request draws from.
	Sleep Work `yaml:"sleep"`
	// CPU is how much CPU work the handler does per request, as Sleep.
	CPU Work `yaml:"cpu"`
	// Timeout is the client timeout per request; > 0 when given. The
	// default is the work plus a margin for waiting and for slow work:
	// Sleep + CPU + max(60s, (Sleep+CPU)/4).
	Timeout Duration `yaml:"timeout"`
	// ConnectTimeout bounds the TCP connect; 0 (the default) leaves it to
	// the kernel's SYN retries (tcp_syn_retries).
	ConnectTimeout Duration `yaml:"connect_timeout"`
	// KeepAlive turns on client HTTP keep-alive. The default, false, makes
	// every request a new user on a new connection, as in the experiment.
	KeepAlive bool `yaml:"keepalive"`
	// MaxSleep is passed to embedded servers as --max-sleep, the cap on the
	// work a request may ask for. Default: 2*(Sleep+CPU), at least 1s;
	// it must be >= Sleep and >= CPU.
	MaxSleep Duration `yaml:"max_sleep"`
	// Server holds defaults applied to every embedded target.
	Server ServerDefaults `yaml:"server"`
	// Targets are the servers under test; required, at least one, with
	// unique names.
	Targets []Target `yaml:"targets"`
}

// ServerDefaults are settings for every embedded target. Parse copies
// GOMAXPROCS and Backlog into each embedded target that leaves them at 0.
type ServerDefaults struct {
	// GOMAXPROCS of each server; 0 = Go's default (the number of CPUs).
	GOMAXPROCS int `yaml:"gomaxprocs"`
	// AccessLog turns on the servers' access log.
	AccessLog bool `yaml:"access_log"`
	// Backlog is the listen backlog; 0 = somaxconn.
	Backlog int `yaml:"backlog"`
}

// maxFileSize bounds a scenario file; real ones are a few kilobytes.
const maxFileSize = 1 << 20

// Load reads the scenario file at path and parses it with Parse. Errors name
// the path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(path, f)
}

// Read reads a scenario from r and parses it with Parse; name is the file
// name its errors give ("stdin"), and a values file's relative path is read
// from name's directory.
func Read(name string, r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return Parse(name, data)
}

// Parse decodes a scenario from YAML, applies the defaults and validates it.
// name is the file name used in errors. Unknown keys, values of the wrong
// type, missing required fields and invalid values are all errors; each is
// an *Error whose message is one line, FILE:LINE:COL: FIELD: message.
func Parse(name string, data []byte) (s *Scenario, err error) {
	defer func() {
		// The YAML library has panicked on hostile input before; a
		// scenario file must never crash loadgen.
		if r := recover(); r != nil {
			s, err = nil, &Error{File: name, Line: 1, Col: 1, Field: fieldSyntax,
				Msg: fmt.Sprintf("the YAML library failed on this input: %v", r)}
		}
	}()
	if len(data) > maxFileSize {
		return nil, &Error{File: name, Line: 1, Col: 1, Field: fieldDocument,
			Msg: fmt.Sprintf("file too large: more than %d bytes", maxFileSize)}
	}
	if !utf8.Valid(data) {
		p := invalidUTF8(data)
		return nil, &Error{File: name, Line: p.Line, Col: p.Col, Field: fieldDocument, Msg: "not UTF-8 text"}
	}
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, syntaxError(name, err)
	}
	body, e := document(name, file)
	if e != nil {
		return nil, e
	}
	x := newIndex(body)
	if x.dupTok != nil {
		// The parser and the decoder let duplicates through: the decoder
		// would also reject a key that overrides one merged in with <<.
		return nil, x.duplicateError(name)
	}
	if x.tag != nil {
		// Scenarios need no tags, and the YAML library panics on some
		// (goccy/go-yaml#735, a tag on a list or mapping field).
		return nil, x.errorAt(name, x.tagPath, tokenPos(x.tag), "YAML tags are not supported, got "+quote(x.tag.Value))
	}
	if x.lateMerge != nil {
		return nil, x.errorAt(name, x.lateMergePath, tokenPos(x.lateMerge),
			"must come first in its mapping, before the keys that override it")
	}
	var sc Scenario
	if p := x.checkSpans(); p != nil {
		return nil, x.errorAt(name, p.path, x.pos(p.path), p.msg)
	}
	dec := yaml.NewDecoder(bytes.NewReader(nil), yaml.DisallowUnknownField(), yaml.AllowDuplicateMapKey(), spanUnmarshaler)
	if err := dec.DecodeFromNode(body, &sc); err != nil {
		return nil, x.decodeError(name, err)
	}
	p := x.checkIntegers()
	if p == nil {
		p = checkRequired(x, &sc)
	}
	if p == nil {
		p = checkKnobsTaken(x, &sc)
	}
	for _, w := range []struct {
		path string
		work *Work
	}{{"sleep", &sc.Sleep}, {"cpu", &sc.CPU}} {
		if p == nil {
			p = w.work.load(w.path, filepath.Dir(name), x.present)
		}
	}
	if p == nil {
		sc.applyDefaults(x.present)
		p = sc.validate()
	}
	if p != nil {
		return nil, x.errorAt(name, p.path, x.pos(p.path), p.msg)
	}
	return &sc, nil
}

// document returns the body of the file's one YAML document, which must be
// a mapping.
func document(name string, file *ast.File) (ast.Node, *Error) {
	var bodies []ast.Node
	for _, doc := range file.Docs {
		if doc != nil && !isNull(doc.Body) {
			bodies = append(bodies, doc.Body)
		}
	}
	if len(bodies) == 0 {
		return nil, &Error{File: name, Line: 1, Col: 1, Field: fieldDocument,
			Msg: "empty: expected a mapping with name, requests, rate and targets"}
	}
	at := func(n ast.Node) position {
		if p := nodePos(n); p.Line > 0 {
			return p
		}
		return position{1, 1}
	}
	if len(bodies) > 1 {
		p := at(bodies[1])
		return nil, &Error{File: name, Line: p.Line, Col: p.Col, Field: fieldDocument,
			Msg: "more than one YAML document: a file holds one scenario"}
	}
	switch unwrap(bodies[0]).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return bodies[0], nil
	}
	p := at(bodies[0])
	return nil, &Error{File: name, Line: p.Line, Col: p.Col, Field: fieldDocument,
		Msg: "must be a mapping with name, requests, rate and targets, got " + describe(bodies[0])}
}

// invalidUTF8 returns the position of the first byte that is not UTF-8.
func invalidUTF8(data []byte) position {
	p := position{1, 1}
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return p
		}
		if r == '\n' {
			p.Line, p.Col = p.Line+1, 1
		} else {
			p.Col++
		}
		data = data[size:]
	}
	return p
}

// Scaled returns a deep copy of s with every scenario time multiplied by f:
// Sleep, CPU, Timeout, ConnectTimeout, MaxSleep and each target's
// duration knobs and Service; Rate and each target's rate knobs are divided by f, so the interval
// between requests is multiplied by f too. Rate × Sleep, and so the shape of
// the queues, stays the same. The kernel's SYN retry times are not scenario
// times and cannot be scaled. f must be finite and > 0; f == 1 returns an
// equal copy. The copy is validated again, since a tiny f can round a
// timeout to zero.
func (s *Scenario) Scaled(f float64) (*Scenario, error) {
	if !(f > 0) || math.IsInf(f, 1) {
		return nil, fmt.Errorf("--scale: must be > 0, got %v", f)
	}
	c := s.clone()
	if f == 1 {
		return c, nil
	}
	var overflow string
	scale := func(path string, d *Duration) {
		v, ok := scaleNanos(float64(*d), f)
		if !ok && overflow == "" {
			overflow = path
		}
		*d = Duration(v)
	}
	c.Sleep.scaled(f, scale, "sleep")
	c.CPU.scaled(f, scale, "cpu")
	c.Stages = slices.Clone(c.Stages)
	for i := range c.Stages {
		g := &c.Stages[i]
		scale(fmt.Sprintf("stages[%d].duration", i), &g.Duration)
		g.Rate, g.Target = divided(g.Rate, f), divided(g.Target, f)
	}
	c.Bursts = slices.Clone(c.Bursts)
	for i := range c.Bursts {
		scale(fmt.Sprintf("bursts[%d].at", i), &c.Bursts[i].At)
	}
	scale("think", &c.Think)
	scale("ramp_up", &c.RampUp)
	scale("timeout", &c.Timeout)
	scale("connect_timeout", &c.ConnectTimeout)
	scale("max_sleep", &c.MaxSleep)
	for i := range c.Targets {
		t := &c.Targets[i]
		for _, k := range catalog.Knobs {
			switch k.Kind {
			case catalog.Span:
				d := Duration(k.Get(&t.Settings).(time.Duration))
				scale(fmt.Sprintf("targets[%d].%s", i, k.Field), &d)
				k.Set(&t.Settings, time.Duration(d))
			case catalog.Rate:
				k.Set(&t.Settings, k.Get(&t.Settings).(float64)/f)
			}
		}
		scale(fmt.Sprintf("targets[%d].service", i), &t.Service)
	}
	c.Rate = s.Rate / f
	if overflow != "" {
		return nil, fmt.Errorf("--scale %v: %s: out of range once scaled", f, overflow)
	}
	if p := c.validate(); p != nil {
		return nil, fmt.Errorf("--scale %v: %s: %s", f, p.path, p.msg)
	}
	return c, nil
}

// divided is *r/f, or nil for nil.
func divided(r *float64, f float64) *float64 {
	if r == nil {
		return nil
	}
	v := *r / f
	return &v
}

// Select returns a deep copy of s with only the named targets, in the
// scenario's order (for --only). Empty names are ignored; no names at all
// keeps every target. An unknown name is an error that lists the valid ones.
func (s *Scenario) Select(names []string) (*Scenario, error) {
	valid := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		valid[i] = t.Name
	}
	want := map[string]bool{}
	var unknown []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(valid, n) {
			unknown = append(unknown, strconv.Quote(n))
		}
		want[n] = true
	}
	if len(unknown) > 0 {
		what := "target"
		if len(unknown) > 1 {
			what = "targets"
		}
		return nil, fmt.Errorf("--only: unknown %s %s; valid targets: %s",
			what, strings.Join(unknown, ", "), strings.Join(valid, ", "))
	}
	c := s.clone()
	if len(want) == 0 {
		return c, nil
	}
	c.Targets = slices.DeleteFunc(c.Targets, func(t Target) bool { return !want[t.Name] })
	return c, nil
}

// Marshal returns the YAML of the scenario as resolved: every default
// filled in, and for each target only the fields its model uses. Parse
// reads it back to an equal Scenario.
func (s *Scenario) Marshal() ([]byte, error) {
	doc := yaml.MapSlice{{Key: "name", Value: s.Name}}
	if s.Description != "" {
		doc = append(doc, yaml.MapItem{Key: "description", Value: s.Description})
	}
	switch {
	case s.Users > 0:
		doc = append(doc, yaml.MapItem{Key: "users", Value: s.Users}, yaml.MapItem{Key: "iterations", Value: s.Iterations},
			yaml.MapItem{Key: "think", Value: s.Think}, yaml.MapItem{Key: "ramp_up", Value: s.RampUp})
	case len(s.Stages) == 0:
		doc = append(doc, yaml.MapItem{Key: "requests", Value: s.Requests}, yaml.MapItem{Key: "rate", Value: s.Rate})
	}
	if s.Users == 0 {
		doc = append(doc, yaml.MapItem{Key: "arrival", Value: s.Arrival})
	}
	if len(s.Stages) > 0 {
		doc = append(doc, yaml.MapItem{Key: "stages", Value: s.Stages})
	}
	if len(s.Bursts) > 0 {
		doc = append(doc, yaml.MapItem{Key: "bursts", Value: s.Bursts})
	}
	if s.Random() || s.Seed != 0 {
		doc = append(doc, yaml.MapItem{Key: "seed", Value: s.Seed})
	}
	doc = append(doc,
		yaml.MapItem{Key: "sleep", Value: s.Sleep},
		yaml.MapItem{Key: "cpu", Value: s.CPU},
		yaml.MapItem{Key: "timeout", Value: s.Timeout},
		yaml.MapItem{Key: "connect_timeout", Value: s.ConnectTimeout},
		yaml.MapItem{Key: "keepalive", Value: s.KeepAlive},
		yaml.MapItem{Key: "max_sleep", Value: s.MaxSleep},
		yaml.MapItem{Key: "server", Value: yaml.MapSlice{
			{Key: "gomaxprocs", Value: s.Server.GOMAXPROCS},
			{Key: "access_log", Value: s.Server.AccessLog},
			{Key: "backlog", Value: s.Server.Backlog},
		}},
	)
	targets := make([]yaml.MapSlice, len(s.Targets))
	for i := range s.Targets {
		targets[i] = s.Targets[i].resolved()
	}
	doc = append(doc, yaml.MapItem{Key: "targets", Value: targets})
	out, err := yaml.MarshalWithOptions(doc, yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: marshal: %w", s.Name, err)
	}
	return append([]byte("# Scenario as resolved: every default filled in.\n"), out...), nil
}

// resolved is the target as Marshal writes it: the fields of its kind and
// model (a field another model uses is always zero in a valid target).
func (t *Target) resolved() yaml.MapSlice {
	m := yaml.MapSlice{{Key: "name", Value: t.Name}}
	if t.External() || t.Model == "" {
		m = append(m, yaml.MapItem{Key: "url", Value: t.URL})
		if t.Admin != "" {
			m = append(m, yaml.MapItem{Key: "admin", Value: t.Admin})
		}
		if t.Command != "" {
			m = append(m, yaml.MapItem{Key: "command", Value: t.Command})
		}
		if len(t.Requires) > 0 {
			m = append(m, yaml.MapItem{Key: "requires", Value: t.Requires})
		}
		if t.PID != 0 {
			m = append(m, yaml.MapItem{Key: "pid", Value: t.PID})
		}
		if t.Process != "" {
			m = append(m, yaml.MapItem{Key: "process", Value: t.Process})
		}
		if t.KernelSide() {
			m = append(m, yaml.MapItem{Key: "service", Value: t.Service})
		}
		if t.Like != "" {
			m = append(m, yaml.MapItem{Key: "like", Value: t.Like})
			m = t.appendModelFields(m)
		}
		return m
	}
	m = append(m, yaml.MapItem{Key: "model", Value: t.Model})
	m = t.appendModelFields(m)
	m = append(m,
		yaml.MapItem{Key: "backlog", Value: t.Backlog},
		yaml.MapItem{Key: "gomaxprocs", Value: t.GOMAXPROCS},
	)
	if t.AdminIgnored() {
		m = append(m, yaml.MapItem{Key: "admin", Value: t.Admin}, yaml.MapItem{Key: "service", Value: t.Service})
	}
	return m
}

// appendModelFields appends the fields of the knobs that the target's
// model takes.
func (t *Target) appendModelFields(m yaml.MapSlice) yaml.MapSlice {
	for _, k := range t.model().Knobs {
		m = append(m, yaml.MapItem{Key: k.Field, Value: k.Get(&t.Settings)})
	}
	return m
}

// clone returns a deep copy of s.
func (s *Scenario) clone() *Scenario {
	c := *s
	c.Targets = slices.Clone(s.Targets)
	return &c
}
