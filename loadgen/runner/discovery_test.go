package runner

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/conclab/conclab/loadgen/scenario"
)

// Prometheus's HTTP service discovery gets one group per server with an
// admin endpoint, labelled with its target; an empty list before the
// targets are up.
func TestDiscoveryListsEveryServerWithAnAdminEndpoint(t *testing.T) {
	var d serverDiscovery
	get := func() string {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest("GET", "/discovery/labservers", nil))
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	if got := get(); got != "[]" {
		t.Errorf("before the targets: %s, want []", got)
	}
	d.set([]*target{
		{spec: scenario.Target{Name: "sem"}, adminURL: "http://sem:9080"},
		{spec: scenario.Target{Name: "kernel-side"}},
		{spec: scenario.Target{Name: "local"}, adminURL: "http://127.0.0.1:40123"},
	})
	want := `[{"targets":["sem:9080"],"labels":{"target":"sem"}},{"targets":["127.0.0.1:40123"],"labels":{"target":"local"}}]`
	if got := get(); got != want {
		t.Errorf("discovery:\n got %s\nwant %s", got, want)
	}
}
