package calibrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// Sources of a calibration (summary.KernelCalibration.Source).
const (
	SourceProbe   = "probe"
	SourceCache   = "cache"
	SourceNominal = "nominal"
)

// DefaultConnects is how many connects the SYN probe staggers, and
// MaxConnects the most it accepts (each is a socket held for the probe).
const (
	DefaultConnects = 8
	MaxConnects     = 64
)

// QuickHorizon is how far a quick probe follows the retransmissions: it
// stops after those nominally due within it (the first 3 with
// tcp_syn_linear_timeouts=4, the first 2 on older kernels).
const QuickHorizon = 3 * time.Second

// Options say how to probe and where the cache is. The zero value is a
// quick probe with DefaultConnects, cached under os.UserCacheDir()/conclab.
type Options struct {
	// Full follows every connect until connect(2) gives up (about 134 s
	// here) instead of stopping at QuickHorizon. Load always probes
	// quickly; Refresh always fully.
	Full bool
	// Connects is how many connects the SYN probe staggers, 13 ms apart;
	// 0 is DefaultConnects.
	Connects int
	// CacheDir holds one file per kernel release and sysctl values; ""
	// is os.UserCacheDir()/conclab.
	CacheDir string
	// Warn receives one-line warnings: a corrupt or foreign cache file, a
	// cache that cannot be read or written. nil drops them.
	Warn func(string)
	// Progress is called, on the probing goroutine, each time every
	// connect has seen one more retransmission, and once when they have
	// all given up. nil for none.
	Progress func(Step)
}

// Step is one retransmission (or, with GiveUp, the give-up) as every
// connect of the probe saw it, as offsets from each connect's first SYN.
type Step struct {
	Retransmit int  // 1 for the first retransmission; 0 with GiveUp
	GiveUp     bool // connect(2) failed with ETIMEDOUT
	Nominal    time.Duration
	Min        time.Duration
	Median     time.Duration
	Max        time.Duration
}

// Key names what a calibration holds for: the kernel release and the two
// SYN sysctls, "6.18.44-fc-v657 syn_retries=6 syn_linear_timeouts=4".
func Key(release string, s sysinfo.SynSettings) string {
	return fmt.Sprintf("%s syn_retries=%d syn_linear_timeouts=%d", release, s.Retries, s.LinearTimeouts)
}

// machine is this kernel's SYN settings, as the sysctls set them, and the
// key of its calibration. Off Linux there are none: connectTimeout is then
// the OS's own connect timeout, and there is no nominal schedule.
type machine struct {
	settings       sysinfo.SynSettings
	connectTimeout time.Duration
	key            string
}

func readMachine() (machine, error) {
	s, err := sysinfo.ReadSynSettings()
	if err == nil {
		return machine{settings: s, key: Key(sysinfo.KernelRelease(), s)}, nil
	}
	if !errors.Is(err, sysinfo.ErrNotOnThisOS) {
		return machine{}, fmt.Errorf("kernel SYN settings: %w", err)
	}
	t, terr := sysinfo.ConnectTimeout()
	if terr != nil {
		return machine{}, fmt.Errorf("kernel SYN settings: %w; %w", err, terr)
	}
	return machine{connectTimeout: t, key: fmt.Sprintf("%s connect_timeout=%s", sysinfo.KernelRelease(), t)}, nil
}

// schedule is the nominal SYN schedule, from predict's formula; off Linux
// none, and the OS's connect timeout.
func (m machine) schedule() (retransmits []time.Duration, giveUp time.Duration) {
	if m.connectTimeout > 0 {
		return nil, m.connectTimeout
	}
	return predict.Kernel{
		SynRetries:        m.settings.Retries,
		SynLinearTimeouts: m.settings.LinearTimeouts,
		InitialRTO:        predict.DefaultInitialRTO,
	}.SynSchedule()
}

// fallbackSettings stand in for sysctls that cannot be read: the defaults
// of Linux ≥ 6.5.
var fallbackSettings = sysinfo.SynSettings{Retries: 6, LinearTimeouts: 4}

// Nominal is the nominal schedule from this machine's sysctls, with no
// lateness (each spread is [nominal, nominal]) and no accept delay or
// sleep overshoot: Source "nominal", and why as its Why. Sysctls that
// cannot be read are taken as Linux's defaults, and Why says so.
func Nominal(why string) summary.KernelCalibration {
	m, err := readMachine()
	if err != nil && !sysinfo.KernelViewFull {
		// Linux's defaults are no stand-in for another OS's schedule:
		// none, and the prediction says so (verdict.CheckSchedule).
		return summary.KernelCalibration{Source: SourceNominal, Why: fmt.Sprintf("%s; %v", why, err), Key: sysinfo.KernelRelease()}
	}
	if err != nil {
		m = machine{settings: fallbackSettings, key: Key(sysinfo.KernelRelease(), fallbackSettings)}
		why += fmt.Sprintf("; %v: assumed syn_retries=%d syn_linear_timeouts=%d",
			err, fallbackSettings.Retries, fallbackSettings.LinearTimeouts)
	}
	retransmits, giveUp := m.schedule()
	cal := summary.KernelCalibration{
		RetransmitsS:      make([]float64, len(retransmits)),
		RetransmitSpreadS: make([][2]float64, len(retransmits)),
		GiveUpS:           giveUp.Seconds(),
		Source:            SourceNominal,
		Why:               why,
		Key:               m.key,
		TimerHZ:           sysinfo.TimerHZ(),
	}
	for i, r := range retransmits {
		cal.RetransmitsS[i] = r.Seconds()
		cal.RetransmitSpreadS[i] = [2]float64{r.Seconds(), r.Seconds()}
	}
	return cal
}

// Probe measures this kernel on 127.0.0.1: the accept delay, the sleep
// overshoot, then the SYN retransmissions (quick, or with opts.Full until
// connect gives up). It stores nothing. Cancelling ctx ends it with
// ctx's error.
func Probe(ctx context.Context, opts Options) (summary.KernelCalibration, error) {
	connects := opts.Connects
	if connects == 0 {
		connects = DefaultConnects
	}
	if connects < 1 || connects > MaxConnects {
		return summary.KernelCalibration{}, fmt.Errorf("connects: must be in 1..%d, got %d", MaxConnects, opts.Connects)
	}
	if err := context.Cause(ctx); err != nil {
		return summary.KernelCalibration{}, err
	}
	m, err := readMachine()
	if err != nil {
		return summary.KernelCalibration{}, err
	}
	accept, err := acceptDelay(ctx)
	if err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("accept delay: %w", err)
	}
	sleep, err := sleepOvershoot(ctx)
	if err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("sleep overshoot: %w", err)
	}
	nominal, giveUp := m.schedule()
	// Without a nominal schedule (off Linux) nothing carries a quick
	// probe's retransmissions further: the probe follows them all.
	full := opts.Full || nominal == nil
	seen, err := probeSyn(ctx, synPlan{
		connects: connects, full: full, nominal: nominal, giveUp: giveUp, progress: opts.Progress,
	})
	if err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("SYN probe: %w", err)
	}
	cal := summary.KernelCalibration{
		AcceptDelayS:    accept,
		SleepOvershootS: sleep,
		MeasuredAt:      time.Now().UTC().Format(time.RFC3339),
		Source:          SourceProbe,
		Key:             m.key,
		TimerHZ:         sysinfo.TimerHZ(),
	}
	seen.fill(&cal, nominal, giveUp)
	if err := checkWhole(cal, len(nominal)); err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("SYN probe: %w", err)
	}
	return cal, nil
}
