package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/summary"
)

func TestPacingNote(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pacing   *summary.Pacing
		interval time.Duration
		want     string
	}{
		{"no sends", nil, time.Millisecond, ""},
		{"kept at 5000/s", &summary.Pacing{P50: 0.5, P99: 1.7, Max: 9}, 200 * time.Microsecond, ""},
		{"at the floor", &summary.Pacing{P99: 100, Max: 300}, 200 * time.Microsecond, ""},
		{"past the floor", &summary.Pacing{P50: 181, P99: 579, Max: 900}, 200 * time.Microsecond,
			"sends were p99 579 ms and at most 900 ms off it, more than 100ms"},
		{"within the interval at 2/s", &summary.Pacing{P99: 400, Max: 450}, 500 * time.Millisecond, ""},
		{"past the interval at 2/s", &summary.Pacing{P99: 501, Max: 700}, 500 * time.Millisecond,
			"sends were p99 501 ms and at most 700 ms off it, more than 500ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pacingNote(tc.pacing, tc.interval)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("pacingNote: %q, want %q", got, tc.want)
			}
		})
	}
}
