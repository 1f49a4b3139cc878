package stackfiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/ownedtar"
)

// Engine reaches the Docker engine through the docker command line, so
// that DOCKER_HOST and docker contexts apply as they do to compose.
type Engine struct {
	Docker string // the docker command: "docker"
	Image  string // the lab image, whose throwaway containers carry files in
}

// run runs docker with args and returns its standard output, trimmed. Its
// error holds docker's standard error.
func (e Engine) run(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.Docker, args...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return "", fmt.Errorf("%s %s: %w: %s", e.Docker, args[0], err, msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// Container returns the id of the container compose made for service in
// project, whether created, running or exited. Containers of `compose run`
// are not it.
func (e Engine) Container(ctx context.Context, project, service string) (string, error) {
	out, err := e.run(ctx, nil, "ps", "--all", "--quiet", "--no-trunc",
		"--filter", "label=com.docker.compose.project="+project,
		"--filter", "label=com.docker.compose.service="+service,
		"--filter", "label=com.docker.compose.oneoff=False")
	if err != nil {
		return "", err
	}
	ids := strings.Fields(out)
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("project %s has no container of service %s", project, service)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("project %s has %d containers of service %s, want one", project, len(ids), service)
}

// VolumeAt returns the name of the volume mounted at dir in the
// container.
func (e Engine) VolumeAt(ctx context.Context, container, dir string) (string, error) {
	out, err := e.run(ctx, nil, "inspect", "--format", "{{json .Mounts}}", container)
	if err != nil {
		return "", err
	}
	var mounts []struct {
		Type, Name, Destination string
	}
	if err := json.Unmarshal([]byte(out), &mounts); err != nil {
		return "", fmt.Errorf("docker inspect %s: mounts: %w", container, err)
	}
	for _, m := range mounts {
		if m.Destination == dir && m.Type == "volume" {
			return m.Name, nil
		}
	}
	return "", fmt.Errorf("container %.12s mounts no volume at %s", container, dir)
}

// lay lays the tree into source, a volume's name or a folder on the
// engine's machine (which the engine creates when missing), through a
// container of the lab image that mounts source at /<top> and is created,
// never started, and removed.
func (e Engine) lay(ctx context.Context, source string, t ownedtar.Tree) (err error) {
	stream, err := t.Tar(time.Now())
	if err != nil {
		return err
	}
	cid, err := e.run(ctx, nil, "create", "--network", "none", "--volume", source+":/"+t.Top, e.Image)
	if err != nil {
		return err
	}
	defer func() {
		if _, rmErr := e.run(context.WithoutCancel(ctx), nil, "rm", "--force", "--volumes", cid); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	_, err = e.run(ctx, bytes.NewReader(stream), "cp", "-", cid+":/")
	return err
}

// InstallSecrets copies each consumer's secrets from the folder into the
// volume its container of project mounts at SecretsMount: the files and
// the volume's root are the service user's, readable by it only. The
// containers must exist (compose up --no-start makes them).
func (e Engine) InstallSecrets(ctx context.Context, f Folder, project string) error {
	for _, c := range Consumers {
		t := ownedtar.Tree{Top: "secrets", UID: c.UID, GID: c.GID, DirMode: 0o500}
		for _, name := range c.Files {
			b, err := os.ReadFile(f.Path(name))
			if err != nil {
				return fmt.Errorf("%s: %w (make up writes it)", c.Service, err)
			}
			t.Files = append(t.Files, ownedtar.File{Name: name, Data: b})
		}
		cid, err := e.Container(ctx, project, c.Service)
		if err != nil {
			return err
		}
		vol, err := e.VolumeAt(ctx, cid, SecretsMount)
		if err != nil {
			return fmt.Errorf("service %s: %w", c.Service, err)
		}
		if err := e.lay(ctx, vol, t); err != nil {
			return fmt.Errorf("service %s: %w", c.Service, err)
		}
	}
	return nil
}

// PrepareResults gives the folder dir on the engine's machine (created
// there when missing) to uid:gid, mode 0755, so that loadgen running as
// that user can make its run folders in it. Only the folder itself
// changes, not what it holds.
func (e Engine) PrepareResults(ctx context.Context, dir string, uid, gid int) error {
	return e.lay(ctx, dir, ownedtar.Tree{Top: "results", UID: uid, GID: gid, DirMode: 0o755})
}
