package runner

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/kernelside"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/verdict"
	"github.com/conclab/conclab/loadgen/workload"
)

// startTargets starts (or describes) every target at once. The targets
// that did start are returned with the error, for the caller to stop.
func (r *run) startTargets(ctx context.Context) error {
	r.targets = make([]*target, len(r.s.Targets))
	errs := make([]error, len(r.s.Targets))
	var wg sync.WaitGroup
	for i, spec := range r.s.Targets {
		r.targets[i] = &target{spec: spec}
		wg.Go(func() {
			if err := r.startTarget(ctx, r.targets[i]); err != nil {
				errs[i] = fmt.Errorf("target %s: %w", spec.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startTarget starts t's labserver or command, or describes its url, and
// opens its kernel-side measurement when it has one.
func (r *run) startTarget(ctx context.Context, t *target) error {
	spec := t.spec
	switch {
	case !spec.External() && r.opt.Services:
		return r.findService(ctx, t)
	case !spec.External():
		l, err := launch.StartLabserver(ctx, r.opt.Labserver, launch.LabserverArgs(r.s, spec)...)
		if err != nil {
			return err
		}
		t.url, t.config, t.proc = l.URL, l.Config, l.Process
		if !spec.AdminIgnored() {
			t.adminURL = l.AdminURL
		}
		return t.openSide(func() []int { return []int{l.PID()} })
	case spec.Command != "":
		return r.startCommand(ctx, t)
	}
	t.url = spec.URL
	if err := t.openSide(nil); err != nil {
		return err
	}
	return t.describe(ctx, r.s)
}

// findService finds an embedded target's server as the container named
// after it, waits until it answers /config, and checks that it is the
// target's.
func (r *run) findService(ctx context.Context, t *target) error {
	admin := container.AdminURL(t.spec.Name)
	cfg, err := launch.WaitConfig(ctx, admin, nil)
	if err != nil {
		return fmt.Errorf("%w (is the stack up? loadgen compose writes it)", err)
	}
	if err := container.Check(t.spec, cfg, longestAsk(r.sched)); err != nil {
		return fmt.Errorf("%s: %w; write the stack from this scenario at this scale again (loadgen compose --scale)", admin, err)
	}
	t.url, t.adminURL, t.config = container.AppURL(t.spec.Name), admin, cfg
	return nil
}

// longestAsk is the longest sleep or CPU work that one request of the
// schedule asks for: what a server's max-sleep caps.
func longestAsk(sched *workload.Schedule) time.Duration {
	var m time.Duration
	for _, parts := range [][]time.Duration{sched.Sleep, sched.CPU} {
		if len(parts) > 0 {
			m = max(m, slices.Max(parts))
		}
	}
	return m
}

// openSide opens the kernel-side measurement of a target that has one.
func (t *target) openSide(roots func() []int) error {
	if !t.spec.KernelSide() {
		return nil
	}
	port, err := urlPort(t.url)
	if err != nil {
		return err
	}
	t.side, err = kernelside.Open(t.spec, port, roots)
	return err
}

// describe gives a url or command target its config: its own /config when
// it has an admin endpoint, or one made up from its like: model.
func (t *target) describe(ctx context.Context, s *scenario.Scenario) error {
	switch admin := strings.TrimRight(t.spec.AdminURL(), "/"); {
	case admin != "":
		cfg, err := adminapi.Fetch(ctx, launch.AdminClient, admin)
		if err != nil {
			return fmt.Errorf("admin %s: %w", t.spec.Admin, err)
		}
		t.adminURL, t.config = admin, cfg
	case t.spec.Like != "":
		as := t.spec
		as.Model = t.spec.Like
		t.config = verdict.ScenarioConfig(s, as, verdict.Host{Somaxconn: sysinfo.Somaxconn()})
		t.config.Like = true
		if backlog := t.side.Backlog(); backlog > 0 {
			t.config.Backlog = backlog
		}
	}
	return nil
}

// startCommand runs a command target on its port. A port picked for
// {port} that turns out to be taken (by another target starting at the
// same time) is picked again, up to three times.
func (r *run) startCommand(ctx context.Context, t *target) error {
	pick := strings.Contains(t.spec.URL, scenario.PortPlaceholder)
	var err error
	for range 3 {
		var inUse bool
		if inUse, err = r.startCommandOnce(ctx, t); err == nil || !pick || !inUse {
			return err
		}
	}
	return err
}

// startCommandOnce is one attempt of startCommand; inUse says whether the
// port was taken, so that another may help.
func (r *run) startCommandOnce(ctx context.Context, t *target) (inUse bool, err error) {
	spec := t.spec
	port := ""
	if strings.Contains(spec.URL, scenario.PortPlaceholder) {
		p, err := launch.PickPort()
		if err != nil {
			return false, err
		}
		port = strconv.Itoa(p)
	}
	t.url = strings.ReplaceAll(spec.URL, scenario.PortPlaceholder, port)
	p, err := urlPort(t.url)
	if err != nil {
		return false, err
	}
	if port == "" {
		port = strconv.Itoa(p)
	}
	t.proc, err = launch.StartCommand(ctx, strings.ReplaceAll(spec.Command, scenario.PortPlaceholder, port), p)
	if err != nil {
		return errors.Is(err, launch.ErrPortInUse), err
	}
	shell := t.proc.PID()
	if err = t.openSide(func() []int { return []int{shell} }); err == nil {
		err = t.describe(ctx, r.s)
	}
	if err != nil {
		t.stop()
		t.proc, t.side = nil, nil
	}
	return false, err
}

// urlPort is the TCP port of an http URL (80 when it names none).
func urlPort(raw string) (int, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, err
	}
	port := u.Port()
	if port == "" {
		return 80, nil // http's default
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("url %s: bad port %q", raw, port)
	}
	return p, nil
}
