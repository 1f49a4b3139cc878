package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// environment lists the machine the run measured, the namespace's listen
// overflows and the kernel calibration the prediction used.
func (r *run) environment(d *document) {
	if r.sum == nil {
		return
	}
	e := r.sum.Environment
	d.h(2, "Environment", "environment")
	items := []string{
		"kernel " + orDefault(e.Kernel, "unknown"),
		fmt.Sprintf("%s %d", e.SomaxconnName(), e.Somaxconn),
		fmt.Sprintf("open-file limit (nofile) %d", e.NoFile),
		fmt.Sprintf("%d CPUs", e.CPUs),
		"Go " + orDefault(e.Go, "unknown"),
	}
	// Linux's SYN sysctls; 0 retries is what a summary from an OS
	// without them holds (tcp_syn_retries is at least 1 on Linux).
	if e.SynRetries > 0 {
		items = slices.Insert(items, 3, fmt.Sprintf("tcp_syn_retries %d, tcp_syn_linear_timeouts %d", e.SynRetries, e.SynLinearTimeouts))
	}
	if e.Hostname != "" {
		items = append(items, "host "+e.Hostname)
	}
	if e.KernelView != "" {
		items = append(items, "kernel view "+e.KernelView)
	}
	// Absent where the counter could not be read, and in a summary.json
	// from before it was recorded: neither is a zero.
	if e.ListenOverflows != nil {
		items = append(items, fmt.Sprintf("ListenOverflows grew by %s in loadgen's network namespace, shared by every target in it: "+
			"a server there that overflows its accept queue counts for all of them", thousands(*e.ListenOverflows)))
	}
	switch {
	case e.Steal == nil:
	case *e.Steal == 0:
		items = append(items, "no CPU time was stolen during the run (a hypervisor's steal)")
	default:
		items = append(items, fmt.Sprintf("the hypervisor took %.1f %% of the machine's CPU time during the run (steal): "+
			"every process on it, servers and loadgen alike, stalls meanwhile", 100**e.Steal))
	}
	d.list(items...)
	if e.KernelCalibration != nil {
		calibration(d, e)
	}
}

// sources says what each calibration source means.
var sources = map[string]string{
	"probe":   "measured by this run's calibration probe",
	"cache":   "measured earlier on this kernel release with these sysctls, and kept",
	"nominal": "not measured: the kernel's nominal values",
}

// calibration shows the kernel timings the prediction used: the SYN
// retransmission offsets beside the nominal ones, and the delays of
// accept and of a short sleep.
func calibration(d *document, e summary.Environment) {
	k := e.KernelCalibration
	d.h(3, "Kernel calibration", "calibration")
	what := orDefault(sources[k.Source], "source unknown")
	line := fmt.Sprintf("Source: %s (%s)", orDefault(k.Source, "unknown"), what)
	if k.MeasuredAt != "" {
		line += ", measured at " + k.MeasuredAt
	}
	if k.Key != "" {
		line += ", for " + k.Key
	}
	line += "."
	if k.Why != "" {
		line += " Why: " + k.Why
	}
	d.p("%s", line)
	if len(k.RetransmitsS) > 0 {
		header, rows := retransmitTable(k, e)
		measured := "None was measured."
		switch {
		case k.Measured >= len(k.RetransmitsS):
			measured = "The probe measured each of them: the median over its connects."
		case k.Measured > 0:
			measured = fmt.Sprintf("The probe measured the first %d (the median over its connects); the later ones are nominal, "+
				"scaled by the last measured relative lateness.", k.Measured)
		}
		if e.SynRetries > 0 {
			d.p("SYN retransmissions, in seconds after the first SYN: the nominal schedule of tcp_syn_retries %d and "+
				"tcp_syn_linear_timeouts %d, and the one the prediction used. %s", e.SynRetries, e.SynLinearTimeouts, measured)
		} else {
			d.p("SYN retransmissions, in seconds after the first SYN, as the release probe measured them and the "+
				"prediction used them: this OS has no SYN sysctls, so no nominal schedule (docs/macos.md). %s", measured)
		}
		d.table("calibration", "rrrrl", header, rows)
	}
	var items []string
	if k.AcceptDelayS != [2]float64{} {
		items = append(items, fmt.Sprintf("accept(2) returns %s after the handshake completes (median; at most %s)",
			secondsText(k.AcceptDelayS[0]), secondsText(k.AcceptDelayS[1])))
	}
	if k.SleepOvershootS != [2]float64{} {
		items = append(items, fmt.Sprintf("a 1 ms sleep lasts %s longer than asked (median; at most %s)",
			secondsText(k.SleepOvershootS[0]), secondsText(k.SleepOvershootS[1])))
	}
	d.list(items...)
}

// retransmitTable sets each retransmission's offset beside the nominal
// one, and ends with the give-up time.
func retransmitTable(k *summary.KernelCalibration, e summary.Environment) (header []string, rows [][]cell) {
	nominal, giveUp := predict.Kernel{SynRetries: e.SynRetries, SynLinearTimeouts: e.SynLinearTimeouts}.SynSchedule()
	if e.SynRetries <= 0 {
		nominal, giveUp = nil, -1 // no SYN sysctls, no nominal schedule (docs/macos.md)
	}
	header = []string{"retransmission", "nominal", "used", "late by", "how"}
	for i, used := range k.RetransmitsS {
		row := []cell{{text: fmt.Sprint(i + 1)}}
		row = append(row, lateness(nominalAt(nominal, i), used)...)
		how := "nominal, scaled"
		if i < k.Measured {
			how = "measured"
			if i < len(k.RetransmitSpreadS) {
				sp := k.RetransmitSpreadS[i]
				how = fmt.Sprintf("measured, %.3f to %.3f", sp[0], sp[1])
			}
		}
		rows = append(rows, append(row, cell{text: how}))
	}
	if k.GiveUpS > 0 {
		row := []cell{{text: "gives up"}}
		row = append(row, lateness(giveUp, k.GiveUpS)...)
		rows = append(rows, append(row, cell{text: "connect(2) returns ETIMEDOUT"}))
	}
	return header, rows
}

// nominalAt is the i-th nominal retransmission; -1 when the sysctls
// give fewer.
func nominalAt(nominal []time.Duration, i int) time.Duration {
	if i < len(nominal) {
		return nominal[i]
	}
	return -1
}

// lateness is the cells nominal, used and late by; a nominal below 0 is
// unknown.
func lateness(nominal time.Duration, used float64) []cell {
	if nominal < 0 {
		return []cell{{text: "-"}, {text: fmt.Sprintf("%.3f", used)}, {text: "-"}}
	}
	n := nominal.Seconds()
	late := secondsDelta(used - n)
	if n > 0 {
		late += fmt.Sprintf(" (%+.1f %%)", (used-n)/n*100)
	}
	return []cell{{text: fmt.Sprintf("%.3f", n)}, {text: fmt.Sprintf("%.3f", used)}, {text: late}}
}
