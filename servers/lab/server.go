package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/flagerr"
	"github.com/conclab/conclab/internal/sysinfo"
)

// Server is a running labserver: the app listener served by a model, and
// the admin listener.
type Server struct {
	Env    *Env
	Config adminapi.Config

	model   Model
	admin   *http.Server
	adminLn net.Listener
	served  chan error
	// Warnings are non-fatal findings at start, such as a backlog above
	// somaxconn.
	Warnings []string
}

// Start listens on both addresses and starts serving. logOut receives the
// access log when it is on.
func Start(c Config, spec Spec, logOut io.Writer) (*Server, error) {
	if c.GOMAXPROCS > 0 {
		runtime.GOMAXPROCS(c.GOMAXPROCS)
	}
	if c.NoFile > 0 {
		if err := lowerNoFile(uint64(c.NoFile)); err != nil {
			return nil, err
		}
	}
	var warnings []string
	if max := sysinfo.Somaxconn(); c.Backlog > max {
		warnings = append(warnings, fmt.Sprintf("--backlog %d is above %s %d: the kernel uses %d", c.Backlog, sysinfo.SomaxconnName, max, max))
	}
	ln, err := Listen("listen", c.Listen, c.Backlog)
	if err != nil {
		return nil, err
	}
	adminLn, err := net.Listen("tcp", c.Admin)
	if err != nil {
		ln.Close()
		return nil, listenError("admin", c.Admin, err)
	}
	limit, warning, err := backlogInForce(ln, c.Backlog)
	if err != nil {
		ln.Close()
		adminLn.Close()
		return nil, err
	}
	if warning != "" {
		warnings = append(warnings, warning)
	}
	sc := serverConfig(c, ln.Addr().String(), limit)
	m := NewMetrics(ln, serverInfoLabels(sc))
	if err := m.SynQueueErr(); err != nil {
		warnings = append(warnings, fmt.Sprintf("conclab_syn_queue_length is absent: %v", err))
	}
	env := &Env{Config: c, Metrics: m, Listener: ln, Passages: &Passages{}}
	if c.AccessLog {
		env.AccessLog = slog.New(slog.NewTextHandler(logOut, nil))
	}
	model, err := spec.New(env)
	if err != nil {
		ln.Close()
		adminLn.Close()
		m.Close()
		return nil, err
	}
	if sc.FDsAtStart, err = OpenFDs(); err != nil {
		// The fd ceiling's prediction rests on it, and off Linux there is
		// no prediction (docs/macos.md).
		if sysinfo.KernelViewFull {
			ln.Close()
			adminLn.Close()
			m.Close()
			return nil, fmt.Errorf("counting open files in %s: %w", fdDir, err)
		}
		warnings = append(warnings, fmt.Sprintf("fds_at_start is 0: counting open files in %s: %v", fdDir, err))
	}
	s := &Server{
		Env: env, Config: sc, model: model, adminLn: adminLn,
		admin:    &http.Server{Handler: adminHandler(m, sc, env.Passages), ReadHeaderTimeout: 5 * time.Second},
		served:   make(chan error, 1),
		Warnings: warnings,
	}
	go func() { s.served <- model.Serve(CountConnections(ln, m.Connections)) }()
	go func() { _ = s.admin.Serve(adminLn) }()
	return s, nil
}

// serverInfoLabels are conclab_server_info's labels: the model, its knobs
// but the durations (which /config gives), and what the server found.
func serverInfoLabels(sc adminapi.Config) map[string]string {
	l := map[string]string{
		"model":      sc.Model,
		"backlog":    strconv.Itoa(sc.Backlog),
		"gomaxprocs": strconv.Itoa(sc.GOMAXPROCS),
		"keepalive":  strconv.FormatBool(sc.KeepAlive),
	}
	model, _ := catalog.Lookup(sc.Model)
	for _, k := range model.Knobs {
		if k.Kind != catalog.Span {
			l[k.Field] = k.Format(&sc.Knobs)
		}
	}
	return l
}

// Addr is the app listener's address.
func (s *Server) Addr() string { return s.Config.Listen }

// AdminAddr is the admin listener's address.
func (s *Server) AdminAddr() string { return s.adminLn.Addr().String() }

// Done yields the model's Serve error (nil after a clean shutdown).
func (s *Server) Done() <-chan error { return s.served }

// Shutdown stops the model gracefully within ctx, then the admin listener.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.model.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("graceful shutdown took too long; connections closed: %w", err)
	}
	actx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if aerr := s.admin.Shutdown(actx); aerr != nil {
		_ = s.admin.Close()
	}
	_ = s.Env.Metrics.Close()
	return err
}

// lowerNoFile sets the soft RLIMIT_NOFILE to n; it may not exceed the hard
// limit, which an unprivileged process cannot raise.
func lowerNoFile(n uint64) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return flagerr.New("nofile", "getrlimit: %w", err)
	}
	if n > rl.Max {
		return flagerr.New("nofile", "%d is above the hard limit %d", n, rl.Max)
	}
	rl.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return flagerr.New("nofile", "setrlimit: %w", err)
	}
	return nil
}

// backlogInForce is the listener's backlog as the kernel reports it. Where
// the kernel view is partial (macOS) a failed probe is a warning, and the
// backlog is the one asked for, capped at somaxconn as listen(2) caps it;
// on Linux it is an error, since every figure rests on it.
func backlogInForce(ln *net.TCPListener, requested int) (limit int, warning string, err error) {
	q, err := ProbeAcceptQueue(ln)
	if err == nil {
		return q.Limit, "", nil
	}
	if sysinfo.KernelViewFull {
		return 0, "", fmt.Errorf("--listen: the listener's accept queue: %w", err)
	}
	limit = sysinfo.Somaxconn()
	if requested > 0 {
		limit = min(requested, limit)
	}
	return limit, fmt.Sprintf("the accept queue will show as \"-\": %v", err), nil
}
