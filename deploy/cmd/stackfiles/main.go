// Command stackfiles makes and places what the compose stack needs that
// the lab image must not carry (package deploy/stackfiles): the passwords
// of Grafana and Prometheus, Prometheus's web config, and the results
// folder's owner. `make up` and `make bench-docker` run it.
//
//	stackfiles secrets [-dir D]
//	    create the missing passwords in D (deploy/secrets), write
//	    Prometheus's web config, and say where they are;
//	    GRAFANA_ADMIN_PASSWORD, when set, replaces Grafana's
//	stackfiles install-secrets [-dir D] -project P -image I
//	    copy the secrets into the volumes of P's prometheus and grafana
//	    containers (after compose up --no-start)
//	stackfiles reset-grafana [-dir D] -project P [-wait 2m]
//	    set Grafana's admin password to the stored one (after compose up)
//	stackfiles prepare-results -image I -user UID:GID PATH
//	    give the folder PATH of the engine's machine to UID:GID
//
// Every command but secrets reaches the engine with the docker command
// line (-docker), so it works against DOCKER_HOST=ssh://… too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/conclab/conclab/deploy/stackfiles"
	"github.com/conclab/conclab/internal/flagerr"
)

const usage = `usage: stackfiles secrets [-dir D]
       stackfiles install-secrets [-dir D] -project P -image I
       stackfiles reset-grafana [-dir D] -project P [-wait 2m]
       stackfiles prepare-results -image I -user UID:GID PATH
(-docker CMD: the docker command line, default docker)`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the flags of every command; each command checks that the
// ones it needs are set.
type options struct {
	dir     string
	project string
	image   string
	docker  string
	user    string
	wait    time.Duration
	args    []string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return 0
	}
	cmd := args[0]
	o, err := parse(cmd, args[1:])
	if err == nil {
		err = dispatch(ctx, cmd, o, getenv, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "stackfiles %s: %v\n", cmd, err)
		var fe *flagerr.Error
		if errors.As(err, &fe) || errors.Is(err, errUsage) {
			fmt.Fprintln(stderr, usage)
			return 2
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("unknown command")

func parse(cmd string, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("stackfiles "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.dir, "dir", "deploy/secrets", "the secrets folder")
	fs.StringVar(&o.project, "project", "", "the compose project")
	fs.StringVar(&o.image, "image", "", "the lab image")
	fs.StringVar(&o.docker, "docker", "docker", "the docker command line")
	fs.StringVar(&o.user, "user", "", "UID:GID")
	fs.DurationVar(&o.wait, "wait", 2*time.Minute, "how long Grafana may take to open its database")
	if err := fs.Parse(args); err != nil {
		return o, flagerr.OneLine(err)
	}
	o.args = fs.Args()
	return o, nil
}

func dispatch(ctx context.Context, cmd string, o options, getenv func(string) string, stdout io.Writer) error {
	folder := stackfiles.Folder(o.dir)
	engine := stackfiles.Engine{Docker: o.docker, Image: o.image}
	need := func(flags ...string) error {
		for _, f := range flags {
			if v := map[string]string{"project": o.project, "image": o.image, "user": o.user}[f]; v == "" {
				return flagerr.New(f, "needs a value")
			}
		}
		if cmd != "prepare-results" && len(o.args) > 0 {
			return fmt.Errorf("unexpected argument %q", o.args[0])
		}
		return nil
	}
	switch cmd {
	case "secrets":
		if err := need(); err != nil {
			return err
		}
		return secrets(folder, getenv(stackfiles.GrafanaPasswordEnv), stdout)
	case "install-secrets":
		if err := need("project", "image"); err != nil {
			return err
		}
		return engine.InstallSecrets(ctx, folder, o.project)
	case "reset-grafana":
		if err := need("project"); err != nil {
			return err
		}
		return engine.ResetGrafanaPassword(ctx, folder, o.project, o.wait)
	case "prepare-results":
		if err := need("image", "user"); err != nil {
			return err
		}
		uid, gid, err := parseUser(o.user)
		if err != nil {
			return err
		}
		if len(o.args) != 1 {
			return errors.New("needs one PATH, the results folder")
		}
		return engine.PrepareResults(ctx, o.args[0], uid, gid)
	}
	return fmt.Errorf("%w %q", errUsage, cmd)
}

// secrets ensures the folder and says, one line per file, where each one
// is and what was done to it.
func secrets(f stackfiles.Folder, grafanaPassword string, stdout io.Writer) error {
	changes, err := f.Ensure(grafanaPassword)
	if err != nil {
		return err
	}
	for _, c := range changes {
		fmt.Fprintf(stdout, "secrets: %s (%s)\n", c.File, c.How)
	}
	return nil
}

// parseUser reads UID:GID, both numbers.
func parseUser(s string) (uid, gid int, err error) {
	u, g, ok := strings.Cut(s, ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil || uid < 0 || gid < 0 {
		return 0, 0, flagerr.New("user", "%q is not UID:GID (two numbers)", s)
	}
	return uid, gid, nil
}
