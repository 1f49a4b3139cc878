package lab

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseWork: any query gives a Work within the limits or a one-line
// ParseError, never a panic.
func FuzzParseWork(f *testing.F) {
	for _, q := range []string{"id=1&sleep=30s", "sleep=1e300", "cpu=-0", "sleep=NaN", "sleep=0x10", "id=%ff&sleep=1.5", "sleep=9223372036s"} {
		f.Add(q)
	}
	cfg := Config{Sleep: time.Second, MaxSleep: time.Hour}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		w, err := ParseWork(q.Get, cfg)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if w.Sleep < 0 || w.Sleep > cfg.MaxSleep || w.CPU < 0 || w.CPU > cfg.MaxSleep {
			t.Fatalf("%q: out-of-range work %+v", raw, w)
		}
	})
}
