package report

import (
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestTheReportSetsEachFigureAgainstItsRange(t *testing.T) {
	dir := t.TempDir()
	newRangedRun().write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, page := checkReport(t, dir, path)
	contains(t, "report.md", md,
		"| sem-2 | **NO** | semaphore | 10 | 2 (2; 2–2) | **8 (3; 1–4)** | 0 (0; 0–0) | 0 (0; 0–0) | 4 (4; 3–5) | 1 (0; 0–1) | 5 (6; 5–7) | 0 | 1.0s | 3.0s | 2.0 (2.0) | 1.0s (1.0s) | 1.5s (1.2s) |\n",
		"| ll-1 | yes | limitlistener | 10 | 1 (1; 1–1) | 0 (0; 0–0) | 9 (9; 9–9) | 3 (3; 2–4) | 8 (8; 8–8) | 2 (2; 2–2) | 0 (0; 0–0) | 0 | 2.0s | 4.5s | - | - | - |\n",
		"over 200 perturbed replicas",
		"### Each figure against its predicted range",
		"- running (peak) 2: inside its range 2–2 (predicted 2); a 1 Hz sample misses none of it.",
		"- waiting in app (peak) 8: OUTSIDE its range 2–4 (predicted 3); a 1 Hz sample may miss up to 1.",
		"- timed out 5: inside its range 5–7 (predicted 6).",
		"- SYN-retried 3: inside its range 2–4 (predicted 3).",
		"- waiting in app: measured 8, outside its range 2–4",
		"Agrees with the prediction.\n",
		"Not yet part of the agreement: the ok requests' latency and the wasted work",
		"- ok latency p50 1s: inside its range 999ms–1.002s (predicted 1s).\n"+
			"- ok latency p99 1.03s: outside its range 1s–1.01s (predicted 1s).\n"+
			"- wasted work 1.5s: outside its range 1.1s–1.3s (predicted 1.2s).\n",
	)
	if cols := tableHeader(t, page, "main"); len(cols) < 3 || cols[1] != "agrees" {
		t.Errorf("report.html's main table starts %q: want agrees second", cols)
	}
	contains(t, "report.html", page, `<td class="out r">8<br><small>(3; 1–4)</small></td>`)
}

func TestTheReportShowsEachRequestAgainstItsPrediction(t *testing.T) {
	dir := t.TempDir()
	newRangedRun().write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, page := checkReport(t, dir, path)
	contains(t, "report.md", md,
		"Of 10 requests compared by their place in the schedule, 8 ended as predicted and 2 did not; the replicas themselves disagree on 1 of them (the allowance).",
		"| predicted \\ measured | ok | http_503 | timeout | total |\n",
		"| ok | 4 | 0 | 0 | 4 |\n",
		"| http_503 | 0 | 0 | 1 | 1 |\n",
		"| timeout | 0 | 1 | 4 | 5 |\n",
		"| total | 4 | 1 | 5 | 10 |\n",
		"| seq | sent at | predicted | measured | what it met | covered by replicas |\n",
		"| 6 | 1.200 s | timeout | http_503 | predicted: queue slot 3; measured: 503 at once | yes |\n",
		"| 9 | 1.800 s | http_503 | timeout | predicted: full queue; measured: queued | no |\n",
		"### Each gauge's timeline against the predicted band",
		"within one sampling period (1s) of it",
		"Samples allowed outside the band, over every gauge: 1, as many as a replica itself has outside it.",
		"The same rule, applied to each replica as to a run against the others, fails 5 of the 200 replicas (a figure outside its range in 2, requests in 1, samples outside the band in 3): a run of a model that were exact would be judged as disagreeing about 5 times in 200.",
		"- client in flight: inside 60 % of 5 samples; worst at 3.0 s, 2 below the band.\n- waiting in app: inside 80 % of 5 samples; worst at 1.0 s, 4 above the band.\n- running: inside 100 % of 5 samples.",
	)
	if cols := tableHeader(t, page, "matrix"); strings.Join(cols, ",") != `predicted \ measured,ok,http_503,timeout,total` {
		t.Errorf("matrix columns %q", cols)
	}
	if cols := tableHeader(t, page, "differing"); strings.Join(cols, ",") != "seq,sent at,predicted,measured,what it met,covered by replicas" {
		t.Errorf("differing columns %q", cols)
	}
	// ll-1 has ranges but no per-request or timeline comparison: those
	// parts are left out of its section, not shown empty.
	_, ll, _ := strings.Cut(md, "## ll-1 (limitlistener)")
	for _, absent := range []string{"Each request against its prediction", "Each gauge's timeline"} {
		if strings.Contains(ll, absent) {
			t.Errorf("ll-1's section has %q without the data for it", absent)
		}
	}
}

func TestAnOldRunFolderRendersWithoutTheNewParts(t *testing.T) {
	dir := t.TempDir()
	run := newFakeRun()
	run.old = true
	run.write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := checkReport(t, dir, path)
	contains(t, "report.md", md,
		"| sem-2 | **NO** | semaphore | 10 | 2 (2) | 8 (3) |",
		"Each figure reads measured (predicted). ",
		"Agreement: within 5% or 2 requests.",
		"- peak waiting in app: measured 8, predicted 3 (+5, allowed ±2)",
		"Agrees with the prediction within the tolerance.",
		"Dotted lines: the kernel's SYN retransmission times for tcp_syn_retries=6, tcp_syn_linear_timeouts=4;",
	)
	for _, absent := range []string{"predicted range", "Each request against", "Each gauge's timeline", "Kernel calibration",
		"ListenOverflows", "band"} {
		if strings.Contains(md, absent) {
			t.Errorf("an old run's report.md mentions %q", absent)
		}
	}
}

func TestTheMatrixShowsOnlyTheOutcomesThatOccur(t *testing.T) {
	header, rows := matrixTable(map[outcome.Outcome]map[outcome.Outcome]int{
		outcome.OK:      {outcome.OK: 3, outcome.Reset: 1, outcome.Timeout: 0},
		outcome.Timeout: {outcome.Timeout: 0},
		"future":        {outcome.OK: 1},
	})
	if got := strings.Join(header, ","); got != `predicted \ measured,ok,reset,total` {
		t.Errorf("columns %s", got)
	}
	var got []string
	for _, r := range rows {
		var cells []string
		for _, c := range r {
			cells = append(cells, c.text)
		}
		got = append(got, strings.Join(cells, " "))
	}
	if want := "ok 3 1 4|future 1 0 1|total 4 1 5"; strings.Join(got, "|") != want {
		t.Errorf("rows %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestSamplingRateNamesTheTimelinesPeriod(t *testing.T) {
	for _, c := range []struct {
		period time.Duration
		want   string
	}{
		{0, "a sample"}, {time.Second, "a 1 Hz sample"}, {250 * time.Millisecond, "a 4 Hz sample"},
		{1500 * time.Millisecond, "a sample every 1.5s"},
	} {
		if got := samplingRate(c.period); got != c.want {
			t.Errorf("samplingRate(%v) = %q, want %q", c.period, got, c.want)
		}
	}
	rows := timeline([5]float64{}, [5]float64{}, [5]float64{}, [5]float64{})
	if got := samplingPeriod(rows); got != time.Second {
		t.Errorf("samplingPeriod of 1 Hz rows = %v", got)
	}
}

func TestPercentIsWholeOnlyWhenAllAre(t *testing.T) {
	for f, want := range map[float64]string{1: "100 %", 0.999: "99 %", 0.97: "97 %", 0.001: "1 %", 0: "0 %"} {
		if got := percent(f); got != want {
			t.Errorf("percent(%g) = %q, want %q", f, got, want)
		}
	}
	if got := gaugeItem("running", summary.GaugeAgree{InsideFraction: 0.97, Samples: 28, WorstAtS: 23, WorstBy: 4}); got != "running: inside 97 % of 28 samples; worst at 23.0 s, 4 above the band." {
		t.Errorf("gaugeItem: %q", got)
	}
}
