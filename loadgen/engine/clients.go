package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/conclab/conclab/internal/ownedtar"
	labcontainer "github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/scenario"
)

// What a client container's volume holds: the program and each client's
// input in the inbox, and each client's output in the results folder.
const clientProgramFile = "program"

// clientFile is client i's input or output file (kind "input" or
// "output"), i from 0.
func clientFile(kind string, i int) string { return fmt.Sprintf("%s-%d", kind, i+1) }

// serversReadyWithin bounds how long RunClients waits for the servers to
// answer.
const serversReadyWithin = 30 * time.Second

// ClientsOptions are what RunClients needs: the servers, as a scenario's
// embedded targets, and a client program that brings its own way of
// sending (make perf's vegeta command line).
type ClientsOptions struct {
	// Scenario's embedded targets become the servers, as in Run.
	Scenario *scenario.Scenario
	// Image is the lab image, for the servers and the clients' containers.
	Image string
	// Program is the client: a static Linux executable for the engine's
	// platform (the lab image is FROM scratch, with no C library). A copy
	// runs per server.
	Program []byte
	// Args are the program's arguments for the server at url: it reads
	// input, which holds Input(url), and writes output, both paths in its
	// container.
	Args  func(url, input, output string) []string
	Input func(url string) []byte
	// Together runs every client in one container, with the budget of
	// loadgen's (its CPUs and memory, one cgroup's CPU weight), as one
	// loadgen process sends to every target; else each client gets a
	// container, and that budget, of its own.
	Together bool
	// RunID labels the containers and network, as a Run's.
	RunID string
	// Stderr, when set, is told of what earlier runs left and this one
	// removed.
	Stderr io.Writer
}

// clientProc is one client process: its container, and its exec when it
// shares the container with the others.
type clientProc struct {
	name      string // its server's target
	container string
	cmd       []string // its command as an exec; nil when it is its container's own process
	exec      string   // the exec's id, once created
	output    string
}

// RunClients starts a server per embedded target on a network of its own,
// waits until each answers, then starts a client per server, all at once,
// in containers of the lab image as hardened as loadgen's and with
// loadgen's CPUs and memory: one per client, or one for all
// (opt.Together). It returns each client's output, in the order of the
// scenario's targets. A client that exits non-zero fails the run, with its
// last line of output when it had a container of its own. err is a
// *BadInput when the run was refused before anything was created.
// Whatever happens, the containers and network are removed.
func RunClients(ctx context.Context, opt ClientsOptions) (outputs [][]byte, err error) {
	cli, st, cpus, err := openRun(ctx, runOpening{scenario: opt.Scenario, image: opt.Image, runID: opt.RunID,
		check: func(info system.Info, host string) error { return checkProgram(info, host, opt.Program) }, stderr: opt.Stderr})
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	defer func() {
		if rmErr := st.remove(ctx); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	if err := st.waitServers(ctx, opt.Scenario, opt.Image); err != nil {
		return nil, err
	}
	clients, err := st.createClients(ctx, opt, cpus)
	if err != nil {
		return nil, err
	}
	if err := st.startClients(ctx, clients); err != nil {
		return nil, err
	}
	return st.clientOutputs(ctx, clients, st.waitClients(ctx, clients))
}

// CheckClients refuses, with a *BadInput, what RunClients would refuse
// of the engine before it creates anything: no engine answering, an image
// that is not on it, a client program that cannot run there (nil skips
// that check). It creates nothing.
func CheckClients(ctx context.Context, image string, program []byte) error {
	var check func(system.Info, string) error
	if program != nil {
		check = func(info system.Info, host string) error { return checkProgram(info, host, program) }
	}
	cli, err := checkEngine(ctx, image, check)
	if err != nil {
		return err
	}
	cli.Close()
	return nil
}

// checkProgram refuses a client program that cannot run in a container of
// the lab image on this engine: one that is not a Linux executable, one
// that needs a C library, or one built for another architecture.
func checkProgram(info system.Info, host string, program []byte) error {
	f, err := elf.NewFile(bytes.NewReader(program))
	if err != nil {
		return &BadInput{fmt.Sprintf("the client program is not a Linux executable: %v", err)}
	}
	defer f.Close()
	want := map[string]elf.Machine{"x86_64": elf.EM_X86_64, "amd64": elf.EM_X86_64,
		"aarch64": elf.EM_AARCH64, "arm64": elf.EM_AARCH64}[info.Architecture]
	if want != 0 && f.Machine != want {
		return &BadInput{fmt.Sprintf("the client program is built for %s, and the engine at %s runs %s",
			f.Machine, host, info.Architecture)}
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return &BadInput{"the client program is dynamically linked, and the lab image has no C library: build it with CGO_ENABLED=0"}
		}
	}
	return nil
}

// waitServers waits until every server answers its health check, asked
// from a container on the run's network, as a client there reaches it.
func (st *stack) waitServers(ctx context.Context, s *scenario.Scenario, image string) error {
	deadline := time.Now().Add(serversReadyWithin)
	for _, t := range s.Targets {
		url := labcontainer.AdminURL(t.Name) + "/healthz"
		for {
			code, err := st.runOnce(ctx, image, box{name: "probe", cmd: []string{"/bin/healthcheck", url},
				somaxconn: labcontainer.DefaultSomaxconn, cpus: 1, memory: labMemory, role: "probe"})
			if err != nil {
				return err
			}
			if code == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("server %s did not answer %s within %s", t.Name, url, serversReadyWithin)
			}
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// runOnce creates b, runs it to its end, removes it, and returns its exit
// code.
func (st *stack) runOnce(ctx context.Context, image string, b box) (int, error) {
	id, err := st.create(ctx, image, b)
	if err != nil {
		return 0, err
	}
	defer func() {
		// Once it is gone, the stack's removal has nothing left to do.
		if st.cli.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true}) == nil {
			if i := slices.Index(st.containers, id); i >= 0 {
				st.containers = slices.Delete(st.containers, i, i+1)
			}
		}
	}()
	if err := st.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return 0, fmt.Errorf("start %s: %w", b.name, err)
	}
	return st.exitCode(ctx, id)
}

// exitCode waits for the container to end and returns its exit code.
func (st *stack) exitCode(ctx context.Context, id string) (int, error) {
	waitCh, errCh := st.cli.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case res := <-waitCh:
		if res.Error != nil {
			return 0, fmt.Errorf("container %.12s: %s", id, res.Error.Message)
		}
		return int(res.StatusCode), nil
	case err := <-errCh:
		return 0, fmt.Errorf("wait for container %.12s: %w", id, err)
	}
}

// clientKeeper is the first process of the container that the clients
// share: a labserver that nothing sends to, which keeps the container up
// until the last client's exec has ended, since the lab image has no
// shell to wait with.
var clientKeeper = []string{"/bin/labserver", "--model=nethttp", "--listen=127.0.0.1:18080", "--admin=127.0.0.1:19080"}

// createClients creates the clients' containers, a container per client
// or one for all (opt.Together), each with the program and every input in
// its volume, and returns the clients.
func (st *stack) createClients(ctx context.Context, opt ClientsOptions, cpus float64) ([]clientProc, error) {
	program := path.Join(inboxDir, inDir, clientProgramFile)
	inbox := ownedtar.Tree{Top: inDir, UID: 65534, GID: 65534, DirMode: 0o500,
		Files: []ownedtar.File{{Name: clientProgramFile, Data: opt.Program, Exec: true}}}
	clients := make([]clientProc, len(opt.Scenario.Targets))
	for i, t := range opt.Scenario.Targets {
		url := labcontainer.AppURL(t.Name)
		input := clientFile("input", i)
		output := path.Join(inboxDir, resultsDir, clientFile("output", i))
		inbox.Files = append(inbox.Files, ownedtar.File{Name: input, Data: opt.Input(url)})
		cmd := append([]string{program}, opt.Args(url, path.Join(inboxDir, inDir, input), output)...)
		clients[i] = clientProc{name: t.Name, cmd: cmd, output: output}
	}
	trees := []ownedtar.Tree{inbox, {Top: resultsDir, UID: 65534, GID: 65534, DirMode: 0o755}}
	if opt.Together {
		id, err := st.createClientBox(ctx, opt.Image, "clients", clientKeeper, cpus, trees)
		if err != nil {
			return nil, err
		}
		for i := range clients {
			clients[i].container = id
		}
		return clients, nil
	}
	for i, c := range clients {
		id, err := st.createClientBox(ctx, opt.Image, "client-"+c.name, c.cmd, cpus, trees)
		if err != nil {
			return nil, err
		}
		clients[i].container, clients[i].cmd = id, nil // the container's own process
	}
	return clients, nil
}

// createClientBox creates a container for clients, with loadgen's budget
// and the trees copied into its volume, and returns its id.
func (st *stack) createClientBox(ctx context.Context, image, name string, cmd []string, cpus float64, trees []ownedtar.Tree) (string, error) {
	id, err := st.create(ctx, image, box{name: name, cmd: cmd, somaxconn: labcontainer.DefaultSomaxconn,
		cpus: cpus, memory: loadgenMemory, volume: inboxDir,
		role: loadgenName}) // a driver, as loadgen is: a run that is going
	if err != nil {
		return "", err
	}
	for _, tree := range trees {
		files, err := tree.Tar(time.Now())
		if err != nil {
			return "", fmt.Errorf("%s's archive: %w", name, err)
		}
		if err := st.cli.CopyToContainer(ctx, id, inboxDir, bytes.NewReader(files), container.CopyToContainerOptions{}); err != nil {
			return "", fmt.Errorf("copy %s's %s in: %w", name, tree.Top, err)
		}
	}
	return id, nil
}

// startClients starts every client, as nearly at once as the engine
// lets: the containers, or the shared container and then each client as
// an exec in it, created once the container runs (the engine refuses an
// exec before) and started after all are created.
func (st *stack) startClients(ctx context.Context, clients []clientProc) error {
	started := map[string]bool{}
	for _, c := range clients {
		if !started[c.container] {
			if err := st.cli.ContainerStart(ctx, c.container, container.StartOptions{}); err != nil {
				return fmt.Errorf("start client %s: %w", c.name, err)
			}
			started[c.container] = true
		}
	}
	for i, c := range clients {
		if c.cmd == nil {
			continue
		}
		resp, err := st.cli.ContainerExecCreate(ctx, c.container, container.ExecOptions{User: nobody, Cmd: c.cmd})
		if err != nil {
			return fmt.Errorf("client %s: %w", c.name, err)
		}
		clients[i].exec = resp.ID
	}
	for _, c := range clients {
		if c.exec == "" {
			continue
		}
		if err := st.cli.ContainerExecStart(ctx, c.exec, container.ExecStartOptions{Detach: true}); err != nil {
			return fmt.Errorf("start client %s: %w", c.name, err)
		}
	}
	return nil
}

// waitClients waits for every client to end and returns what each ended
// with: nil for exit 0.
func (st *stack) waitClients(ctx context.Context, clients []clientProc) []error {
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var code int
			var err error
			if c.exec == "" {
				code, err = st.exitCode(ctx, c.container)
			} else {
				code, err = st.execExitCode(ctx, c.exec)
			}
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("client %s: %w", c.name, err)
			case code != 0 && c.exec == "":
				errs[i] = fmt.Errorf("client %s exited %d: %s", c.name, code, st.lastLine(ctx, c.container))
			case code != 0:
				errs[i] = fmt.Errorf("client %s exited %d", c.name, code)
			}
		}()
	}
	wg.Wait()
	return errs
}

// execExitCode waits for an exec to end and returns its exit code. The
// engine tells an exec's end only when asked, so it asks every 100 ms.
func (st *stack) execExitCode(ctx context.Context, id string) (int, error) {
	for {
		inspect, err := st.cli.ContainerExecInspect(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("exec %.12s: %w", id, err)
		}
		if !inspect.Running {
			return inspect.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// clientOutputs copies each client's output out, of those that ended
// well (errs[i] nil), and joins every error.
func (st *stack) clientOutputs(ctx context.Context, clients []clientProc, errs []error) ([][]byte, error) {
	outputs := make([][]byte, len(clients))
	for i, c := range clients {
		if errs[i] != nil {
			continue
		}
		if outputs[i], errs[i] = st.copyFile(ctx, c.container, c.output); errs[i] != nil {
			errs[i] = fmt.Errorf("client %s: %w", c.name, errs[i])
		}
	}
	return outputs, errors.Join(errs...)
}

// lastLine is the last line that the container wrote.
func (st *stack) lastLine(ctx context.Context, id string) string {
	logs, err := st.cli.ContainerLogs(context.WithoutCancel(ctx), id,
		container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "5"})
	if err != nil {
		return fmt.Sprintf("(its output: %v)", err)
	}
	defer logs.Close()
	var out bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &out, logs)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; last != "" {
		return last
	}
	return "(it wrote nothing)"
}

// copyFile is the content of the container's file at p.
func (st *stack) copyFile(ctx context.Context, id, p string) ([]byte, error) {
	rc, _, err := st.cli.CopyFromContainer(context.WithoutCancel(ctx), id, p)
	if err != nil {
		return nil, fmt.Errorf("copy %s out: %w", p, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("copy %s out: no file in the archive", p)
		}
		if err != nil {
			return nil, fmt.Errorf("copy %s out: %w", p, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}
