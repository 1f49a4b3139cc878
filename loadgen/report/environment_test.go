package report

import (
	"strings"
	"testing"
)

func TestTheEnvironmentShowsHostWideOverflowsStealAndTheCalibration(t *testing.T) {
	dir := t.TempDir()
	newRangedRun().write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, page := checkReport(t, dir, path)
	contains(t, "report.md", md,
		"- ListenOverflows grew by 7,308 in loadgen's network namespace, shared by every target in it",
		"- the hypervisor took 1.3 % of the machine's CPU time during the run (steal)",
		"### Kernel calibration",
		"Source: cache (measured earlier on this kernel release with these sysctls, and kept), measured at 2026-12-01T10:00:00Z, "+
			"for 6.18.0 tcp_syn_retries=6 tcp_syn_linear_timeouts=4. Why: measured earlier on this kernel: results/.calibration/6.18.0.json",
		"The probe measured the first 2 (the median over its connects)",
		"| retransmission | nominal | used | late by | how |\n",
		"| 1 | 1.000 | 1.020 | +20.0ms (+2.0 %) | measured, 1.010 to 1.040 |\n",
		"| 3 | 3.000 | 3.060 | +60.0ms (+2.0 %) | nominal, scaled |\n",
		"| gives up | 131.000 | 134.100 | +3.10s (+2.4 %) | connect(2) returns ETIMEDOUT |\n",
		"- accept(2) returns 40.0µs after the handshake completes (median; at most 300µs)",
		"- a 1 ms sleep lasts 60.0µs longer than asked (median; at most 1.10ms)",
		"- ListenOverflows grew by 42 in the target's own network namespace.",
		"Dotted lines: the calibrated (cache) SYN retransmission times for tcp_syn_retries=6, tcp_syn_linear_timeouts=4;",
	)
	// sem-2 shares loadgen's namespace: its counter is the host's, shown
	// once in the environment, not as the target's own.
	if n := strings.Count(md, "own network namespace"); n != 1 {
		t.Errorf("report.md shows %d targets' own listen overflows, want 1 (ll-1's)", n)
	}
	if cols := tableHeader(t, page, "calibration"); strings.Join(cols, ",") != "retransmission,nominal,used,late by,how" {
		t.Errorf("calibration columns %q", cols)
	}
}

func TestAZeroListenOverflowsAndStealAreShownOnlyWhenRecorded(t *testing.T) {
	dir := t.TempDir()
	run := newRangedRun()
	run.sum.Environment.ListenOverflows = new(0.0)
	run.sum.Environment.Steal = new(0.0)
	run.sum.Environment.KernelCalibration = nil
	run.write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := checkReport(t, dir, path)
	contains(t, "report.md", md, "- ListenOverflows grew by 0 in loadgen's network namespace",
		"- no CPU time was stolen during the run (a hypervisor's steal)")
	if strings.Contains(md, "Kernel calibration") {
		t.Error("report.md has a kernel calibration that summary.json lacks")
	}
}
