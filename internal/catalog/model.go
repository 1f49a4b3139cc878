package catalog

import (
	"cmp"
	"fmt"
	"slices"
)

// Model is one concurrency model of labserver.
type Model struct {
	// Name is the value of labserver's --model and of a target's model:.
	Name string
	// Summary is the one line that --help shows for the model.
	Summary string
	// Knobs are the model-specific settings the model takes.
	Knobs []Knob
	// DefaultLimit is the value of the Limit knob when it is not given; 0
	// when the model takes no limit.
	DefaultLimit int
	// Discipline is how the model admits and queues requests, which the
	// prediction simulates.
	Discipline Discipline
	// WorkOutlivesClient is true when the server cannot see a client
	// leave, so a request's work runs to its end for nobody. net/http
	// cancels the request's context when the client closes its
	// connection, and the lab's work stops there; fasthttp has no such
	// signal.
	WorkOutlivesClient bool
	// derive fills in the knobs whose value follows from others once
	// the given ones and the defaults are in (pool: max 0 means core).
	derive func(*Settings)
	// relate returns the knob that breaks a rule between two knobs, with
	// why (pool: max below core); nil when none does.
	relate func(*Settings) *KnobError
}

// KnobError is a knob whose value a model refuses. Msg names no flag or
// field: labserver adds the flag, a scenario the target's field.
type KnobError struct {
	Knob Knob
	Msg  string
}

func (e *KnobError) Error() string { return e.Knob.Field + ": " + e.Msg }

// Uses reports whether the model takes the knob.
func (m Model) Uses(k Knob) bool {
	return slices.ContainsFunc(m.Knobs, func(o Knob) bool { return o.Field == k.Field })
}

// Defaults are the knobs' values when none is given: each knob's default,
// and the model's own default limit.
func (m Model) Defaults() Settings {
	var s Settings
	for _, k := range m.Knobs {
		if k.Default != nil {
			k.Set(&s, k.Default)
		}
	}
	s.Limit = m.DefaultLimit
	return s
}

// Resolve fills in s the model's knobs that given reports were not
// given, checks them all, and then fills in those that follow from others
// (Fill, Check, Derive). The first problem is returned.
func (m Model) Resolve(s *Settings, given func(Knob) bool) *KnobError {
	m.Fill(s, given)
	if err := m.Check(s); err != nil {
		return err
	}
	m.Derive(s)
	return nil
}

// ExampleArgs are labserver's arguments for the model with the knobs that
// must be given set to their Example.
func (m Model) ExampleArgs() []string {
	args := []string{"--model", m.Name}
	defaults := m.Defaults()
	for _, k := range m.Knobs {
		if k.Check(&defaults) != "" && k.Example != nil {
			k.Set(&defaults, k.Example)
			args = append(args, k.Arg(&defaults))
		}
	}
	return args
}

// Fill sets each of the model's knobs that given reports were not given to
// its default.
func (m Model) Fill(s *Settings, given func(Knob) bool) {
	defaults := m.Defaults()
	for _, k := range m.Knobs {
		if !given(k) {
			k.Set(s, k.Get(&defaults))
		}
	}
}

// Check returns the first of the model's knobs in s that is out of its
// range or breaks a rule between knobs; nil when none does.
func (m Model) Check(s *Settings) *KnobError {
	defaults := m.Defaults()
	for _, k := range m.Knobs {
		// A number with no valid default must be given.
		if !k.Given(s) && k.Check(&defaults) != "" {
			switch k.Kind {
			case Count:
				return &KnobError{Knob: k, Msg: fmt.Sprintf("required for model %s: must be >= %d", m.Name, k.Min)}
			case Rate:
				return &KnobError{Knob: k, Msg: fmt.Sprintf("required for model %s: must be > 0 (per second)", m.Name)}
			}
		}
		if msg := k.Check(s); msg != "" {
			return &KnobError{Knob: k, Msg: msg}
		}
	}
	if m.relate != nil {
		return m.relate(s)
	}
	return nil
}

// Derive fills in the knobs whose value follows from others.
func (m Model) Derive(s *Settings) {
	if m.derive != nil {
		m.derive(s)
	}
}

// The models, in the order --help and reports list them.
var (
	NetHTTP = Model{
		Name:       "nethttp",
		Summary:    "net/http: a goroutine per connection, no limit",
		Discipline: NoLimit,
	}
	Gin = Model{
		Name:       "gin",
		Summary:    "gin router on net/http: no limit",
		Discipline: NoLimit,
	}
	Echo = Model{
		Name:       "echo",
		Summary:    "echo router on net/http: no limit",
		Discipline: NoLimit,
	}
	// Semaphore's default limit mirrors AnyIO's default thread limiter,
	// which FastAPI's def endpoints run on.
	Semaphore = Model{
		Name:         "semaphore",
		Summary:      "net/http behind a semaphore of --limit slots, waiters taken in --order, with an optional --queue cap",
		Knobs:        []Knob{Limit, Queue, QueueTimeout, Order, Processes},
		DefaultLimit: 40,
		Discipline:   AppQueue,
		// The simulation of several processes keeps one count of
		// waiters, so it takes only a queue without a cap or a timeout.
		relate: func(s *Settings) *KnobError {
			if s.Processes > 1 && (s.Queue != Unbounded || s.QueueTimeout != 0) {
				return &KnobError{Knob: Processes, Msg: "above 1 takes an unbounded queue without a timeout"}
			}
			return nil
		},
	}
	// LimitListener's default limit mirrors Flask's processes=100 in the
	// seed experiment.
	LimitListener = Model{
		Name:         "limitlistener",
		Summary:      "netutil.LimitListener: at most --limit accepted connections; the rest wait in the kernel",
		Knobs:        []Knob{Limit},
		DefaultLimit: 100,
		Discipline:   KernelQueue,
	}
	Pool = Model{
		Name:       "pool",
		Summary:    "net/http feeding a ThreadPoolExecutor: --core, --max, --queue, --policy, --pool-keepalive, --order; with --max-connections, behind a LimitListener, as Tomcat",
		Knobs:      []Knob{Queue, Core, Max, Policy, PoolKeepAlive, Order, MaxConnections},
		Discipline: ThreadPool,
		relate: func(s *Settings) *KnobError {
			if s.Max != 0 && s.Max < s.Core {
				return &KnobError{Knob: Max, Msg: fmt.Sprintf("must be >= core (%d), got %d", s.Core, s.Max)}
			}
			return nil
		},
		derive: func(s *Settings) { s.Max = cmp.Or(s.Max, s.Core) },
	}
	// FastHTTP's default limit is fasthttp.DefaultConcurrency (256·1024);
	// servers/fasthttp checks that the two agree.
	FastHTTP = Model{
		Name:               "fasthttp",
		Summary:            "fasthttp worker pool: --limit connections served (Server.Concurrency); 503 beyond",
		Knobs:              []Knob{Limit},
		DefaultLimit:       256 * 1024,
		Discipline:         RejectBeyond,
		WorkOutlivesClient: true,
	}
	Codel = Model{
		Name:         "codel",
		Summary:      "net/http behind a semaphore of --limit slots whose queue turns LIFO, with --codel-target timeouts, once it has stood for --codel-interval",
		Knobs:        []Knob{Limit, Queue, QueueTimeout, CodelTarget, CodelInterval},
		DefaultLimit: Semaphore.DefaultLimit,
		Discipline:   AdaptiveLIFO,
		relate: func(s *Settings) *KnobError {
			if s.CodelTarget > s.CodelInterval {
				return &KnobError{Knob: CodelTarget, Msg: fmt.Sprintf("must be <= the interval, %s, got %s", s.CodelInterval, s.CodelTarget)}
			}
			return nil
		},
		// Fail at Scale bounds a wait by the interval while the queue
		// drains.
		derive: func(s *Settings) { s.QueueTimeout = cmp.Or(s.QueueTimeout, s.CodelInterval) },
	}
	Deadline = Model{
		Name:         "deadline",
		Summary:      "net/http behind a semaphore of --limit slots whose FIFO queue drops, with 503, a waiter that can no longer finish by its client's deadline",
		Knobs:        []Knob{Limit, Queue},
		DefaultLimit: Semaphore.DefaultLimit,
		Discipline:   DeadlineQueue,
	}
	Adaptive = Model{
		Name:       "adaptive",
		Summary:    "net/http behind a concurrency limit that learns from each round trip (--limiter aimd or gradient2, after Netflix's concurrency-limits): 503 beyond it",
		Knobs:      []Knob{Limiter, InitialLimit, MinLimit, MaxLimit},
		Discipline: AdaptiveLimit,
		relate: func(s *Settings) *KnobError {
			switch {
			case s.MinLimit > s.MaxLimit:
				return &KnobError{Knob: MinLimit, Msg: fmt.Sprintf("must be <= the max limit, %d, got %d", s.MaxLimit, s.MinLimit)}
			case s.InitialLimit < s.MinLimit || s.InitialLimit > s.MaxLimit:
				return &KnobError{Knob: InitialLimit, Msg: fmt.Sprintf("must be within the min and max limits, %d to %d, got %d",
					s.MinLimit, s.MaxLimit, s.InitialLimit)}
			}
			return nil
		},
	}
	// RateLimit's bucket starts full, as x/time/rate's does.
	RateLimit = Model{
		Name:       "ratelimit",
		Summary:    "net/http behind a token bucket (x/time/rate) of --token-rate per second and --burst: 429 beyond, or with --rate-wait a wait for a token",
		Knobs:      []Knob{TokenRate, Burst, RateWait, QueueTimeout},
		Discipline: TokenBucket,
		relate: func(s *Settings) *KnobError {
			if s.QueueTimeout != 0 && !s.RateWait {
				return &KnobError{Knob: QueueTimeout, Msg: "only used with " + RateWait.Field + " (--" + RateWait.Flag + ")"}
			}
			return nil
		},
	}
)

// Models is every model, in the order --help and reports list them.
var Models = []Model{NetHTTP, Gin, Echo, Semaphore, LimitListener, Pool, FastHTTP, RateLimit, Codel, Deadline, Adaptive}

// Lookup finds a model by name.
func Lookup(name string) (Model, bool) {
	i := slices.IndexFunc(Models, func(m Model) bool { return m.Name == name })
	if i < 0 {
		return Model{}, false
	}
	return Models[i], true
}

// Names lists the models' names in order.
func Names() []string {
	names := make([]string, len(Models))
	for i, m := range Models {
		names[i] = m.Name
	}
	return names
}

// UsingKnob lists the names of the models that take k, in order.
func UsingKnob(k Knob) []string {
	var names []string
	for _, m := range Models {
		if m.Uses(k) {
			names = append(names, m.Name)
		}
	}
	return names
}
