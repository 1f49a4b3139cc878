package adminapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// plainConfig is Config without its JSON methods.
type plainConfig Config

// MarshalJSON writes the config with the knobs of its model first.
func (c Config) MarshalJSON() ([]byte, error) {
	rest, err := json.Marshal(plainConfig(c))
	if err != nil {
		return nil, err
	}
	model, _ := catalog.Lookup(c.Model)
	var b bytes.Buffer
	b.WriteByte('{')
	for _, k := range model.Knobs {
		v := k.Get(&c.Knobs)
		if d, ok := v.(time.Duration); ok {
			v = d.Seconds()
		}
		val, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k.ConfigKey(), err)
		}
		fmt.Fprintf(&b, "%q:%s,", k.ConfigKey(), val)
	}
	b.Write(rest[1:])
	return b.Bytes(), nil
}

// UnmarshalJSON reads a config, and every knob whose key it holds; the
// model's other knobs take their defaults.
func (c *Config) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, (*plainConfig)(c)); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	// A knob that an older labserver left out has its default.
	if model, ok := catalog.Lookup(c.Model); ok {
		c.Knobs = model.Defaults()
	}
	for _, k := range catalog.Knobs {
		raw, ok := fields[k.ConfigKey()]
		if !ok {
			continue
		}
		if err := setKnob(&c.Knobs, k, raw); err != nil {
			return fmt.Errorf("%s: %w", k.ConfigKey(), err)
		}
	}
	return nil
}

// setKnob decodes raw, the knob's JSON value, into s.
func setKnob(s *catalog.Settings, k catalog.Knob, raw json.RawMessage) error {
	switch k.Kind {
	case catalog.Span:
		var secs float64
		if err := json.Unmarshal(raw, &secs); err != nil {
			return err
		}
		k.Set(s, Seconds(&secs))
	case catalog.Count:
		return setAs[int](s, k, raw)
	case catalog.Rate:
		return setAs[float64](s, k, raw)
	case catalog.Switch:
		return setAs[bool](s, k, raw)
	default:
		return setAs[string](s, k, raw)
	}
	return nil
}

// setAs decodes raw as a T into the knob's field of s.
func setAs[T any](s *catalog.Settings, k catalog.Knob, raw json.RawMessage) error {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	k.Set(s, v)
	return nil
}
