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
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/conclab/conclab/internal/ownedtar"
	labcontainer "github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/scenario"
)

// What a client container's volume holds: the program in the inbox, the
// input it reads there, and the output it writes in the results folder.
const (
	clientProgramFile = "program"
	clientInputFile   = "input"
	clientOutputFile  = "output"
)

// ClientInput is the file a client reads its input from, and ClientOutput
// the one it writes its output to: ClientsOptions.Args names them.
var (
	ClientInput  = path.Join(inboxDir, inDir, clientInputFile)
	ClientOutput = path.Join(inboxDir, resultsDir, clientOutputFile)
)

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
	// runs in a container of its own per server.
	Program []byte
	// Args are the program's arguments for the server at url. They name
	// ClientInput, which holds Input(url), and ClientOutput, which the
	// program writes.
	Args  func(url string) []string
	Input func(url string) []byte
	// RunID labels the containers and network, as a Run's.
	RunID string
}

// RunClients starts a server per embedded target on a network of its own,
// waits until each answers, then starts a client per server, all at once,
// each in a container of the lab image as hardened as loadgen's and with
// loadgen's CPUs. It returns each client's output (ClientOutput), in the
// order of the scenario's targets. A client that exits non-zero fails the
// run with its last line of output. err is a *BadInput when the run was
// refused before anything was created. Whatever happens, the containers
// and network are removed.
func RunClients(ctx context.Context, opt ClientsOptions) (outputs [][]byte, err error) {
	if err := Runnable(opt.Scenario); err != nil {
		return nil, err
	}
	cli, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	if err := checkImage(ctx, cli, opt.Image); err != nil {
		return nil, err
	}
	info, err := cli.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine info: %w", err)
	}
	cpus, err := checkCPUs(info, cli.host(), opt.Scenario)
	if err != nil {
		return nil, err
	}
	if err := checkProgram(info, cli.host(), opt.Program); err != nil {
		return nil, err
	}
	if _, _, err := removeLeftovers(ctx, cli.Client); err != nil {
		return nil, err
	}
	st, err := newStack(ctx, cli.Client, opt.RunID, false)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rmErr := st.remove(ctx); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	if err := st.startServers(ctx, opt.Scenario, opt.Image); err != nil {
		return nil, err
	}
	if err := st.waitServers(ctx, opt.Scenario, opt.Image); err != nil {
		return nil, err
	}
	ids, err := st.createClients(ctx, opt, cpus)
	if err != nil {
		return nil, err
	}
	return st.runClients(ctx, opt.Scenario, ids)
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
			time.Sleep(200 * time.Millisecond)
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
			st.containers = st.containers[:len(st.containers)-1]
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

// createClients creates a client container per server, each with the
// program and its input in its volume, and returns their ids.
func (st *stack) createClients(ctx context.Context, opt ClientsOptions, cpus float64) ([]string, error) {
	var ids []string
	for _, t := range opt.Scenario.Targets {
		url := labcontainer.AppURL(t.Name)
		cmd := append([]string{path.Join(inboxDir, inDir, clientProgramFile)}, opt.Args(url)...)
		id, err := st.create(ctx, opt.Image, box{name: "client-" + t.Name, cmd: cmd,
			somaxconn: labcontainer.DefaultSomaxconn, cpus: cpus, memory: loadgenMemory, volume: inboxDir,
			role: loadgenName}) // a driver, as loadgen is: a run that is going
		if err != nil {
			return nil, err
		}
		trees := []ownedtar.Tree{
			{Top: inDir, UID: 65534, GID: 65534, DirMode: 0o500, Files: []ownedtar.File{
				{Name: clientProgramFile, Data: opt.Program, Exec: true},
				{Name: clientInputFile, Data: opt.Input(url)}}},
			{Top: resultsDir, UID: 65534, GID: 65534, DirMode: 0o755},
		}
		for _, tree := range trees {
			files, err := tree.Tar(time.Now())
			if err != nil {
				return nil, fmt.Errorf("client %s's archive: %w", t.Name, err)
			}
			if err := st.cli.CopyToContainer(ctx, id, inboxDir, bytes.NewReader(files), container.CopyToContainerOptions{}); err != nil {
				return nil, fmt.Errorf("copy client %s's %s in: %w", t.Name, tree.Top, err)
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// runClients starts every client at once, waits for all, and copies each
// one's output out.
func (st *stack) runClients(ctx context.Context, s *scenario.Scenario, ids []string) ([][]byte, error) {
	for i, id := range ids {
		if err := st.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
			return nil, fmt.Errorf("start client %s: %w", s.Targets[i].Name, err)
		}
	}
	codes := make([]int, len(ids))
	errs := make([]error, len(ids))
	done := make(chan struct{})
	for i, id := range ids {
		go func() {
			defer func() { done <- struct{}{} }()
			codes[i], errs[i] = st.exitCode(ctx, id)
		}()
	}
	for range ids {
		<-done
	}
	outputs := make([][]byte, len(ids))
	for i, id := range ids {
		name := s.Targets[i].Name
		switch {
		case errs[i] != nil:
			errs[i] = fmt.Errorf("client %s: %w", name, errs[i])
		case codes[i] != 0:
			errs[i] = fmt.Errorf("client %s exited %d: %s", name, codes[i], st.lastLine(ctx, id))
		default:
			outputs[i], errs[i] = st.copyFile(ctx, id, ClientOutput)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("client %s: %w", name, errs[i])
			}
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
	return lines[len(lines)-1]
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
		if err != nil {
			return nil, fmt.Errorf("copy %s out: no file in the archive: %w", p, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}
