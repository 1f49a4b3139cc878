package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// helperEnv makes the test binary, run again by these tests, act as a test
// whose dependency is missing.
const helperEnv = "CONCLAB_TESTBIN_MISSING_HELPER"

// TestHelperWithAMissingDependency does nothing unless the tests below run
// it; it returns rather than skips, so that make test's list of skipped
// tests holds only real ones.
func TestHelperWithAMissingDependency(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	Missing(t, "frobnicator not installed")
}

func runHelper(t *testing.T, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWithAMissingDependency$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, helperEnv+"=1")...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestAMissingDependencyFailsTheTestAndSaysHowToInstallIt(t *testing.T) {
	t.Setenv(SkipIntegration, "")
	os.Unsetenv(SkipIntegration)
	out, err := runHelper(t)
	if err == nil {
		t.Fatalf("the test passed; output:\n%s", out)
	}
	for _, want := range []string{"--- FAIL", "frobnicator not installed", "`make deps` installs it", "SKIP_INTEGRATION=1 skips"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAMissingDependencySkipsTheTestWhenSkipIntegrationIsSet(t *testing.T) {
	out, err := runHelper(t, SkipIntegration+"=1")
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	if !strings.Contains(out, "--- SKIP") || !strings.Contains(out, "SKIP_INTEGRATION is set: frobnicator not installed") {
		t.Errorf("no skip with its reason:\n%s", out)
	}
}

// makeTest is what `make test` would run, without running it.
func makeTest(t *testing.T, env ...string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--dry-run", "--no-print-directory", "test")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make --dry-run test: %v\n%s", err, out)
	}
	return string(out)
}

func TestMakeTestInstallsTheIntegrationDependenciesBeforeTheTests(t *testing.T) {
	out := makeTest(t, SkipIntegration+"=")
	deps := strings.Index(out, "bash deploy/ci-install.sh")
	python := strings.Index(out, "bash external/ci-install.sh")
	tests := strings.Index(out, "gotestsum")
	if deps < 0 || python < 0 || tests < 0 || deps > tests || python > tests {
		t.Errorf("make test does not install both dependency sets before the tests:\n%s", out)
	}
}

func TestMakeTestWithSkipIntegrationInstallsNothingAndListsSkips(t *testing.T) {
	out := makeTest(t, SkipIntegration+"=1")
	if strings.Contains(out, "ci-install.sh") {
		t.Errorf("make test installs dependencies although SKIP_INTEGRATION is set:\n%s", out)
	}
	if !strings.Contains(out, "gotestsum") {
		t.Errorf("the tests do not run through gotestsum, which lists the skipped tests:\n%s", out)
	}
}
