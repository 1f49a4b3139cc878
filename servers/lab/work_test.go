package lab

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseWork(t *testing.T) {
	cfg := Config{Sleep: 2 * time.Second, MaxSleep: 10 * time.Second}
	for _, tc := range []struct {
		query string
		want  Work
		err   string
	}{
		{"id=7", Work{ID: "7", Sleep: 2 * time.Second}, ""},
		{"id=7&sleep=30ms&cpu=1.5", Work{ID: "7", Sleep: 30 * time.Millisecond, CPU: 1500 * time.Millisecond}, ""},
		{"sleep=10s", Work{Sleep: 10 * time.Second}, ""},
		{"sleep=0", Work{}, ""},
		{"sleep=10.5s", Work{}, "sleep: 10.5s is outside 0..10s (--max-sleep)"},
		{"sleep=11", Work{}, "sleep: 11 is outside 0..10s (--max-sleep)"},
		{"cpu=-1s", Work{}, "cpu: -1s is outside 0..10s (--max-sleep)"},
		{"sleep=NaN", Work{}, `sleep: "NaN" is not a duration (use 30s, 1m or seconds)`},
		{"sleep=1e300", Work{}, "sleep: 1e300 is outside 0..10s (--max-sleep)"},
		{"sleep=9999999999999h", Work{}, `sleep: "9999999999999h" is not a duration (use 30s, 1m or seconds)`},
		{"id=" + strings.Repeat("x", 129), Work{}, "id: longer than 128 bytes (129)"},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := ParseWork(q.Get, cfg)
		if tc.err != "" {
			var pe *ParseError
			if err == nil || err.Error() != tc.err || !errors.As(err, &pe) {
				t.Errorf("%s: err %v, want %q", tc.query, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.query, got, err, tc.want)
		}
	}
}

func TestPerformStopsWhenTheClientLeaves(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	slept, _, err := Perform(ctx, Work{Sleep: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second || slept > 5*time.Second {
		t.Errorf("slept %s, err %v", slept, err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, spun, err := Perform(ctx2, Work{CPU: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) || spun > 5*time.Second {
		t.Errorf("spun %s, err %v", spun, err)
	}
}

func TestProbeAcceptQueueOfAFreshListener(t *testing.T) {
	ln, err := Listen("listen", "127.0.0.1:0", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	q, err := ProbeAcceptQueue(ln)
	if err != nil || q != (AcceptQueue{Length: 0, Limit: 3}) {
		t.Errorf("got %+v, %v; want length 0, limit 3", q, err)
	}
}
