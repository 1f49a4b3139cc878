package stackfiles

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/conclab/conclab/internal/atomicfile"
)

// GrafanaPasswordEnv names the variable that, when set, replaces the
// stored Grafana admin password.
const GrafanaPasswordEnv = "GRAFANA_ADMIN_PASSWORD"

// minPasswordLen is the shortest password Ensure accepts. Grafana refuses
// fewer than 4 characters; 8 keeps a typed one from being trivial.
const minPasswordLen = 8

// Folder is the secrets folder on this machine: deploy/secrets for make.
// It is git-ignored; the folder is readable by its owner only.
type Folder string

// Path is the path of one file of the folder.
func (f Folder) Path(name string) string { return filepath.Join(string(f), name) }

// Change says what Ensure did to one file: "generated", "kept", or "set
// from GRAFANA_ADMIN_PASSWORD".
type Change struct {
	File string
	How  string
}

// Ensure makes the folder hold both passwords, generating each one that
// is missing, and a web config that matches the Prometheus password.
// grafanaPassword, when not empty, replaces the stored Grafana admin
// password (GRAFANA_ADMIN_PASSWORD). A stored password that a person has
// edited is kept when it is valid and refused otherwise, naming its file.
func (f Folder) Ensure(grafanaPassword string) ([]Change, error) {
	if err := os.MkdirAll(string(f), 0o700); err != nil {
		return nil, fmt.Errorf("secrets folder: %w", err)
	}
	if err := os.Chmod(string(f), 0o700); err != nil {
		return nil, fmt.Errorf("secrets folder: %w", err)
	}
	var changes []Change
	grafana := Change{File: f.Path(GrafanaAdminPassword)}
	if grafanaPassword != "" {
		if err := checkPassword(grafanaPassword); err != nil {
			return nil, fmt.Errorf("%s: %w", GrafanaPasswordEnv, err)
		}
		if err := atomicfile.WritePrivate(grafana.File, []byte(grafanaPassword+"\n")); err != nil {
			return nil, err
		}
		grafana.How = "set from " + GrafanaPasswordEnv
	} else {
		how, err := ensurePassword(grafana.File)
		if err != nil {
			return nil, err
		}
		grafana.How = how
	}
	changes = append(changes, grafana)

	prom := Change{File: f.Path(PrometheusPassword)}
	how, err := ensurePassword(prom.File)
	if err != nil {
		return nil, err
	}
	prom.How = how
	changes = append(changes, prom)

	password, err := f.Password(PrometheusPassword)
	if err != nil {
		return nil, err
	}
	web := Change{File: f.Path(PrometheusWebConfig)}
	if web.How, err = ensureWebConfig(web.File, password); err != nil {
		return nil, err
	}
	return append(changes, web), nil
}

// Password reads one stored password: the file's first line, which must
// be a valid password.
func (f Folder) Password(name string) (string, error) {
	path := f.Path(name)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	p := strings.TrimRight(string(b), "\r\n")
	if err := checkPassword(p); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ensurePassword generates the password file at path when it is missing,
// and otherwise checks it and makes it readable by its owner only.
func ensurePassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// 26 base32 characters: 130 random bits, nothing to quote.
		return "generated", atomicfile.WritePrivate(path, []byte(rand.Text()+"\n"))
	}
	if err != nil {
		return "", err
	}
	if err := checkPassword(strings.TrimRight(string(b), "\r\n")); err != nil {
		return "", fmt.Errorf("%s: %w (fix it, or delete it to get a new one)", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", err
	}
	return "kept", nil
}

// checkPassword accepts one line of at least minPasswordLen printable
// characters without spaces and without '$': Grafana expands $NAME in its
// provisioning files, where the Prometheus password is read.
func checkPassword(p string) error {
	if len([]rune(p)) < minPasswordLen {
		return fmt.Errorf("a password needs at least %d characters", minPasswordLen)
	}
	for _, r := range p {
		if r == '$' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("a password may not hold spaces, control characters or '$' (found %q)", r)
		}
	}
	return nil
}
