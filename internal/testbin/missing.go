package testbin

import (
	"os"
	"testing"
)

// SkipIntegration is the environment variable that lets a machine without
// the integration dependencies (Debian's prometheus and Python packages, a
// Docker engine) run the rest of the suite: `SKIP_INTEGRATION=1 make test`.
const SkipIntegration = "SKIP_INTEGRATION"

// Missing ends a test whose dependency is absent. It fails, naming what is
// missing and how to get it, so that `make test` never passes by silently
// skipping; only with SKIP_INTEGRATION set does it skip, and then
// `make test` lists the skipped tests in its last lines.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(SkipIntegration) != "" {
		t.Skip(SkipIntegration + " is set: " + what)
	}
	t.Fatal(what + " (`make deps` installs it; " + SkipIntegration + "=1 skips this test)")
}
