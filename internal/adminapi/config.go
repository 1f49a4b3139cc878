// Package adminapi is the contract of a labserver's admin address, which
// labserver serves and loadgen reads: the paths it answers and the JSON of
// /config, the model and every limit in force.
package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// The admin address's paths.
const (
	PathMetrics = "/metrics"
	PathHealthz = "/healthz"
	PathConfig  = "/config"
)

// Config is the JSON of /config. The knobs are present only for the models
// that take them, each under its catalog.Knob.ConfigKey.
type Config struct {
	Model string `json:"model"`
	// Like is set on the config that loadgen makes up for an external
	// target (like: MODEL): the model's limits as the scenario gives them,
	// and the backlog the kernel reports; no server reported it.
	Like   bool   `json:"like,omitempty"`
	Listen string `json:"listen"`
	// Knobs are the model's settings in force; those of other models are
	// zero and left out of the JSON.
	Knobs            catalog.Settings `json:"-"`
	Backlog          int              `json:"backlog"`
	BacklogRequested int              `json:"backlog_requested"`
	Somaxconn        int              `json:"somaxconn"`
	SleepS           float64          `json:"sleep_s"`
	CPUS             float64          `json:"cpu_s"`
	MaxSleepS        float64          `json:"max_sleep_s"`
	KeepAlive        bool             `json:"keepalive"`
	ReadHeaderTimeS  float64          `json:"read_header_timeout_s"`
	ReadTimeoutS     float64          `json:"read_timeout_s"`
	WriteTimeoutS    float64          `json:"write_timeout_s"`
	IdleTimeoutS     float64          `json:"idle_timeout_s"`
	GOMAXPROCS       int              `json:"gomaxprocs"`
	NumCPU           int              `json:"num_cpu"`
	NoFile           uint64           `json:"nofile"`
	// FDsAtStart is how many descriptors the process held once both
	// listeners were open, before any connection.
	FDsAtStart int    `json:"fds_at_start"`
	AccessLog  bool   `json:"access_log"`
	PID        int    `json:"pid"`
	Go         string `json:"go"`
	// NetNS names the server's network namespace (sysinfo.NetNS, such as
	// "net:[4026531840]"); empty when it could not be read. A reader in
	// the same namespace knows the TcpExt counters it sees are shared.
	NetNS string `json:"netns,omitempty"`
}

// Seconds turns one of the config's second counts into a duration; nil is 0.
func Seconds(s *float64) time.Duration {
	if s == nil {
		return 0
	}
	// Rounded: a duration sent through float seconds can come back 1 ns
	// short, which would move a simulated event off its instant.
	return time.Duration(math.Round(*s * float64(time.Second)))
}

// Fetch reads base's /config within two seconds, or ctx.
func Fetch(ctx context.Context, client *http.Client, base string) (*Config, error) {
	var c Config
	if err := getJSON(ctx, client, base, PathConfig, 2*time.Second, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// getJSON decodes the JSON answer to a GET of base+path into v, within
// limit, or ctx.
func getJSON(ctx context.Context, client *http.Client, base, path string, limit time.Duration, v any) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
