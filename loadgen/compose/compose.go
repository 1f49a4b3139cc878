package compose

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"

	"github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/scenario"
)

//go:embed stack.yml.tmpl
var stackText string

var stack = template.Must(template.New("stack").Parse(stackText))

// docker-compose.yml is the stack of SeedSource at SeedScale: the scenario
// and scale that make bench-docker runs by default.
const (
	SeedSource = "scenarios/seed.yaml"
	SeedScale  = 0.02
)

// service is one lab service as the template writes it.
type service struct {
	Name      string
	Key       string // Name quoted, so that YAML never reads it as a number or a boolean
	Command   string // a YAML flow sequence
	Somaxconn int    // 0: the stack's default
	CPUs      int    // 0: the stack's default
}

// Write writes the compose file of s's stack to w. s is scaled already,
// by scale, since the servers' duration knobs and max sleep scale with the
// run; source is the scenario's path as the file should name it
// (SeedSource for docker-compose.yml).
func Write(w io.Writer, s *scenario.Scenario, source string, scale float64) error {
	command := "loadgen compose " + source
	if scale != 1 {
		command += " --scale " + strconv.FormatFloat(scale, 'g', -1, 64)
	}
	data := struct {
		Name, Source, Command                    string
		Seed                                     bool
		Services                                 []service
		Skipped                                  []string
		DefaultSomaxconn, AdminPort, MetricsPort int
		LoadgenCPUs, LoadgenProcs                int
	}{Name: s.Name, Source: source, Command: command, Seed: source == SeedSource && scale == SeedScale,
		DefaultSomaxconn: container.DefaultSomaxconn, AdminPort: container.AdminPort, MetricsPort: container.MetricsPort,
		LoadgenCPUs: container.LoadgenCPUs, LoadgenProcs: container.LoadgenProcs(container.LoadgenCPUs, len(s.Targets))}
	if err := Check(s); err != nil {
		return err
	}
	for _, t := range s.Targets {
		if t.External() {
			data.Skipped = append(data.Skipped, fmt.Sprintf("target %s is external (url: %s): loadgen sends to it as it is", t.Name, t.URL))
		} else {
			data.Services = append(data.Services, serviceOf(container.Of(s, t)))
		}
	}
	if err := stack.Execute(w, data); err != nil {
		return fmt.Errorf("compose file of %s: %w", s.Name, err)
	}
	return nil
}

// commandWidth is where a command's flow sequence wraps, so that the file
// reads well beside the rest.
const commandWidth = 100

// commandIndent is the column of a wrapped command's next line: under the
// first argument, after "    command: [".
const commandIndent = "              "

// Check refuses a scenario whose stack cannot be written: a target named
// like one of the stack's own services, or embedded with admin: none.
func Check(s *scenario.Scenario) error {
	for _, t := range s.Targets {
		if err := container.Runnable(t); err != nil {
			return err
		}
	}
	return nil
}

// serviceOf is spec as the template writes it.
func serviceOf(spec container.Spec) service {
	var b strings.Builder
	b.WriteByte('[')
	col := len(commandIndent)
	for i, a := range spec.Command {
		q := strconv.Quote(a) // a YAML double-quoted scalar
		if i > 0 {
			b.WriteByte(',')
			if col+2+len(q)+1 > commandWidth {
				b.WriteString("\n" + commandIndent)
				col = len(commandIndent)
			} else {
				b.WriteByte(' ')
				col += 2
			}
		}
		b.WriteString(q)
		col += len(q)
	}
	b.WriteByte(']')
	svc := service{Name: spec.Name, Key: strconv.Quote(spec.Name), Command: b.String(), CPUs: spec.CPUs}
	if spec.Somaxconn != container.DefaultSomaxconn {
		svc.Somaxconn = spec.Somaxconn
	}
	return svc
}
