package lab

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/flagerr"
)

// Config is every labserver flag.
type Config struct {
	Model  string // --model
	Listen string // --listen, the app address
	Admin  string // --admin, the address of /metrics, /healthz and /config

	Limit         int           // --limit: the model's main limit; 0 = the model's default
	Queue         int           // --queue: app-queue capacity; catalog.Unbounded (-1) or >= 0
	QueueTimeout  time.Duration // --queue-timeout: 0 = wait as long as the client does
	Order         string        // --order: which waiter a freed slot or worker takes: catalog.Orders
	Core          int           // --core: pool core workers
	Max           int           // --max: pool maximum workers; 0 = Core
	Policy        string        // --policy: pool rejection policy
	PoolKeepAlive time.Duration // --pool-keepalive: idle time before a worker above core exits

	Backlog int // --backlog: listen(2) backlog; 0 = somaxconn, as net.Listen does

	Sleep    time.Duration // --sleep: default sleep per request
	CPU      time.Duration // --cpu: default CPU spin per request
	MaxSleep time.Duration // --max-sleep: cap on sleep and cpu from a query

	ReadHeaderTimeout time.Duration // --read-header-timeout
	ReadTimeout       time.Duration // --read-timeout
	WriteTimeout      time.Duration // --write-timeout
	IdleTimeout       time.Duration // --idle-timeout
	KeepAlive         bool          // --keepalive: HTTP keep-alive
	ShutdownTimeout   time.Duration // --shutdown-timeout

	GOMAXPROCS int // --gomaxprocs: 0 = Go's default
	// NoFile lowers the process's open-file limit (RLIMIT_NOFILE), to
	// reach the fd ceiling with fewer connections; 0 keeps the limit.
	NoFile    int  // --nofile
	AccessLog bool // --access-log

	set map[string]bool // flags given on the command line
}

// ParseFlags reads args (without the program name) into a Config. Errors
// are one line, name the flag, and are *flagerr.Error where a flag is at fault.
// flag.ErrHelp is returned for -h.
func ParseFlags(args []string, specs []Spec, usage io.Writer) (Config, Spec, error) {
	var c Config
	fs := flag.NewFlagSet("labserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	fs.StringVar(&c.Model, "model", "", "concurrency model: "+strings.Join(names, ", "))
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "app address")
	fs.StringVar(&c.Admin, "admin", "127.0.0.1:9080", "admin address (/metrics, /healthz, /config)")
	c.registerKnobs(fs)
	fs.IntVar(&c.Backlog, "backlog", 0, "listen backlog (0 = net.core.somaxconn)")
	fs.DurationVar(&c.Sleep, "sleep", 0, "default sleep per request")
	fs.DurationVar(&c.CPU, "cpu", 0, "default CPU spin per request")
	fs.DurationVar(&c.MaxSleep, "max-sleep", time.Hour, "largest sleep or cpu a request may ask for")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "time to read request headers (0 = none)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 10*time.Second, "time to read the whole request, body included; the work is not cut (0 = none)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 0, "time from the end of the headers to the end of the response (0 = none; must exceed the longest sleep)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 120*time.Second, "keep-alive idle timeout")
	fs.BoolVar(&c.KeepAlive, "keepalive", true, "HTTP keep-alive")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 5*time.Second, "graceful shutdown budget on SIGTERM/SIGINT")
	fs.IntVar(&c.GOMAXPROCS, "gomaxprocs", 0, "GOMAXPROCS (0 = Go's default)")
	fs.IntVar(&c.NoFile, "nofile", 0, "lower the open-file limit to N, to reach the fd ceiling sooner (0 = keep it)")
	fs.BoolVar(&c.AccessLog, "access-log", false, "one log line per request on stderr")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if usage != nil {
				fs.SetOutput(usage)
				fmt.Fprintln(usage, "usage: labserver --model M [flags]")
				fs.PrintDefaults()
			}
			return c, Spec{}, err
		}
		return c, Spec{}, flagerr.OneLine(err)
	}
	if fs.NArg() > 0 {
		return c, Spec{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	spec, err := c.resolve(specs)
	return c, spec, err
}

// registerKnobs adds a flag for every knob of the catalogue, with the
// default a server applies.
func (c *Config) registerKnobs(fs *flag.FlagSet) {
	fs.IntVar(&c.Limit, catalog.Limit.Flag, 0, catalog.Limit.Help)
	fs.IntVar(&c.Queue, catalog.Queue.Flag, catalog.Unbounded, catalog.Queue.Help)
	fs.DurationVar(&c.QueueTimeout, catalog.QueueTimeout.Flag, 0, catalog.QueueTimeout.Help)
	fs.StringVar(&c.Order, catalog.Order.Flag, catalog.DefaultOrder, catalog.Order.Help)
	fs.IntVar(&c.Core, catalog.Core.Flag, 0, catalog.Core.Help)
	fs.IntVar(&c.Max, catalog.Max.Flag, 0, catalog.Max.Help)
	fs.StringVar(&c.Policy, catalog.Policy.Flag, catalog.DefaultPolicy, catalog.Policy.Help)
	fs.DurationVar(&c.PoolKeepAlive, catalog.PoolKeepAlive.Flag, catalog.DefaultPoolKeepAlive, catalog.PoolKeepAlive.Help)
}

// resolve checks the config against the chosen model and fills defaults.
func (c *Config) resolve(specs []Spec) (Spec, error) {
	var spec Spec
	names := make([]string, 0, len(specs))
	for _, s := range specs {
		names = append(names, s.Name)
		if s.Name == c.Model {
			spec = s
		}
	}
	if c.Model == "" {
		return spec, flagerr.New("model", "required: one of %s", strings.Join(names, ", "))
	}
	if spec.Name == "" {
		return spec, flagerr.New("model", "unknown model %q: one of %s", c.Model, strings.Join(names, ", "))
	}
	for _, k := range catalog.Knobs {
		if c.set[k.Flag] && !spec.Uses(k) {
			return spec, flagerr.New(k.Flag, "not used by model %s", spec.Name)
		}
	}
	if err := c.validate(spec); err != nil {
		return spec, err
	}
	if c.Limit == 0 {
		c.Limit = spec.DefaultLimit
	}
	if spec.Uses(catalog.Max) && c.Max == 0 {
		c.Max = c.Core
	}
	return spec, nil
}

func (c *Config) validate(spec Spec) error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{catalog.QueueTimeout.Flag, c.QueueTimeout}, {"sleep", c.Sleep}, {"cpu", c.CPU},
		{"read-header-timeout", c.ReadHeaderTimeout}, {"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout}, {"idle-timeout", c.IdleTimeout},
		{catalog.PoolKeepAlive.Flag, c.PoolKeepAlive}, {"max-sleep", c.MaxSleep}, {"shutdown-timeout", c.ShutdownTimeout},
	} {
		if d.v < 0 {
			return flagerr.New(d.flag, "must be >= 0, got %s", d.v)
		}
		if d.v > catalog.MaxDuration {
			return flagerr.New(d.flag, "must be <= %s, got %s", catalog.MaxDuration, d.v)
		}
	}
	if err := c.checkUpperBounds(); err != nil {
		return err
	}
	switch {
	case c.Limit < 0:
		return flagerr.New(catalog.Limit.Flag, "must be >= 1, got %d", c.Limit)
	case c.set[catalog.Limit.Flag] && c.Limit == 0:
		return flagerr.New(catalog.Limit.Flag, "must be >= 1, got 0")
	case c.Queue < catalog.Unbounded:
		return flagerr.New(catalog.Queue.Flag, "must be -1 (unbounded) or >= 0, got %d", c.Queue)
	case c.Backlog < 0:
		return flagerr.New("backlog", "must be >= 0, got %d", c.Backlog)
	case c.MaxSleep <= 0:
		return flagerr.New("max-sleep", "must be > 0, got %s", c.MaxSleep)
	case c.Sleep > c.MaxSleep:
		return flagerr.New("sleep", "%s exceeds --max-sleep %s", c.Sleep, c.MaxSleep)
	case c.CPU > c.MaxSleep:
		return flagerr.New("cpu", "%s exceeds --max-sleep %s", c.CPU, c.MaxSleep)
	case c.ShutdownTimeout <= 0:
		return flagerr.New("shutdown-timeout", "must be > 0, got %s", c.ShutdownTimeout)
	case c.GOMAXPROCS < 0:
		return flagerr.New("gomaxprocs", "must be >= 0, got %d", c.GOMAXPROCS)
	case c.NoFile < 0 || (c.set["nofile"] && c.NoFile < 32):
		return flagerr.New("nofile", "must be >= 32 (stdio, epoll and listeners need some), got %d", c.NoFile)
	case c.Listen == "":
		return flagerr.New("listen", "required")
	case c.Admin == "":
		return flagerr.New("admin", "required")
	}
	if spec.Uses(catalog.Order) && !slices.Contains(catalog.Orders, c.Order) {
		return flagerr.New(catalog.Order.Flag, "unknown order %q: one of %s", c.Order, strings.Join(catalog.Orders, ", "))
	}
	if spec.Uses(catalog.Core) {
		if c.Core < 1 {
			return flagerr.New(catalog.Core.Flag, "must be >= 1, got %d", c.Core)
		}
		if c.Max < 0 || (c.Max != 0 && c.Max < c.Core) {
			return flagerr.New(catalog.Max.Flag, "must be >= --core %d, got %d", c.Core, c.Max)
		}
		if !slices.Contains(catalog.Policies, c.Policy) {
			return flagerr.New(catalog.Policy.Flag, "unknown policy %q: one of %s", c.Policy, strings.Join(catalog.Policies, ", "))
		}
	}
	return nil
}

// checkUpperBounds refuses the counts above their documented maximum
// (catalog's bounds), before anything is allocated or cut to 32 bits.
func (c *Config) checkUpperBounds() error {
	for _, n := range []struct {
		flag   string
		v, max int
	}{
		{catalog.Limit.Flag, c.Limit, catalog.MaxCount}, {catalog.Queue.Flag, c.Queue, catalog.MaxCount},
		{catalog.Core.Flag, c.Core, catalog.MaxCount}, {catalog.Max.Flag, c.Max, catalog.MaxCount},
		{"backlog", c.Backlog, catalog.MaxBacklog}, {"gomaxprocs", c.GOMAXPROCS, catalog.MaxGOMAXPROCS},
		{"nofile", c.NoFile, catalog.MaxNoFile},
	} {
		if n.v > n.max {
			return flagerr.New(n.flag, "must be <= %d, got %d", n.max, n.v)
		}
	}
	return nil
}
