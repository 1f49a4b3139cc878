package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/summary"
)

func TestAnAcceptQueueThatNoSampleShowedIsADashWithANoteNeverAZero(t *testing.T) {
	s := &summary.Summary{
		Complete:    true,
		Environment: summary.Environment{KernelView: "unavailable: kernel-side figures need Linux; this is plan9"},
		Targets: []summary.Target{
			{Name: "sem-2", Model: "semaphore", Sent: 10, Outcomes: outcomes("ok", 10),
				Peak: summary.Peak{Inflight: 2, Queued: 8, AcceptQueue: math.NaN()}},
			{Name: "ll-1", Model: "limitlistener", Sent: 10, Outcomes: outcomes("ok", 10),
				Peak: summary.Peak{Inflight: 1, AcceptQueue: 3}},
		},
	}
	var out bytes.Buffer
	if err := WriteTable(&out, s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	cells := func(name string) []string {
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && f[0] == name {
				return f
			}
		}
		t.Fatalf("no row %s in\n%s", name, out.String())
		return nil
	}
	// target model sent running waiting-in-app waiting-in-kernel …
	if got := cells("sem-2")[5]; got != "-" {
		t.Errorf("sem-2 waiting in kernel %q, want -", got)
	}
	if got := cells("ll-1")[5]; got != "3" {
		t.Errorf("ll-1 waiting in kernel %q, want 3", got)
	}
	want := `"-": no sample showed the figure, so it is unknown, not 0 (kernel view unavailable: kernel-side figures need Linux; this is plan9; docs/macos.md)`
	if !strings.Contains(out.String(), want) {
		t.Errorf("no note %q in\n%s", want, out.String())
	}
}

func TestATableWhoseFiguresWereAllMeasuredHasNoNoteOnDashes(t *testing.T) {
	s := &summary.Summary{Complete: true, Environment: summary.Environment{KernelView: "full: TCP_INFO of the listener, sock_diag, /proc"},
		Targets: []summary.Target{{Name: "ll-1", Model: "limitlistener", Sent: 1, Outcomes: outcomes("ok", 1)}}}
	var out bytes.Buffer
	if err := WriteTable(&out, s); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), `"-"`) {
		t.Errorf("a note on dashes in\n%s", out.String())
	}
}

func TestOnLinuxADashIsNotBlamedOnTheKernelView(t *testing.T) {
	s := &summary.Summary{Complete: true, Environment: summary.Environment{KernelView: "full: TCP_INFO of the listener, sock_diag, /proc"},
		Targets: []summary.Target{{Name: "gone", Model: "nethttp", Sent: 1, Outcomes: outcomes("ok", 1),
			Peak: summary.Peak{Inflight: math.NaN(), Queued: math.NaN(), AcceptQueue: math.NaN()}}}}
	var out bytes.Buffer
	if err := WriteTable(&out, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"-": no sample showed the figure, so it is unknown, not 0`+"\n") ||
		strings.Contains(out.String(), "kernel view") {
		t.Errorf("want the note without the kernel view in\n%s", out.String())
	}
}
