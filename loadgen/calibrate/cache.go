package calibrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/summary"
)

// cacheDir is opts.CacheDir, or os.UserCacheDir()/conclab.
func cacheDir(opts Options) (string, error) {
	if opts.CacheDir != "" {
		return opts.CacheDir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache folder: %w", err)
	}
	return filepath.Join(dir, "conclab"), nil
}

// cacheFile is the file of key's calibration in dir: the key with every
// character but letters, digits, '.' and '-' made '_', so that any kernel
// release makes one plain file name,
// "kernel-calibration-6.18.44-fc-v657_syn_retries_6_syn_linear_timeouts_4.json".
func cacheFile(dir, key string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, key)
	return filepath.Join(dir, "kernel-calibration-"+name+".json")
}

// Store writes cal to the cache file of its key under the cache folder
// (made if missing), atomically, and returns the file's path.
func Store(opts Options, cal summary.KernelCalibration) (string, error) {
	dir, err := cacheDir(opts)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cache folder: %w", err)
	}
	data, err := json.MarshalIndent(cal, "", "  ")
	if err != nil {
		return "", fmt.Errorf("kernel calibration: %w", err)
	}
	path := cacheFile(dir, cal.Key)
	if err := atomicfile.WriteBytes(path, append(data, '\n')); err != nil {
		return "", fmt.Errorf("cache file: %w", err)
	}
	return path, nil
}

// readCache reads the calibration of key from path. A missing file is an
// error that wraps fs.ErrNotExist; a file that does not parse, holds
// another key or is not a whole calibration of the nominal schedule's n
// retransmissions is an error that names the file.
func readCache(path, key string, n int) (summary.KernelCalibration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("cache file %s: %w", path, err)
	}
	var cal summary.KernelCalibration
	if err := json.Unmarshal(data, &cal); err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("cache file %s is corrupt: %w", path, err)
	}
	if cal.Key != key {
		return summary.KernelCalibration{}, fmt.Errorf("cache file %s holds %q, not %q", path, cal.Key, key)
	}
	if err := checkWhole(cal, n); err != nil {
		return summary.KernelCalibration{}, fmt.Errorf("cache file %s is corrupt: %w", path, err)
	}
	return cal, nil
}

// checkWhole says what is missing from a calibration of n nominal
// retransmissions.
func checkWhole(cal summary.KernelCalibration, n int) error {
	switch {
	case n == 0 && (cal.Measured < 1 || cal.Measured != len(cal.RetransmitsS)):
		// No nominal schedule (off Linux): every retransmission was
		// measured, or the calibration is not one.
		return fmt.Errorf("measured: want every one of %d retransmissions, and at least one, got %d", len(cal.RetransmitsS), cal.Measured)
	case len(cal.RetransmitsS) < n:
		return fmt.Errorf("retransmits_s: want %d retransmissions, got %d", n, len(cal.RetransmitsS))
	case len(cal.RetransmitSpreadS) != len(cal.RetransmitsS):
		return fmt.Errorf("retransmit_spread_s: want %d spreads, got %d", len(cal.RetransmitsS), len(cal.RetransmitSpreadS))
	case cal.Measured < 0 || cal.Measured > len(cal.RetransmitsS):
		return fmt.Errorf("measured: want 0..%d, got %d", len(cal.RetransmitsS), cal.Measured)
	case !(cal.GiveUpS > 0):
		return fmt.Errorf("give_up_s: want > 0, got %g", cal.GiveUpS)
	}
	if _, err := time.Parse(time.RFC3339, cal.MeasuredAt); err != nil {
		return fmt.Errorf("measured_at: %w", err)
	}
	return nil
}

// Load is this kernel's calibration, and never fails: the cache file of
// this kernel release and these sysctls if it holds a whole calibration
// (Source "cache", Why its path); else a quick probe, stored in the cache
// (Source "probe"); else, when the probe cannot run, Nominal (Source
// "nominal", Why saying why). A cache file that cannot be used, other than
// a missing one, and a probe that cannot be stored each give one line
// through opts.Warn.
func Load(ctx context.Context, opts Options) summary.KernelCalibration {
	warn := opts.Warn
	if warn == nil {
		warn = func(string) {}
	}
	m, err := readMachine()
	if err != nil {
		return Nominal(fmt.Sprintf("the probe cannot run: %v", err))
	}
	nominal, _ := m.schedule()
	dir, err := cacheDir(opts)
	if err != nil {
		warn(fmt.Sprintf("kernel calibration: %v; probing without a cache", err))
	} else {
		path := cacheFile(dir, m.key)
		cal, err := readCache(path, m.key, len(nominal))
		if err == nil {
			cal.Source, cal.Why = SourceCache, path
			cal.TimerHZ = sysinfo.TimerHZ()
			return cal
		}
		if !errors.Is(err, fs.ErrNotExist) {
			warn(fmt.Sprintf("kernel calibration: %v; probing again", err))
		}
	}
	opts.Full = false
	cal, err := Probe(ctx, opts)
	if err != nil {
		return Nominal(fmt.Sprintf("the probe failed: %v", err))
	}
	if dir != "" {
		if _, err := Store(opts, cal); err != nil {
			warn(fmt.Sprintf("kernel calibration: not cached: %v", err))
		}
	}
	return cal
}

// Cached is this kernel's calibration from the cache, without probing:
// ok is false when there is none that can be used.
func Cached(opts Options) (cal summary.KernelCalibration, ok bool) {
	m, err := readMachine()
	if err != nil {
		return cal, false
	}
	nominal, _ := m.schedule()
	dir, err := cacheDir(opts)
	if err != nil {
		return cal, false
	}
	path := cacheFile(dir, m.key)
	if cal, err = readCache(path, m.key, len(nominal)); err != nil {
		return cal, false
	}
	cal.Source, cal.Why, cal.TimerHZ = SourceCache, path, sysinfo.TimerHZ()
	return cal, true
}

// Refresh runs a full probe (about 134 s here) and stores it in the cache,
// replacing what was there. A calibration that was measured but could not
// be stored comes back with the error.
func Refresh(ctx context.Context, opts Options) (summary.KernelCalibration, error) {
	opts.Full = true
	cal, err := Probe(ctx, opts)
	if err != nil {
		return summary.KernelCalibration{}, err
	}
	if _, err := Store(opts, cal); err != nil {
		return cal, err
	}
	return cal, nil
}
