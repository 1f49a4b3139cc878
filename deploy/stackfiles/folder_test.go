package stackfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"golang.org/x/crypto/bcrypt"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func hows(changes []Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, filepath.Base(c.File)+"="+c.How)
	}
	return strings.Join(s, " ")
}

// webHash is the bcrypt hash the web config holds for PrometheusUser.
func webHash(t *testing.T, f Folder) string {
	t.Helper()
	var cfg webConfig
	if err := yaml.Unmarshal([]byte(read(t, f.Path(PrometheusWebConfig))), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.BasicAuthUsers) != 1 || cfg.BasicAuthUsers[PrometheusUser] == "" {
		t.Fatalf("web config users %v, want only %s", cfg.BasicAuthUsers, PrometheusUser)
	}
	return cfg.BasicAuthUsers[PrometheusUser]
}

func TestTheFirstEnsureGeneratesBothPasswordsReadableByTheOwnerOnly(t *testing.T) {
	f := Folder(filepath.Join(t.TempDir(), "secrets"))
	changes, err := f.Ensure("")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hows(changes), "grafana-admin-password=generated prometheus-password=generated prometheus-web.yml=written"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	if m := mode(t, string(f)); m != 0o700 {
		t.Errorf("folder mode %v, want 0700", m)
	}
	passwords := map[string]string{}
	for _, name := range []string{GrafanaAdminPassword, PrometheusPassword, PrometheusWebConfig} {
		if m := mode(t, f.Path(name)); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, m)
		}
	}
	for _, name := range []string{GrafanaAdminPassword, PrometheusPassword} {
		p, err := f.Password(name)
		if err != nil {
			t.Fatal(err)
		}
		// rand.Text: 26 base32 characters, one line.
		if len(p) != 26 || read(t, f.Path(name)) != p+"\n" {
			t.Errorf("%s: %q, want 26 characters and a newline", name, read(t, f.Path(name)))
		}
		passwords[name] = p
	}
	if passwords[GrafanaAdminPassword] == passwords[PrometheusPassword] {
		t.Error("both passwords are the same")
	}
	if err := bcrypt.CompareHashAndPassword([]byte(webHash(t, f)), []byte(passwords[PrometheusPassword])); err != nil {
		t.Errorf("the web config's hash is not of the Prometheus password: %v", err)
	}
}

func TestALaterEnsureKeepsThePasswordsAndTheHash(t *testing.T) {
	f := Folder(t.TempDir())
	if _, err := f.Ensure(""); err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	for _, name := range []string{GrafanaAdminPassword, PrometheusPassword, PrometheusWebConfig} {
		before[name] = read(t, f.Path(name))
	}
	changes, err := f.Ensure("")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hows(changes), "grafana-admin-password=kept prometheus-password=kept prometheus-web.yml=kept"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	for name, b := range before {
		if read(t, f.Path(name)) != b {
			t.Errorf("%s changed", name)
		}
	}
}

func TestAPasswordChangedByHandOrByTheVariableTakesEffect(t *testing.T) {
	f := Folder(t.TempDir())
	if _, err := f.Ensure(""); err != nil {
		t.Fatal(err)
	}
	// A person edits the Prometheus password (with a newline, as editors
	// leave it, and looser permissions): the web config follows.
	if err := os.WriteFile(f.Path(PrometheusPassword), []byte("edited-by-hand-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changes, err := f.Ensure("Grafana-from-env-2")
	if err != nil {
		t.Fatal(err)
	}
	want := "grafana-admin-password=set from GRAFANA_ADMIN_PASSWORD prometheus-password=kept prometheus-web.yml=written"
	if got := hows(changes); got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(webHash(t, f)), []byte("edited-by-hand-1")); err != nil {
		t.Errorf("the web config does not follow the edited password: %v", err)
	}
	if got := read(t, f.Path(GrafanaAdminPassword)); got != "Grafana-from-env-2\n" {
		t.Errorf("grafana password file %q, want the variable's value", got)
	}
	if m := mode(t, f.Path(PrometheusPassword)); m != 0o600 {
		t.Errorf("edited file mode %v, want 0600 again", m)
	}
	// Without the variable, the stored one stays.
	if _, err := f.Ensure(""); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.Password(GrafanaAdminPassword); p != "Grafana-from-env-2" {
		t.Errorf("grafana password %q after a run without the variable, want the stored one", p)
	}
}

func TestAnUnusablePasswordIsRefusedNamingWhereItCameFrom(t *testing.T) {
	for _, c := range []struct {
		name, stored, env string
		want              string
	}{
		{"too short in the file", "short\n", "", "prometheus-password: a password needs at least 8 characters"},
		{"a dollar in the file", "pa$sword-long\n", "", "prometheus-password: a password may not hold spaces, control characters or '$'"},
		{"a space from the variable", "", "two words here", "GRAFANA_ADMIN_PASSWORD: a password may not hold spaces"},
		{"too short from the variable", "", "short", "GRAFANA_ADMIN_PASSWORD: a password needs at least 8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := Folder(t.TempDir())
			if c.stored != "" {
				if err := os.WriteFile(f.Path(PrometheusPassword), []byte(c.stored), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := f.Ensure(c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line with %q", err, c.want)
			}
			if c.stored != "" && read(t, f.Path(PrometheusPassword)) != c.stored {
				t.Error("the refused file was changed")
			}
		})
	}
}
