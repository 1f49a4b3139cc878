package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadInputGetsOneLineThatNamesItAndExitCode2(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"launch"}, `stackfiles launch: unknown command "launch"`},
		{[]string{"secrets", "-nosuch"}, "stackfiles secrets: --nosuch: unknown flag"},
		{[]string{"install-secrets", "-image", "conclab:local"}, "stackfiles install-secrets: --project: needs a value"},
		{[]string{"reset-grafana"}, "stackfiles reset-grafana: --project: needs a value"},
		{[]string{"prepare-results", "-image", "i", "-user", "nobody", "/r"}, `stackfiles prepare-results: --user: "nobody" is not UID:GID (two numbers)`},
		{[]string{"prepare-results", "-image", "i", "/r"}, "stackfiles prepare-results: --user: needs a value"},
		{[]string{"reset-grafana", "-project", "p", "-wait", "soon"}, `stackfiles reset-grafana: --wait: invalid value "soon": parse error`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, func(string) string { return "" }, &stdout, &stderr)
		first, _, _ := strings.Cut(stderr.String(), "\n")
		if code != 2 || first != c.want {
			t.Errorf("%v: exit %d, first line %q; want 2 and %q", c.args, code, first, c.want)
		}
	}
}

func TestSecretsSaysWhereEachFileIsAndWhatWasDone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	env := func(name string) string {
		if name == "GRAFANA_ADMIN_PASSWORD" {
			return "chosen-password"
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"secrets", "-dir", dir}, env, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "secrets: " + dir + "/grafana-admin-password (set from GRAFANA_ADMIN_PASSWORD)\n" +
		"secrets: " + dir + "/prometheus-password (generated)\n" +
		"secrets: " + dir + "/prometheus-web.yml (written)\n"
	if stdout.String() != want {
		t.Errorf("stdout\n%s\nwant\n%s", stdout.String(), want)
	}
	// A bad password in the folder is an error of its own: exit 1.
	stdout.Reset()
	code := run(context.Background(), []string{"secrets", "-dir", dir}, func(string) string { return "short" }, &stdout, &stderr)
	if code != 1 {
		t.Errorf("a short GRAFANA_ADMIN_PASSWORD: exit %d, want 1", code)
	}
}
