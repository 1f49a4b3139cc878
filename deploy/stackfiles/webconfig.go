package stackfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/goccy/go-yaml"
	"golang.org/x/crypto/bcrypt"
)

// webConfig is the part of Prometheus's web configuration file
// (--web.config.file) that the stack sets: basic auth for one user.
type webConfig struct {
	BasicAuthUsers map[string]string `yaml:"basic_auth_users"`
}

const webConfigHeader = `# Prometheus's --web.config.file, written by deploy/cmd/stackfiles (make up)
# from prometheus-password: edit that file, not this one. Every HTTP request
# to Prometheus must carry this user and that password (basic auth).
`

// ensureWebConfig writes the web config at path for password, unless the
// file there already holds a hash of that password: bcrypt salts every
// hash, so a new one on each make up would change the file for nothing.
func ensureWebConfig(path, password string) (string, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var cfg webConfig
		if yaml.Unmarshal(b, &cfg) == nil && len(cfg.BasicAuthUsers) == 1 {
			if h, ok := cfg.BasicAuthUsers[PrometheusUser]; ok &&
				bcrypt.CompareHashAndPassword([]byte(h), []byte(password)) == nil {
				return "kept", os.Chmod(path, 0o600)
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("bcrypt: %w", err)
	}
	// The bcrypt alphabet ($, ., /, letters, digits) needs no escaping in
	// a double-quoted YAML string.
	content := fmt.Sprintf("%sbasic_auth_users:\n  %s: \"%s\"\n", webConfigHeader, PrometheusUser, hash)
	if err := atomicfile.WritePrivate(path, []byte(content)); err != nil {
		return "", err
	}
	return "written", nil
}
