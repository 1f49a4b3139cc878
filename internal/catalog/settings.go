package catalog

import "time"

// Settings holds a value for every knob: what a server runs with, what a
// scenario's target asks for, and what the prediction assumes. A model
// reads the knobs it takes; the others stay at their zero value.
//
// Each field's yaml tag is its knob's scenario field, and the knob's flag
// and /config key are derived from it (see [Knob]), so that a knob's name
// is written here and nowhere else. Adding a knob means a field here and a
// [Knob] in Knobs.
type Settings struct {
	Limit          int           `yaml:"limit"`
	Queue          int           `yaml:"queue"`
	QueueTimeout   time.Duration `yaml:"queue_timeout"`
	Order          string        `yaml:"order"`
	Core           int           `yaml:"core"`
	Max            int           `yaml:"max"`
	MaxConnections int           `yaml:"max_connections"`
	Policy         string        `yaml:"policy"`
	PoolKeepAlive  time.Duration `yaml:"pool_keepalive"`
	TokenRate      float64       `yaml:"token_rate"`
	Burst          int           `yaml:"burst"`
	RateWait       bool          `yaml:"rate_wait"`
	CodelTarget    time.Duration `yaml:"codel_target"`
	CodelInterval  time.Duration `yaml:"codel_interval"`
	Limiter        string        `yaml:"limiter"`
	InitialLimit   int           `yaml:"initial_limit"`
	MinLimit       int           `yaml:"min_limit"`
	MaxLimit       int           `yaml:"max_limit"`
	Processes      int           `yaml:"processes"`
}
