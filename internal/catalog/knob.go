package catalog

import (
	"flag"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Knob is a model-specific setting: one field of [Settings].
type Knob struct {
	// Flag is labserver's flag, without the dashes: "queue-timeout". It is
	// Field with each "_" written "-".
	Flag string
	// Field is the scenario's target field, "queue_timeout": the yaml tag
	// of the knob's field of Settings.
	Field string
	// Name is the knob's field of Settings, for Go-side errors:
	// "QueueTimeout".
	Name string
	// Help is the flag's usage line.
	Help string
	// Kind is how the value is written, bounded and shown; it follows
	// from the field's Go type.
	Kind Kind
	// Min is the smallest value of a count, and Means what its special
	// values mean, for the error that refuses a smaller one:
	// "-1 = unbounded, 0 = no queue".
	Min   int
	Means string
	// Choices are the values a choice may take.
	Choices []string
	// Default is the value a server applies when the knob is not given;
	// nil is the zero value. A model's DefaultLimit overrides Limit's.
	Default any
	// Example is a value for a knob that has no valid default and must be
	// given, with which the model serves a handful of requests a second:
	// tests and make perf start a model with it (Model.ExampleArgs).
	Example any
	// field points at the knob's field in a Settings.
	field func(*Settings) any
}

// Kind is the type of a knob's value.
type Kind int

// The kinds of knob.
const (
	// Count is an int: slots, connections, workers, places.
	Count Kind = iota + 1
	// Span is a time.Duration, scaled with the scenario's other times.
	Span
	// Choice is a string, one of the knob's Choices.
	Choice
	// Rate is a float64 count per second, above 0; scaling a scenario's
	// times by f divides it by f.
	Rate
	// Switch is a bool.
	Switch
)

// newKnob makes the knob of the Settings field that field points at,
// deriving its scenario field and flag from the field's yaml tag.
func newKnob(field func(*Settings) any, k Knob) Knob {
	k.field = field
	var s Settings
	want := reflect.ValueOf(field(&s)).Pointer()
	sv := reflect.ValueOf(&s).Elem()
	for i := range sv.NumField() {
		if sv.Field(i).Addr().Pointer() != want {
			continue
		}
		k.Name = sv.Type().Field(i).Name
		k.Field, _, _ = strings.Cut(sv.Type().Field(i).Tag.Get("yaml"), ",")
		k.Flag = strings.ReplaceAll(k.Field, "_", "-")
		switch sv.Field(i).Interface().(type) {
		case int:
			k.Kind = Count
		case time.Duration:
			k.Kind = Span
		case string:
			k.Kind = Choice
		case float64:
			k.Kind = Rate
		case bool:
			k.Kind = Switch
		}
	}
	if k.Field == "" || k.Kind == 0 {
		panic("catalog: a knob's field must be a tagged int, time.Duration, string, float64 or bool of Settings")
	}
	return k
}

// ConfigKey is the knob's key in a server's /config: its scenario field,
// with "_s" after a duration, which /config gives in seconds.
func (k Knob) ConfigKey() string {
	if k.Kind == Span {
		return k.Field + "_s"
	}
	return k.Field
}

// Get is the knob's value in s.
func (k Knob) Get(s *Settings) any { return reflect.ValueOf(k.field(s)).Elem().Interface() }

// Set stores v, of the knob's Go type, as the knob's value in s.
func (k Knob) Set(s *Settings, v any) { reflect.ValueOf(k.field(s)).Elem().Set(reflect.ValueOf(v)) }

// Given reports whether the knob's value in s differs from its zero value.
func (k Knob) Given(s *Settings) bool { return !reflect.ValueOf(k.field(s)).Elem().IsZero() }

// Format writes the knob's value in s as its flag takes it; a float
// the shortest way that reads back exactly.
func (k Knob) Format(s *Settings) string { return fmt.Sprint(k.Get(s)) }

// Arg is the knob's value in s as one labserver argument, --flag=value,
// the form a boolean flag needs.
func (k Knob) Arg(s *Settings) string { return "--" + k.Flag + "=" + k.Format(s) }

// Bind adds the knob's flag to fs, storing into s, with the knob's
// default.
func (k Knob) Bind(fs *flag.FlagSet, s *Settings) {
	switch p := k.field(s).(type) {
	case *int:
		def, _ := k.Default.(int)
		fs.IntVar(p, k.Flag, def, k.Help)
	case *time.Duration:
		def, _ := k.Default.(time.Duration)
		fs.DurationVar(p, k.Flag, def, k.Help)
	case *string:
		def, _ := k.Default.(string)
		fs.StringVar(p, k.Flag, def, k.Help)
	case *float64:
		def, _ := k.Default.(float64)
		fs.Float64Var(p, k.Flag, def, k.Help)
	case *bool:
		def, _ := k.Default.(bool)
		fs.BoolVar(p, k.Flag, def, k.Help)
	}
}

// Check returns why the knob's value in s is out of its range, or "". The
// message names no field: the caller adds the flag or the scenario field.
func (k Knob) Check(s *Settings) string {
	switch v := k.Get(s).(type) {
	case int:
		switch {
		case v < k.Min && k.Means != "":
			return fmt.Sprintf("must be >= %d (%s), got %d", k.Min, k.Means, v)
		case v < k.Min:
			return fmt.Sprintf("must be >= %d, got %d", k.Min, v)
		case v > MaxCount:
			return fmt.Sprintf("must be <= %d, got %d", MaxCount, v)
		}
	case time.Duration:
		switch {
		case v < 0:
			return fmt.Sprintf("must be >= 0, got %v", v)
		case v > MaxDuration:
			return fmt.Sprintf("must be <= %v, got %v", MaxDuration, v)
		}
	case float64:
		switch {
		case math.IsNaN(v) || v <= 0:
			return fmt.Sprintf("must be > 0 (per second), got %v", v)
		case v > MaxRate:
			return fmt.Sprintf("must be <= %v (one per nanosecond), got %v", MaxRate, v)
		}
	case string:
		if !slices.Contains(k.Choices, v) {
			return fmt.Sprintf("unknown %s %q: one of %s", strings.ReplaceAll(k.Field, "_", " "), v, strings.Join(k.Choices, ", "))
		}
	}
	return ""
}

// The knobs.
var (
	Limit = newKnob(func(s *Settings) any { return &s.Limit }, Knob{Min: 1,
		Help: "the model's main limit: semaphore slots, limitlistener connections, fasthttp Concurrency (default: the model's)"})
	Queue = newKnob(func(s *Settings) any { return &s.Queue }, Knob{Min: Unbounded, Means: "-1 = unbounded, 0 = no queue",
		Default: Unbounded,
		Help:    "app-queue capacity for semaphore and pool (-1 = unbounded, 0 = no queue)"})
	QueueTimeout = newKnob(func(s *Settings) any { return &s.QueueTimeout }, Knob{
		Help: "semaphore: longest wait in the app queue before a 503 (0 = none); codel: the same while the queue drains (0 = the interval); ratelimit with --rate-wait: longest wait for a token before a 429 (0 = none)"})
	Order = newKnob(func(s *Settings) any { return &s.Order }, Knob{Choices: Orders, Default: DefaultOrder,
		Help: "semaphore and pool: which waiting request a freed slot or worker takes: " +
			OrderFIFO + " (the oldest) or " + OrderLIFO + " (the newest)"})
	Core = newKnob(func(s *Settings) any { return &s.Core }, Knob{Min: 1, Example: 1,
		Help: "pool: core workers"})
	Max = newKnob(func(s *Settings) any { return &s.Max }, Knob{Means: "0 = core",
		Help: "pool: maximum workers (0 = core)"})
	// MaxConnections is Tomcat's name for the limit of its acceptor.
	MaxConnections = newKnob(func(s *Settings) any { return &s.MaxConnections }, Knob{Means: "0 = no limit",
		Help: "pool: at most this many accepted connections at once (0 = no limit); the rest wait in the kernel, as Tomcat's maxConnections"})
	Policy = newKnob(func(s *Settings) any { return &s.Policy }, Knob{Choices: Policies, Default: DefaultPolicy,
		Help: "pool: rejection policy: " + strings.Join(Policies, ", ")})
	PoolKeepAlive = newKnob(func(s *Settings) any { return &s.PoolKeepAlive }, Knob{Default: DefaultPoolKeepAlive,
		Help: "pool: idle time before a worker above core exits"})
	// TokenRate is not "rate": a scenario's rate is the load it offers.
	TokenRate = newKnob(func(s *Settings) any { return &s.TokenRate }, Knob{Example: 100.0,
		Help: "ratelimit: tokens added to the bucket per second"})
	Burst = newKnob(func(s *Settings) any { return &s.Burst }, Knob{Min: 1, Default: 1,
		Help: "ratelimit: the bucket's size, the most requests admitted at once"})
	RateWait = newKnob(func(s *Settings) any { return &s.RateWait }, Knob{
		Help: "ratelimit: wait for a token, up to --queue-timeout, instead of answering 429 at once"})
	CodelTarget = newKnob(func(s *Settings) any { return &s.CodelTarget }, Knob{Default: 5 * time.Millisecond,
		Help: "codel: the longest wait of a request that joins a queue that has not been empty for an interval"})
	CodelInterval = newKnob(func(s *Settings) any { return &s.CodelInterval }, Knob{Default: 100 * time.Millisecond,
		Help: "codel: how long the queue may stay non-empty before it counts as standing: then LIFO, and the target's timeout"})
	Limiter = newKnob(func(s *Settings) any { return &s.Limiter }, Knob{Choices: Limiters, Default: LimiterAIMD,
		Help: "adaptive: the algorithm of the limit: " + strings.Join(Limiters, ", ")})
	InitialLimit = newKnob(func(s *Settings) any { return &s.InitialLimit }, Knob{Min: 1, Default: 20,
		Help: "adaptive: the limit at the start"})
	MinLimit = newKnob(func(s *Settings) any { return &s.MinLimit }, Knob{Min: 1, Default: 1,
		Help: "adaptive: the lowest the limit goes"})
	MaxLimit = newKnob(func(s *Settings) any { return &s.MaxLimit }, Knob{Min: 1, Default: 200,
		Help: "adaptive: the highest the limit goes"})
	Processes = newKnob(func(s *Settings) any { return &s.Processes }, Knob{Min: 1, Default: 1,
		Help: "semaphore: worker processes, each with --limit slots and a queue of its own, as gunicorn's; a request goes to one at random"})
)

// Knobs is every knob, in the order flags and scenario fields list them.
var Knobs = []Knob{Limit, Queue, QueueTimeout, Order, Core, Max, MaxConnections, Policy, PoolKeepAlive, TokenRate, Burst, RateWait,
	CodelTarget, CodelInterval, Limiter, InitialLimit, MinLimit, MaxLimit, Processes}

// KnobByField finds a knob by its scenario field.
func KnobByField(field string) (Knob, bool) {
	i := slices.IndexFunc(Knobs, func(k Knob) bool { return k.Field == field })
	if i < 0 {
		return Knob{}, false
	}
	return Knobs[i], true
}
