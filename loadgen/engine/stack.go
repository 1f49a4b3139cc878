package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	labcontainer "github.com/conclab/conclab/loadgen/container"
)

// LabelRun is the label of every container and network of a run; its
// value is the run id. LabelRole says which container is loadgen's: a run
// whose loadgen container still runs is live, not left over.
const (
	LabelRun  = "io.conclab.run"
	LabelRole = "io.conclab.role"
)

// loadgenName is loadgen's container's host name, and its role.
const loadgenName = "loadgen"

// The limits of the run's containers, as the compose stack's defaults
// (docker-compose.yml, deploy/README.md).
const (
	labMemory     = 512 << 20
	loadgenMemory = 1 << 30
	nofile        = 20000
	labCPUs       = 1
	nobody        = "65534:65534"
)

// stack is what a run made on the engine: its network and containers.
type stack struct {
	cli        *client.Client
	runID      string
	network    string
	containers []string // ids, in creation order
	service    string   // the swarm workers' service id; "" without
}

// newStack creates the run's network: a bridge, or for a run whose
// workers are a swarm's, an overlay that the swarm's tasks and the run's
// own containers both attach to.
func newStack(ctx context.Context, cli *client.Client, runID string, swarm bool) (*stack, error) {
	st := &stack{cli: cli, runID: runID, network: "conclab-" + runID}
	opts := network.CreateOptions{Driver: "bridge", Labels: map[string]string{LabelRun: runID}}
	if swarm {
		opts.Driver, opts.Attachable = "overlay", true
	}
	if _, err := cli.NetworkCreate(ctx, st.network, opts); err != nil {
		return nil, fmt.Errorf("network %s: %w", st.network, err)
	}
	return st, nil
}

// box is one container of the stack as it is asked for.
type box struct {
	name      string // its host name on the run's network
	cmd       []string
	somaxconn int
	cpus      float64
	memory    int64
	volume    string   // where an anonymous volume is mounted; "" for none
	env       []string // the container's environment, beside the image's
	role      string   // LabelRole: loadgenName for a driver (loadgen, RunClients' clients), "server", "probe"
}

// create creates b on the run's network, hardened as every container of
// the lab image is, and returns its id.
func (st *stack) create(ctx context.Context, image string, b box) (string, error) {
	cfg := &container.Config{
		Image: image, Cmd: b.cmd, User: nobody, Env: b.env,
		Labels: map[string]string{LabelRun: st.runID, LabelRole: b.role},
	}
	host := &container.HostConfig{
		NetworkMode:    container.NetworkMode(st.network),
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges:true"},
		ReadonlyRootfs: true,
		Sysctls:        map[string]string{"net.core.somaxconn": fmt.Sprint(b.somaxconn)},
		Resources: container.Resources{
			Memory: b.memory, NanoCPUs: int64(b.cpus * 1e9),
			Ulimits: []*container.Ulimit{{Name: "nofile", Soft: nofile, Hard: nofile}},
		},
	}
	if b.volume != "" {
		host.Mounts = []mount.Mount{{Type: mount.TypeVolume, Target: b.volume}}
	}
	net := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		st.network: {Aliases: []string{b.name}},
	}}
	resp, err := st.cli.ContainerCreate(ctx, cfg, host, net, nil, st.network+"-"+b.name)
	if err != nil {
		return "", fmt.Errorf("container %s: %w", b.name, err)
	}
	st.containers = append(st.containers, resp.ID)
	return resp.ID, nil
}

// serverBox is the container of an embedded target.
func serverBox(spec labcontainer.Spec) box {
	cpus := float64(labCPUs)
	if spec.CPUs > 0 {
		cpus = float64(spec.CPUs)
	}
	return box{name: spec.Name, cmd: spec.Command, somaxconn: spec.Somaxconn, cpus: cpus, memory: labMemory, role: "server"}
}

// remove removes the run's containers (with their volumes) and network,
// even when ctx is done.
func (st *stack) remove(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	if err := st.removeService(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, id := range st.containers {
		if err := st.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", id, err))
		}
	}
	if err := st.cli.NetworkRemove(ctx, st.network); err != nil {
		errs = append(errs, fmt.Errorf("remove network %s: %w", st.network, err))
	} else if err := st.waitNetworkGone(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// waitNetworkGone waits until the run's network is gone: a swarm's
// overlay network goes a moment after its removal was accepted.
func (st *stack) waitNetworkGone(ctx context.Context) error {
	deadline := time.Now().Add(containersGoneWithin)
	for {
		_, err := st.cli.NetworkInspect(ctx, st.network, network.InspectOptions{})
		switch {
		case errdefs.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("network %s: %w", st.network, err)
		case time.Now().After(deadline):
			return fmt.Errorf("network %s was still there %s after its removal", st.network, containersGoneWithin)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// removeLeftovers removes the containers and networks of earlier runs
// that are over: runs whose loadgen container no longer runs (it ended,
// or never started), left behind by a loadgen that was killed. A run that
// is going, another loadgen's on the same engine, is left alone. It
// returns how many containers and networks it removed.
func removeLeftovers(ctx context.Context, cli *client.Client) (containers, networks int, err error) {
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelRun))})
	if err != nil {
		return 0, 0, fmt.Errorf("list leftover containers: %w", err)
	}
	live := map[string]bool{}
	for _, c := range list {
		if c.Labels[LabelRole] == loadgenName && c.State == container.StateRunning {
			live[c.Labels[LabelRun]] = true
		}
	}
	services, err := cli.ServiceList(ctx, swarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelRun))})
	if err != nil && !isNotSwarm(err) {
		return 0, 0, fmt.Errorf("list leftover services: %w", err)
	}
	for _, sv := range services {
		if live[sv.Spec.Labels[LabelRun]] {
			continue
		}
		if err := cli.ServiceRemove(ctx, sv.ID); err != nil {
			return 0, 0, fmt.Errorf("remove leftover service %s: %w", sv.Spec.Name, err)
		}
		if err := waitTasksGone(ctx, cli, sv.ID, sv.Spec.Name); err != nil {
			return 0, 0, err
		}
	}
	for _, c := range list {
		if live[c.Labels[LabelRun]] {
			continue
		}
		// A worker's container went with its service, above.
		if err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
			return containers, 0, fmt.Errorf("remove leftover container %.12s: %w", c.ID, err)
		}
		containers++
	}
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelRun))})
	if err != nil {
		return containers, 0, fmt.Errorf("list leftover networks: %w", err)
	}
	for _, n := range nets {
		if live[n.Labels[LabelRun]] {
			continue
		}
		if err := cli.NetworkRemove(ctx, n.ID); err != nil {
			return containers, networks, fmt.Errorf("remove leftover network %s: %w", n.Name, err)
		}
		networks++
	}
	return containers, networks, nil
}

// isNotSwarm is the engine's answer to a swarm request when it is not in
// a swarm: then there are no services to clean up.
func isNotSwarm(err error) bool {
	return errdefs.IsUnavailable(err) || strings.Contains(err.Error(), "not a swarm manager")
}
