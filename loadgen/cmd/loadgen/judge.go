package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/conclab/conclab/loadgen/rejudge"
	"github.com/conclab/conclab/loadgen/report"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

const judgeUsage = `usage: loadgen judge RUN_DIR... [--only a,b] [--check]

Judges finished runs again with this build's prediction, from what each
run recorded of its targets (<target>.record.json.gz). For one run it
prints the table and each disagreement; for several, a line per run
(with the hypervisor's steal over it, where recorded), how many runs
agree on every target, and then, per target, how many runs
agree and where each run's ok, rejected, timed-out and SYN-retried counts
lie among its replicas (0: below every replica, 1: above every one; an
exact model's runs spread evenly between). Beside each count stands what
a model that were exact would give: the rule fails some of a run's own
replicas, each judged against the others, and so some of an exact
model's runs too; "in 17 or fewer in 0.2 % of such sets" says that the
runs disagree more often than that explains.
It writes nothing: each folder keeps the verdicts its run made. A target
without a record (a run by an older loadgen) is named and left out, and
--check counts it as one without a verdict.
`

func cmdJudge(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("judge", flag.ContinueOnError)
	only := fset.String("only", "", "comma-separated target names to judge")
	check := fset.Bool("check", false, checkFlagUsage)
	dirs, code, ok := parseCommand(fset, args, judgeUsage, stdout, stderr)
	if !ok {
		return code
	}
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, "loadgen judge: want one RUN_DIR or more, got 0")
		return exitBadInput
	}
	var names []string
	for _, n := range strings.Split(*only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	var sums []*summary.Summary
	var unjudged []string // --check's lines for the targets not judged again
	for _, dir := range dirs {
		sum, skipped, err := rejudge.Folder(dir, names)
		if err != nil {
			fmt.Fprintln(stderr, "loadgen judge:", err)
			var bad *rejudge.BadInput
			if errors.Is(err, fs.ErrNotExist) || errors.As(err, &bad) {
				return exitBadInput
			}
			return exitFailed
		}
		sums = append(sums, sum)
		if len(dirs) == 1 {
			printJudged(stdout, sum)
		} else {
			printRunLine(stdout, dir, sum)
		}
		for _, s := range skipped {
			fmt.Fprintf(stdout, "%s: not judged again: %s\n", s.Target, s.Why)
			unjudged = append(unjudged, fmt.Sprintf("check: %s%s has no verdict: not judged again: %s", runPrefix(dirs, dir), s.Target, s.Why))
		}
	}
	if len(dirs) > 1 {
		fmt.Fprintln(stdout)
		all := rejudge.TogetherOf(sums)
		fmt.Fprintf(stdout, "every target judged agrees in %d of %d runs%s\n", all.Agree, all.Runs, exactText(all.Agree, all.Exact))
		printTallies(stdout, rejudge.TallyOf(sums))
	}
	if !*check {
		return exitOK
	}
	for _, l := range unjudged {
		fmt.Fprintln(stderr, l)
	}
	code = exitOK
	if len(unjudged) > 0 {
		code = exitCheckFailed
	}
	for i, s := range sums {
		for _, l := range checkFailures(s) {
			fmt.Fprintln(stderr, strings.Replace(l, "check: ", "check: "+runPrefix(dirs, dirs[i]), 1))
			code = exitCheckFailed
		}
	}
	return code
}

// runPrefix names the run a line is about, when there are several.
func runPrefix(dirs []string, dir string) string {
	if len(dirs) == 1 {
		return ""
	}
	return dir + ": "
}

// printJudged prints one run's table, with each disagreement and note
// under it.
func printJudged(w io.Writer, sum *summary.Summary) {
	if len(sum.Targets) > 0 {
		_ = report.WriteTable(w, sum)
		fmt.Fprintln(w)
	}
}

// printRunLine prints one line for a run among several: the targets that
// disagree, each with its first disagreement, and the hypervisor's steal
// over the run where it was recorded, so that runs on a starved machine
// stand out.
func printRunLine(w io.Writer, dir string, sum *summary.Summary) {
	var parts []string
	for _, t := range sum.Targets {
		if t.Agrees != nil && !*t.Agrees && len(t.Disagreements) > 0 {
			parts = append(parts, t.Name+": "+t.Disagreements[0])
		}
	}
	switch {
	case len(sum.Targets) == 0:
		parts = []string{"no target judged again"}
	case len(parts) == 0:
		parts = []string{"every target judged agrees"}
	}
	steal := ""
	if s := sum.Environment.Steal; s != nil {
		steal = fmt.Sprintf(" (steal %.1f %%)", 100**s)
	}
	fmt.Fprintf(w, "%s%s: %s\n", dir, steal, strings.Join(parts, "; "))
}

// exactText says how a model that were exact would fare over the same
// runs, which agreed in agree of them: "" where unknown. The chance of
// as few is given only where the runs agree less than it would.
func exactText(agree int, e *rejudge.Exact) string {
	if e == nil || len(e.Chances) == 0 {
		return ""
	}
	text := fmt.Sprintf("; a model that were exact would agree in %.1f on average", e.Expected())
	if float64(agree) < e.Expected() {
		asFew := fmt.Sprintf("%d or fewer", agree)
		if agree == 0 {
			asFew = "none"
		}
		text += fmt.Sprintf(", and in %s in %s of such sets", asFew, percent(e.AtMost(agree)))
	}
	return text
}

// percent writes a chance to a tenth of a percent, and one below that as
// such: "0.0 %" would read as impossible.
func percent(p float64) string {
	if p < 0.0005 {
		return "under 0.1 %"
	}
	return fmt.Sprintf("%.1f %%", 100*p)
}

// printTallies prints, per target, how many runs agree and the runs'
// ranks of each compared count.
func printTallies(w io.Writer, tallies []rejudge.Tally) {
	for _, c := range tallies {
		fmt.Fprintf(w, "%s: agrees in %d of %d runs%s\n", c.Target, c.Agree, c.Runs, exactText(c.Agree, c.Exact))
		for _, f := range verdict.Figures {
			ranks, ok := c.Ranks[f.Key]
			if !ok {
				continue
			}
			beyond := 0
			text := make([]string, len(ranks))
			for i, r := range ranks {
				text[i] = fmt.Sprintf("%.2f", r)
				if r == 0 || r == 1 {
					beyond++
				}
			}
			fmt.Fprintf(w, "  %-11s ranks %s (%d beyond every replica)\n", f.Name, strings.Join(text, " "), beyond)
		}
	}
}
