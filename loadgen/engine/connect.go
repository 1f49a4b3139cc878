package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// pingWithin bounds how long the engine may take to answer.
const pingWithin = 10 * time.Second

// connect returns a client of the engine that DOCKER_HOST (or the local
// socket) names, once it has answered, or a *BadInput that says why not.
func connect(ctx context.Context) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, &BadInput{fmt.Sprintf("--docker: DOCKER_HOST: %v", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, pingWithin)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		_ = cli.Close()
		return nil, &BadInput{fmt.Sprintf("--docker: no Docker engine answers at %s: %v", cli.DaemonHost(), err)}
	}
	return cli, nil
}

// checkImage refuses an image that is not on the engine: runs never pull.
func checkImage(ctx context.Context, cli *client.Client, image string) error {
	_, err := cli.ImageInspect(ctx, image)
	switch {
	case errdefs.IsNotFound(err):
		return &BadInput{fmt.Sprintf("--image: %s is not on the engine at %s: build it with make images (runs never pull)", image, cli.DaemonHost())}
	case err != nil:
		return fmt.Errorf("--image: %s: %w", image, err)
	}
	return nil
}
