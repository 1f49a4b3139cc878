package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/conclab/conclab/internal/flagerr"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/calibrate"
	"github.com/conclab/conclab/loadgen/summary"
)

const calibrateUsage = `usage: loadgen calibrate [flags]

Measures this kernel's timings on 127.0.0.1 and stores them in the kernel
calibration cache, one file per kernel release and SYN sysctls: when a SYN
dropped at a full accept queue is really retransmitted, followed until
connect(2) gives up (about 134 s with tcp_syn_retries=6 and
tcp_syn_linear_timeouts=4; --quick stops after 3 s and extrapolates the
rest), how long a waiting accept(2) takes to return, and how much a 1 ms
sleep overshoots. Prints each retransmission as every connect sees it, then
the table.
`

func cmdCalibrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "stop after the retransmissions nominally due within 3 s, and extrapolate the rest")
	cacheDir := fs.String("cache-dir", "", "the calibration cache folder (default: the user cache folder's conclab/)")
	connects := fs.Int("connects", calibrate.DefaultConnects, "connects the SYN probe staggers, 13 ms apart")
	if _, code, ok := parseArgs(fs, args, calibrateUsage, stdout, stderr, 0, "no arguments"); !ok {
		return code
	}
	if *connects < 1 || *connects > calibrate.MaxConnects {
		fmt.Fprintf(stderr, "loadgen calibrate: %v\n", flagerr.New("connects", "must be in 1..%d, got %d", calibrate.MaxConnects, *connects))
		return exitBadInput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	nominal := calibrate.Nominal("")
	var giveUp *calibrate.Step
	opts := calibrate.Options{Full: !*quick, Connects: *connects, CacheDir: *cacheDir, Progress: func(s calibrate.Step) {
		if s.GiveUp {
			giveUp = &s
			fmt.Fprintf(stderr, "give-up: every connect ETIMEDOUT, %s (nominal %s)\n", stepSpread(s), s.Nominal)
			return
		}
		fmt.Fprintf(stderr, "retransmission %d: seen by every connect, %s (nominal %s)\n", s.Retransmit, stepSpread(s), s.Nominal)
	}}
	until := fmt.Sprintf("until connect gives up (nominally %gs)", nominal.GiveUpS)
	if *quick {
		until = fmt.Sprintf("for the retransmissions due within %s", calibrate.QuickHorizon)
	}
	if sysinfo.KernelViewFull {
		fmt.Fprintf(stderr, "loadgen calibrate: %s: %d connects to a full accept queue on 127.0.0.1, %s\n", nominal.Key, *connects, until)
	} else {
		// The release probe: --connects and --quick do not apply.
		fmt.Fprintf(stderr, "loadgen calibrate: %s: the release probe, until connect gives up (%gs; docs/macos.md)\n", nominal.Key, nominal.GiveUpS)
	}
	cal, err := calibrate.Probe(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "loadgen calibrate: interrupted")
			return exitInterrupted
		}
		fmt.Fprintln(stderr, "loadgen calibrate:", err)
		return exitFailed
	}
	path, storeErr := calibrate.Store(opts, cal)
	printCalibration(stdout, cal, nominal, giveUp)
	if storeErr != nil {
		fmt.Fprintln(stderr, "loadgen calibrate:", storeErr)
		return exitFailed
	}
	fmt.Fprintln(stdout, "cache file written:", path)
	return exitOK
}

// stepSpread is a step's median and range, in seconds.
func stepSpread(s calibrate.Step) string {
	return fmt.Sprintf("median %.3fs, %.3f-%.3fs", s.Median.Seconds(), s.Min.Seconds(), s.Max.Seconds())
}

// printCalibration prints cal's retransmissions beside the nominal ones,
// then the give-up (its spread when the probe saw it), the accept delay
// and the sleep overshoot.
func printCalibration(w io.Writer, cal, nominal summary.KernelCalibration, giveUp *calibrate.Step) {
	fmt.Fprintf(w, "\nkernel calibration of %s, measured %s\n\n", cal.Key, cal.MeasuredAt)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "retransmission\tnominal s\tmedian s\tspread s\tlate %\thow\t")
	late := func(at, nom float64) string {
		if nom <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", (at-nom)/nom*100)
	}
	for k, at := range cal.RetransmitsS {
		how, nom := "measured", 0.0
		if k >= cal.Measured {
			how = "extrapolated"
		}
		if k < len(nominal.RetransmitsS) {
			nom = nominal.RetransmitsS[k]
		}
		sp := cal.RetransmitSpreadS[k]
		fmt.Fprintf(tw, "%d\t%.3f\t%.3f\t%.3f-%.3f\t%s\t%s\t\n", k+1, nom, at, sp[0], sp[1], late(at, nom), how)
	}
	if giveUp != nil {
		fmt.Fprintf(tw, "give-up\t%.3f\t%.3f\t%.3f-%.3f\t%s\tmeasured\t\n", nominal.GiveUpS, cal.GiveUpS,
			giveUp.Min.Seconds(), giveUp.Max.Seconds(), late(cal.GiveUpS, nominal.GiveUpS))
	} else {
		fmt.Fprintf(tw, "give-up\t%.3f\t%.3f\t-\t%s\textrapolated\t\n", nominal.GiveUpS, cal.GiveUpS, late(cal.GiveUpS, nominal.GiveUpS))
	}
	tw.Flush()
	fmt.Fprintf(w, "\naccept delay (dial's return to a waiting Accept's): median %s, max %s\n",
		seconds(cal.AcceptDelayS[0]), seconds(cal.AcceptDelayS[1]))
	fmt.Fprintf(w, "sleep overshoot (a 1 ms time.Sleep): median %s, max %s\n",
		seconds(cal.SleepOvershootS[0]), seconds(cal.SleepOvershootS[1]))
}

// seconds prints a short duration given in seconds.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}
