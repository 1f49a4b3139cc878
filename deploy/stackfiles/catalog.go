// Package stackfiles makes what the compose stack's observe profile needs
// but the lab image must not carry, because an image can be shared: the
// Grafana admin password, the password Prometheus asks for (basic auth),
// and Prometheus's web config holding its bcrypt hash. It keeps them in a
// git-ignored folder of the checkout (deploy/secrets) and copies them into
// the prometheus and grafana containers' secrets volumes through the
// engine's API, as it gives the results folder to loadgen's unprivileged
// user: no bind mount of the checkout, so a remote engine
// (DOCKER_HOST=ssh://…) works like a local one. deploy/README.md explains
// it; deploy/cmd/stackfiles is its command line, which `make up` runs.
package stackfiles

// SecretsMount is where the prometheus and grafana services of
// docker-compose.yml mount their secrets volume, read-only.
const SecretsMount = "/run/secrets"

// The files of the secrets folder. Each is one line.
const (
	// GrafanaAdminPassword is the password of Grafana's user admin.
	GrafanaAdminPassword = "grafana-admin-password"
	// PrometheusPassword is the password of PrometheusUser, which
	// Prometheus asks of every HTTP request: Grafana's datasource and
	// Prometheus's own scrape of itself send it.
	PrometheusPassword = "prometheus-password"
	// PrometheusWebConfig is Prometheus's --web.config.file: the user
	// and the bcrypt hash of PrometheusPassword. It is derived; the
	// passwords are what a person edits.
	PrometheusWebConfig = "prometheus-web.yml"
)

// PrometheusUser is the one user of Prometheus's basic auth.
const PrometheusUser = "conclab"

// Consumer is an observe service and the secrets it gets in its volume at
// SecretsMount, owned by the user its image runs as and readable by that
// user only.
type Consumer struct {
	Service  string
	UID, GID int
	Files    []string
}

// Consumers are the services of docker-compose.yml that mount a secrets
// volume. prom/prometheus runs as nobody (65534:65534); grafana/grafana as
// grafana (472), whose group is root (0).
var Consumers = []Consumer{
	{Service: "prometheus", UID: 65534, GID: 65534, Files: []string{PrometheusWebConfig, PrometheusPassword}},
	{Service: "grafana", UID: 472, GID: 0, Files: []string{GrafanaAdminPassword, PrometheusPassword}},
}

// ConsumerOf returns the consumer that is the named service.
func ConsumerOf(service string) (Consumer, bool) {
	for _, c := range Consumers {
		if c.Service == service {
			return c, true
		}
	}
	return Consumer{}, false
}
