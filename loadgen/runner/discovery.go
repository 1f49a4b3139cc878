package runner

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync/atomic"
)

// sdGroup is one target group of Prometheus's HTTP service discovery.
type sdGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// serverDiscovery answers container.DiscoveryPath on loadgen's metrics
// address, so that a Prometheus beside any stack scrapes exactly the run's
// servers, each labelled with its target: an empty list until the run's
// targets are up, then one group per target with an admin endpoint.
type serverDiscovery struct {
	body atomic.Pointer[[]byte]
}

// set publishes the admin endpoints of the run's targets.
func (d *serverDiscovery) set(targets []*target) {
	groups := []sdGroup{}
	for _, t := range targets {
		u, err := url.Parse(t.adminURL)
		if t.adminURL == "" || err != nil {
			continue
		}
		groups = append(groups, sdGroup{Targets: []string{u.Host}, Labels: map[string]string{"target": t.spec.Name}})
	}
	b, _ := json.Marshal(groups) // strings only: cannot fail
	d.body.Store(&b)
}

func (d *serverDiscovery) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	body := []byte("[]")
	if b := d.body.Load(); b != nil {
		body = *b
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
