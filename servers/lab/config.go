package lab

import (
	"errors"
	"flag"
	"fmt"
	"io"
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

	// Settings are the model's knobs, one flag each (catalog.Knobs),
	// resolved for the model: given, defaulted or derived.
	catalog.Settings

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

// registerKnobs adds a flag for every knob of the catalogue.
func (c *Config) registerKnobs(fs *flag.FlagSet) {
	for _, k := range catalog.Knobs {
		k.Bind(fs, &c.Settings)
	}
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
	if err := c.validate(); err != nil {
		return spec, err
	}
	given := func(k catalog.Knob) bool { return c.set[k.Flag] }
	if err := spec.Resolve(&c.Settings, given); err != nil {
		return spec, flagerr.New(err.Knob.Flag, "%s", err.Msg)
	}
	return spec, nil
}

// validate checks the flags that are not knobs; Model.Resolve checks the
// knobs.
func (c *Config) validate() error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"sleep", c.Sleep}, {"cpu", c.CPU},
		{"read-header-timeout", c.ReadHeaderTimeout}, {"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout}, {"idle-timeout", c.IdleTimeout},
		{"max-sleep", c.MaxSleep}, {"shutdown-timeout", c.ShutdownTimeout},
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
	return nil
}

// checkUpperBounds refuses the counts that are not knobs above their documented maximum
// (catalog's bounds), before anything is allocated or cut to 32 bits.
func (c *Config) checkUpperBounds() error {
	for _, n := range []struct {
		flag   string
		v, max int
	}{
		{"backlog", c.Backlog, catalog.MaxBacklog}, {"gomaxprocs", c.GOMAXPROCS, catalog.MaxGOMAXPROCS},
		{"nofile", c.NoFile, catalog.MaxNoFile},
	} {
		if n.v > n.max {
			return flagerr.New(n.flag, "must be <= %d, got %d", n.max, n.v)
		}
	}
	return nil
}
