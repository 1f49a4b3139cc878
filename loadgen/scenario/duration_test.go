package scenario

import (
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestDurationUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "800s", want: 800 * time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "800", want: 800 * time.Second},
		{in: "0.5", want: 500 * time.Millisecond},
		{in: "1e3", want: 1000 * time.Second},
		{in: "1.5e-3", want: 1500 * time.Microsecond},
		{in: "0", want: 0},
		{in: "-2", want: -2 * time.Second},
		{in: "1_000", want: 1000 * time.Second},
		{in: `"2s"`, want: 2 * time.Second},
		{in: "!!str 3s", want: 3 * time.Second}, // tags work here; Parse rejects them
		{in: "~", want: 0},
		{in: "fast", err: `must be a duration like "800s" or "1m30s", or a number of seconds, got "fast"`},
		{in: `"30"`, err: `must be a duration like "800s" or "1m30s", or a number of seconds, got "30"`},
		{in: "true", err: `must be a duration like "800s" or "1m30s", or a number of seconds, got true`},
		{in: "[1s]", err: `must be a duration like "800s" or "1m30s", or a number of seconds, got a list`},
		{in: "1e30", err: "out of range: 1e30 seconds"},
		{in: ".inf", err: `must be a duration like "800s" or "1m30s", or a number of seconds, got .inf`},
		{in: "99999999999999999999h", err: `must be a duration like "800s" or "1m30s", or a number of seconds, got "99999999999999999999h"`},
	}
	for _, tt := range tests {
		var v struct {
			D Duration `yaml:"d"`
		}
		err := yaml.Unmarshal([]byte("d: "+tt.in), &v)
		switch {
		case tt.err != "":
			if err == nil || libraryMessage(err) != tt.err {
				t.Errorf("%s: error %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.in, err)
		case time.Duration(v.D) != tt.want:
			t.Errorf("%s = %v, want %v", tt.in, time.Duration(v.D), tt.want)
		}
	}
}

func TestDurationMarshal(t *testing.T) {
	for _, d := range []time.Duration{0, time.Nanosecond, 1500 * time.Millisecond, 800 * time.Second, 1000 * time.Hour, -time.Second} {
		out, err := yaml.Marshal(map[string]Duration{"d": Duration(d)})
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]Duration
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatalf("%v: %v (%s)", d, err, out)
		}
		if time.Duration(back["d"]) != d {
			t.Errorf("%v → %q → %v", d, out, time.Duration(back["d"]))
		}
		if got := Duration(d).String(); got != d.String() {
			t.Errorf("String() = %q, want %q", got, d.String())
		}
	}
}
