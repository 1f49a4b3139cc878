package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/cli/cli/connhelper"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// pingWithin bounds how long the engine may take to answer.
const pingWithin = 10 * time.Second

// engineConn is a client of the engine, and what reaching it took.
type engineConn struct {
	*client.Client
	// sshControl is the control socket of the ssh connection that every
	// request to an ssh:// engine goes through; "" for other engines.
	sshControl string
}

// connect returns a client of the engine that DOCKER_HOST (or the local
// socket) names, once it has answered, or a *BadInput that says why not.
// An ssh:// engine is reached as the docker CLI reaches it, through
// `ssh HOST docker system dial-stdio` (docker/cli's connection helper),
// every dial multiplexed over one ssh connection, so that a stock sshd
// (MaxStartups 10) never sees a burst of logins.
func connect(ctx context.Context) (*engineConn, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	conn := &engineConn{}
	if host := os.Getenv(client.EnvOverrideHost); strings.HasPrefix(host, "ssh://") {
		dir, err := os.MkdirTemp("", "conclab-ssh-")
		if err != nil {
			return nil, fmt.Errorf("the ssh control socket's folder: %w", err)
		}
		conn.sshControl = filepath.Join(dir, "control")
		helper, err := connhelper.GetConnectionHelperWithSSHOpts(host, []string{
			"-o", "ControlMaster=auto", "-o", "ControlPath=" + conn.sshControl, "-o", "ControlPersist=10s",
			"-o", "BatchMode=yes"})
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, &BadInput{fmt.Sprintf("--docker: DOCKER_HOST %s: %v", host, err)}
		}
		opts = append(opts, client.WithHost(helper.Host), client.WithDialContext(helper.Dialer))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		conn.closeSSH()
		return nil, &BadInput{fmt.Sprintf("--docker: DOCKER_HOST: %v", err)}
	}
	conn.Client = cli
	ctx, cancel := context.WithTimeout(ctx, pingWithin)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		conn.Close()
		return nil, &BadInput{fmt.Sprintf("--docker: no Docker engine answers at %s: %v", conn.host(), oneLine(err))}
	}
	return conn, nil
}

// host names the engine as DOCKER_HOST does.
func (c *engineConn) host() string {
	if h := os.Getenv(client.EnvOverrideHost); h != "" {
		return h
	}
	return c.DaemonHost()
}

// Close closes the client and ends the ssh connection.
func (c *engineConn) Close() {
	if c.Client != nil {
		_ = c.Client.Close()
	}
	c.closeSSH()
}

// closeSSH ends the ssh connection's master and removes its socket's
// folder.
func (c *engineConn) closeSSH() {
	if c.sshControl == "" {
		return
	}
	_ = exec.Command("ssh", "-o", "ControlPath="+c.sshControl, "-O", "exit", "conclab-engine").Run()
	_ = os.RemoveAll(filepath.Dir(c.sshControl))
}

// oneLine is err's message on one line: ssh's stderr can span several.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// checkEngine connects to the engine that DOCKER_HOST names and refuses,
// as a *BadInput, an image that is not on it and what check refuses of
// the engine's information (nil checks nothing more). The caller closes
// the connection.
func checkEngine(ctx context.Context, image string, check func(info system.Info, host string) error) (*engineConn, error) {
	cli, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkImage(ctx, cli, image); err != nil {
		cli.Close()
		return nil, err
	}
	if check == nil {
		return cli, nil
	}
	info, err := cli.Info(ctx)
	if err == nil {
		err = check(info, cli.host())
	} else {
		err = fmt.Errorf("engine info: %w", err)
	}
	if err != nil {
		cli.Close()
		return nil, err
	}
	return cli, nil
}

// checkImage refuses an image that is not on the engine: runs never pull.
func checkImage(ctx context.Context, cli *engineConn, image string) error {
	_, err := cli.ImageInspect(ctx, image)
	switch {
	case errdefs.IsNotFound(err):
		return &BadInput{fmt.Sprintf("--image: %s is not on the engine at %s: build it with make images (runs never pull)", image, cli.host())}
	case err != nil:
		return fmt.Errorf("--image: %s: %w", image, err)
	}
	return nil
}
