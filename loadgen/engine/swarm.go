package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"

	labcontainer "github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/hub"
)

// workerRole is LabelRole of a swarm worker's container.
const workerRole = "worker"

// hubURL is where the workers find loadgen's hub, on the run's network.
var hubURL = fmt.Sprintf("http://%s:%d", loadgenName, labcontainer.HubPort)

// checkSwarm refuses --workers swarm:N on an engine that is not a swarm
// manager: only a manager deploys services.
func checkSwarm(info system.Info, host string, n int) error {
	sw := info.Swarm
	switch {
	case sw.LocalNodeState != swarm.LocalNodeStateActive:
		return &BadInput{fmt.Sprintf("--workers swarm:%d: the engine at %s is not in a swarm (%s): make it one with "+
			"docker swarm init, or join it to one as a manager (deploy/README.md)", n, host, sw.LocalNodeState)}
	case !sw.ControlAvailable:
		return &BadInput{fmt.Sprintf("--workers swarm:%d: the engine at %s is a swarm worker, not a manager: "+
			"point DOCKER_HOST at a manager", n, host)}
	}
	return nil
}

// startWorkers deploys the run's opt.Workers workers as a swarm service on
// the run's network, placed as opt.WorkerConstraints say. Each takes its share from its task's
// slot; none is restarted, since a restarted worker would send its share
// again.
func (st *stack) startWorkers(ctx context.Context, opt Options) error {
	replicas := uint64(opt.Workers)
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: st.serviceName(), Labels: map[string]string{LabelRun: st.runID}},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image: opt.Image, Labels: map[string]string{LabelRun: st.runID, LabelRole: workerRole},
				Command: []string{"/bin/loadgen", "worker", "--hub", hubURL},
				Env:     []string{hub.SlotEnv + "={{.Task.Slot}}"},
				User:    nobody, ReadOnly: true, CapabilityDrop: []string{"ALL"},
				Ulimits: []*container.Ulimit{{Name: "nofile", Soft: nofile, Hard: nofile}},
			},
			Resources:     &swarm.ResourceRequirements{Limits: &swarm.Limit{MemoryBytes: loadgenMemory}},
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
			Placement:     &swarm.Placement{Constraints: opt.WorkerConstraints},
			Networks:      []swarm.NetworkAttachmentConfig{{Target: st.network, Aliases: []string{workerRole}}},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
	}
	// No registry query: the image is on the nodes already (runs never
	// pull), and a registry may not be reachable.
	resp, err := st.cli.ServiceCreate(ctx, spec, swarm.ServiceCreateOptions{})
	if err != nil {
		return fmt.Errorf("the workers' service: %w", err)
	}
	st.service = resp.ID
	return nil
}

// watchWorkers says on w how the workers' tasks fare, from the swarm's
// view: where they run, and why one is not placed or failed, until ctx is
// done.
func (st *stack) watchWorkers(ctx context.Context, w io.Writer) {
	seen := map[string]string{} // task id: its last state and message
	said := false
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		tasks, err := st.cli.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", st.service))})
		if err == nil {
			said = st.sayTasks(ctx, w, tasks, seen, said)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sayTasks says what changed among the tasks: a task that is not placed,
// failed or was rejected, with the swarm's reason; and, once, where they
// all run. It returns whether that was said.
func (st *stack) sayTasks(ctx context.Context, w io.Writer, tasks []swarm.Task, seen map[string]string, said bool) bool {
	for _, t := range tasks {
		state := fmt.Sprintf("%s: %s", t.Status.State, t.Status.Err)
		if seen[t.ID] == state {
			continue
		}
		seen[t.ID] = state
		if t.Status.Err != "" {
			fmt.Fprintf(w, "loadgen: worker %d: %s: %s\n", t.Slot, t.Status.State, t.Status.Err)
		}
	}
	if said {
		return true
	}
	running := map[string]int{} // per node
	for _, t := range tasks {
		if t.Status.State == swarm.TaskStateRunning {
			running[st.nodeName(ctx, t.NodeID)]++
		}
	}
	n := 0
	var where []string
	for node, c := range running {
		n += c
		where = append(where, fmt.Sprintf("%d on %s", c, node))
	}
	if n == 0 || n < len(tasks) {
		return false
	}
	sort.Strings(where)
	fmt.Fprintf(w, "loadgen: %d workers running: %s\n", n, strings.Join(where, ", "))
	return true
}

// nodeName is the host name of the swarm node id, or its id.
func (st *stack) nodeName(ctx context.Context, id string) string {
	if node, _, err := st.cli.NodeInspectWithRaw(ctx, id); err == nil && node.Description.Hostname != "" {
		return node.Description.Hostname
	}
	return id
}

// removeService removes the workers' service and waits until its tasks
// are gone, on every node, so that the network can go too.
func (st *stack) removeService(ctx context.Context) error {
	if st.service == "" {
		return nil
	}
	if err := st.cli.ServiceRemove(ctx, st.service); err != nil {
		return fmt.Errorf("remove the workers' service: %w", err)
	}
	return waitTasksGone(ctx, st.cli, st.service, st.serviceName())
}

// serviceName is the workers' service's name.
func (st *stack) serviceName() string { return st.network + "-workers" }

// waitTasksGone waits until the removed service (id, name) has no task
// left: the swarm drops a task once its container is gone, on whichever
// node. A removed service's tasks are found by their names, service.N,
// since the service filter no longer knows it.
func waitTasksGone(ctx context.Context, cli *client.Client, id, name string) error {
	deadline := time.Now().Add(containersGoneWithin)
	for {
		tasks, err := cli.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
		if err != nil {
			return fmt.Errorf("list the workers' tasks: %w", err)
		}
		tasks = slices.DeleteFunc(tasks, func(t swarm.Task) bool { return t.ServiceID != id })
		// The swarm may drop a task a moment before its container goes:
		// this engine's own must be gone too, for the network's sake.
		local, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
			filters.Arg("label", LabelRole+"="+workerRole), filters.Arg("label", "com.docker.swarm.service.id="+id))})
		if err != nil {
			return fmt.Errorf("list the workers' containers: %w", err)
		}
		if len(tasks) == 0 && len(local) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of the workers' tasks were still there %s after their service was removed", len(tasks), containersGoneWithin)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// containersGoneWithin bounds the wait for a removed service's containers.
const containersGoneWithin = time.Minute
