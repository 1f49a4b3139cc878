package lab

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"syscall"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/sysinfo"
)

// ServerConfig is the JSON of /config: the model and every limit in force.
// Model-specific fields are present only for the models that use them.
type ServerConfig struct {
	Model            string   `json:"model"`
	Listen           string   `json:"listen"`
	Limit            *int     `json:"limit,omitempty"`
	Queue            *int     `json:"queue,omitempty"`
	QueueTimeoutS    *float64 `json:"queue_timeout_s,omitempty"`
	Core             *int     `json:"core,omitempty"`
	Max              *int     `json:"max,omitempty"`
	Policy           string   `json:"policy,omitempty"`
	PoolKeepAliveS   *float64 `json:"pool_keepalive_s,omitempty"`
	Backlog          int      `json:"backlog"`
	BacklogRequested int      `json:"backlog_requested"`
	Somaxconn        int      `json:"somaxconn"`
	SleepS           float64  `json:"sleep_s"`
	CPUS             float64  `json:"cpu_s"`
	MaxSleepS        float64  `json:"max_sleep_s"`
	KeepAlive        bool     `json:"keepalive"`
	ReadHeaderTimeS  float64  `json:"read_header_timeout_s"`
	ReadTimeoutS     float64  `json:"read_timeout_s"`
	WriteTimeoutS    float64  `json:"write_timeout_s"`
	IdleTimeoutS     float64  `json:"idle_timeout_s"`
	GOMAXPROCS       int      `json:"gomaxprocs"`
	NumCPU           int      `json:"num_cpu"`
	NoFile           uint64   `json:"nofile"`
	// FDsAtStart is how many descriptors the process held once both
	// listeners were open, before any connection.
	FDsAtStart int    `json:"fds_at_start"`
	AccessLog  bool   `json:"access_log"`
	PID        int    `json:"pid"`
	Go         string `json:"go"`
}

// serverConfig describes the config in force for spec. backlog is the
// effective value read back from the kernel.
func serverConfig(c Config, spec Spec, listen string, backlog int) ServerConfig {
	sc := ServerConfig{
		Model: c.Model, Listen: listen,
		Backlog: backlog, BacklogRequested: c.Backlog, Somaxconn: sysinfo.Somaxconn(),
		SleepS: c.Sleep.Seconds(), CPUS: c.CPU.Seconds(), MaxSleepS: c.MaxSleep.Seconds(),
		KeepAlive: c.KeepAlive, ReadHeaderTimeS: c.ReadHeaderTimeout.Seconds(), ReadTimeoutS: c.ReadTimeout.Seconds(),
		WriteTimeoutS: c.WriteTimeout.Seconds(), IdleTimeoutS: c.IdleTimeout.Seconds(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), AccessLog: c.AccessLog,
		PID: os.Getpid(), Go: runtime.Version(),
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		sc.NoFile = rl.Cur
	}
	intp := func(v int) *int { return &v }
	secp := func(v float64) *float64 { return &v }
	if spec.Uses(catalog.Limit) {
		sc.Limit = intp(c.Limit)
	}
	if spec.Uses(catalog.Queue) {
		sc.Queue = intp(c.Queue)
	}
	if spec.Uses(catalog.QueueTimeout) {
		sc.QueueTimeoutS = secp(c.QueueTimeout.Seconds())
	}
	if spec.Uses(catalog.Core) {
		sc.Core = intp(c.Core)
	}
	if spec.Uses(catalog.Max) {
		sc.Max = intp(c.Max)
	}
	if spec.Uses(catalog.Policy) {
		sc.Policy = c.Policy
	}
	if spec.Uses(catalog.PoolKeepAlive) {
		sc.PoolKeepAliveS = secp(c.PoolKeepAlive.Seconds())
	}
	return sc
}

// adminHandler serves /metrics, /healthz and /config. It runs on its own
// listener so it can be scraped while the app listener is saturated.
func adminHandler(m *Metrics, sc ServerConfig) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sc)
	})
	return mux
}
