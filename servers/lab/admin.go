package lab

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/sysinfo"
)

// serverConfig describes the config in force. backlog is the
// effective value read back from the kernel.
func serverConfig(c Config, listen string, backlog int) adminapi.Config {
	sc := adminapi.Config{
		Model: c.Model, Listen: listen,
		Backlog: backlog, BacklogRequested: c.Backlog, Somaxconn: sysinfo.Somaxconn(),
		SleepS: c.Sleep.Seconds(), CPUS: c.CPU.Seconds(), MaxSleepS: c.MaxSleep.Seconds(),
		KeepAlive: c.KeepAlive, ReadHeaderTimeS: c.ReadHeaderTimeout.Seconds(), ReadTimeoutS: c.ReadTimeout.Seconds(),
		WriteTimeoutS: c.WriteTimeout.Seconds(), IdleTimeoutS: c.IdleTimeout.Seconds(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), AccessLog: c.AccessLog,
		PID: os.Getpid(), Go: runtime.Version(), NetNS: sysinfo.NetNS(),
		Knobs: c.Settings,
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		sc.NoFile = rl.Cur
	}
	return sc
}

// adminHandler serves /metrics, /healthz, /config and /passages. It runs
// on its own listener so it can be scraped while the app listener is
// saturated.
func adminHandler(m *Metrics, sc adminapi.Config, passages *Passages) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(adminapi.PathMetrics, promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc(adminapi.PathHealthz, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc(adminapi.PathConfig, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sc)
	})
	mux.HandleFunc(adminapi.PathPassages, func(w http.ResponseWriter, r *http.Request) {
		var since int64
		if v := r.URL.Query().Get(adminapi.SinceParam); v != "" {
			var err error
			if since, err = strconv.ParseInt(v, 10, 64); err != nil {
				http.Error(w, adminapi.SinceParam+": want Unix nanoseconds, got "+strconv.Quote(v), http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(passages.since(since))
	})
	return mux
}
