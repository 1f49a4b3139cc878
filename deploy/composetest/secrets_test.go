package composetest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/deploy/stackfiles"
)

// TestEachObserveServiceGetsItsOwnSecretsThroughTheEngine does what make
// up does before it starts Prometheus and Grafana: stackfiles secrets,
// compose up --no-start of the observe profile, stackfiles
// install-secrets. The pinned observe images cannot be pulled here, so an
// override file gives prometheus and grafana the lab image; their volumes
// and mounts are docker-compose.yml's. Each container's /run/secrets must
// then hold exactly its own files, with the stored content, owned by the
// user its real image runs as and readable by that user only.
func TestEachObserveServiceGetsItsOwnSecretsThroughTheEngine(t *testing.T) {
	tool := requireCompose(t)
	root := deploytest.Root(t)
	id := randomID(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, tag := buildImage(ctx, t, root, id, time.Now())

	secrets := filepath.Join(t.TempDir(), "secrets")
	stackfilesCmd(ctx, t, bin, "secrets", "-dir", secrets)

	override := filepath.Join(t.TempDir(), "observe-override.yml")
	body := fmt.Sprintf("services:\n  prometheus:\n    image: %[1]s\n    pull_policy: never\n"+
		"  grafana:\n    image: %[1]s\n    pull_policy: never\n", tag)
	if err := os.WriteFile(override, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, tool: tool, project: "conclabtest" + id,
		files: []string{filepath.Join(root, "docker-compose.yml"), override},
		env:   []string{"CONCLAB_IMAGE=" + tag}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		c := s.cmd(ctx, "--profile", "observe", "down", "-v", "--remove-orphans", "-t", "5")
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("compose down: %v\n%s", err, out)
		}
	})
	s.run(ctx, "--profile", "observe", "up", "--no-start", "config", "prometheus", "grafana")
	stackfilesCmd(ctx, t, bin, "install-secrets", "-dir", secrets, "-project", s.project, "-image", tag)

	folder := stackfiles.Folder(secrets)
	for _, c := range stackfiles.Consumers {
		cid := strings.TrimSpace(string(dockerOut(ctx, t, "ps", "--all", "--quiet",
			"--filter", "label=com.docker.compose.project="+s.project,
			"--filter", "label=com.docker.compose.service="+c.Service)))
		got := readTar(t, dockerOut(ctx, t, "cp", cid+":"+stackfiles.SecretsMount, "-"))
		top := path.Base(stackfiles.SecretsMount)
		want := []string{fmt.Sprintf("%s/ dir 500 %d:%d", top, c.UID, c.GID)}
		for _, name := range c.Files {
			b, err := os.ReadFile(folder.Path(name))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprintf("%s/%s file 400 %d:%d %q", top, name, c.UID, c.GID, b))
		}
		slices.Sort(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("service %s: %s holds\n  %s\nwant\n  %s", c.Service, stackfiles.SecretsMount,
				strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}

	// Grafana's password is reset only in a running Grafana: a stopped
	// container is an error that names it, not a wait.
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "stackfiles"), "reset-grafana",
		"-dir", secrets, "-project", s.project).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is not running") {
		t.Errorf("reset-grafana on a container that is not running: %v\n%s", err, out)
	}
}

// dockerOut runs docker and returns its standard output.
func dockerOut(ctx context.Context, t *testing.T, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	c := exec.CommandContext(ctx, "docker", args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// readTar lists a tar stream, one line per entry: name, kind, mode,
// owner and, for files, the content; sorted.
func readTar(t *testing.T, b []byte) []string {
	t.Helper()
	r := tar.NewReader(bytes.NewReader(b))
	var out []string
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s dir %o %d:%d", h.Name, h.Mode&0o7777, h.Uid, h.Gid)
		if h.Typeflag != tar.TypeDir {
			body, _ := io.ReadAll(r)
			line = fmt.Sprintf("%s file %o %d:%d %q", h.Name, h.Mode&0o7777, h.Uid, h.Gid, body)
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}
