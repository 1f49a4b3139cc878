package adminapi

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

func TestConfigGivesTheKnobsOfItsModelUnderTheirKeysAndReadsThemBack(t *testing.T) {
	pool := Config{Model: catalog.Pool.Name, Backlog: 8, Knobs: catalog.Settings{Queue: 10, Core: 3, Max: 5,
		Policy: catalog.PolicyDiscard, Order: catalog.OrderLIFO, PoolKeepAlive: 1500 * time.Millisecond}}
	data, err := json.Marshal(pool)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"queue": 10.0, "core": 3.0, "max": 5.0, "policy": "discard", "order": "lifo",
		"pool_keepalive_s": 1.5}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("%s = %v, want %v", k, fields[k], v)
		}
	}
	for _, k := range []string{"limit", "queue_timeout_s"} {
		if _, ok := fields[k]; ok {
			t.Errorf("a pool's /config has %s, a knob the pool does not take", k)
		}
	}
	var back Config
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back != pool {
		t.Errorf("read back %+v, want %+v", back, pool)
	}
}

func TestAConfigWithoutAKnobTakesItsDefault(t *testing.T) {
	var c Config
	if err := json.Unmarshal([]byte(`{"model":"semaphore","limit":7,"backlog":4}`), &c); err != nil {
		t.Fatal(err)
	}
	want := catalog.Settings{Limit: 7, Queue: catalog.Unbounded, Order: catalog.OrderFIFO, Processes: 1}
	if c.Knobs != want || c.Backlog != 4 {
		t.Errorf("knobs %+v backlog %d, want %+v and 4", c.Knobs, c.Backlog, want)
	}
}

func TestAModelWithoutKnobsHasNoneInItsConfig(t *testing.T) {
	data, err := json.Marshal(Config{Model: catalog.NetHTTP.Name})
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	keys := slices.Collect(maps.Keys(fields))
	for _, k := range catalog.Knobs {
		if slices.Contains(keys, k.ConfigKey()) {
			t.Errorf("nethttp's /config has knob %s", k.ConfigKey())
		}
	}
}
