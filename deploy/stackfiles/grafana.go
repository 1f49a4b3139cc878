package stackfiles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ResetGrafanaPassword sets the password of Grafana's admin to the stored
// one with Grafana's own command line in the running container (`grafana
// cli admin reset-admin-password --password-from-stdin`, so the password
// never shows in a process list). Grafana applies
// GF_SECURITY_ADMIN_PASSWORD only when it creates its database, which
// lives in a volume that make down keeps; without this a changed password
// would never take effect. It retries until Grafana has opened its
// database, for at most wait.
func (e Engine) ResetGrafanaPassword(ctx context.Context, f Folder, project string, wait time.Duration) error {
	password, err := f.Password(GrafanaAdminPassword)
	if err != nil {
		return err
	}
	cid, err := e.Container(ctx, project, "grafana")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for {
		running, err := e.run(ctx, nil, "inspect", "--format", "{{.State.Running}}", cid)
		if err != nil {
			return err
		}
		if running != "true" {
			return fmt.Errorf("grafana's container %.12s is not running (docker logs %.12s)", cid, cid)
		}
		_, err = e.run(ctx, strings.NewReader(password+"\n"), "exec", "--interactive", cid,
			"grafana", "cli", "admin", "reset-admin-password", "--password-from-stdin")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("grafana: admin password not reset within %s: %w", wait, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(2 * time.Second):
		}
	}
}
