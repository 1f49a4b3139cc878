package predict

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestSynSchedule(t *testing.T) {
	s := func(xs ...float64) []time.Duration {
		out := make([]time.Duration, 0, len(xs))
		for _, x := range xs {
			out = append(out, sec(x))
		}
		return out
	}
	tests := []struct {
		name   string
		k      Kernel
		want   []time.Duration
		giveUp time.Duration
	}{
		// R+L = 10 retransmissions; gaps +1 ×5 (initial RTO + 4 linear), then
		// +2,+4,+8,+16,+32; give-up one more RTO (64 s) after 67 s. This is
		// what was measured on this machine (see SynSchedule).
		{"R6 L4 (this machine)", Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second},
			s(1, 2, 3, 4, 5, 7, 11, 19, 35, 67), sec(131)},
		// Classic exponential back-off: 1,2,4,8,16,32 → offsets 1,3,7,15,31,63, give-up 63+64.
		{"R6 L0 (older kernels)", Kernel{SynRetries: 6, InitialRTO: time.Second},
			s(1, 3, 7, 15, 31, 63), sec(127)},
		{"R2 L0", Kernel{SynRetries: 2, InitialRTO: time.Second}, s(1, 3), sec(7)},
		{"R0 L0: no retransmission, give up after one RTO", Kernel{InitialRTO: time.Second}, s(), sec(1)},
		{"R0 L4: the linear ones only", Kernel{SynLinearTimeouts: 4, InitialRTO: time.Second}, s(1, 2, 3, 4), sec(5)},
		{"R1 L1", Kernel{SynRetries: 1, SynLinearTimeouts: 1, InitialRTO: time.Second}, s(1, 2), sec(4)},
		{"InitialRTO 0 means 1s", Kernel{SynRetries: 2}, s(1, 3), sec(7)},
		{"InitialRTO 200ms", Kernel{SynRetries: 3, SynLinearTimeouts: 1, InitialRTO: 200 * time.Millisecond},
			s(0.2, 0.4, 0.8, 1.6), sec(3.2)},
		// 1,2,4,…,64 then capped at 120 s (TCP_RTO_MAX).
		{"R9 L0: RTO capped at 120s", Kernel{SynRetries: 9, InitialRTO: time.Second},
			s(1, 3, 7, 15, 31, 63, 127, 247, 367), sec(487)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, giveUp := tt.k.SynSchedule()
			if !reflect.DeepEqual(got, tt.want) || giveUp != tt.giveUp {
				t.Errorf("SynSchedule() = %v, %v; want %v, %v", got, giveUp, tt.want, tt.giveUp)
			}
		})
	}
}

func TestReadKernelFiles(t *testing.T) {
	write := func(dir, name, v string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("both", func(t *testing.T) {
		dir := t.TempDir()
		write(dir, "tcp_syn_retries", "6\n")
		write(dir, "tcp_syn_linear_timeouts", "4\n")
		k, err := readKernel(dir)
		if err != nil || k != (Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second}) {
			t.Errorf("readKernel = %+v, %v", k, err)
		}
	})
	t.Run("no linear timeouts file", func(t *testing.T) {
		dir := t.TempDir()
		write(dir, "tcp_syn_retries", "5\n")
		k, err := readKernel(dir)
		if err != nil || k != (Kernel{SynRetries: 5, InitialRTO: time.Second}) {
			t.Errorf("readKernel = %+v, %v", k, err)
		}
	})
	t.Run("no retries file", func(t *testing.T) {
		if _, err := readKernel(t.TempDir()); err == nil {
			t.Error("readKernel without tcp_syn_retries: want an error")
		}
	})
	t.Run("garbage", func(t *testing.T) {
		dir := t.TempDir()
		write(dir, "tcp_syn_retries", "six\n")
		if _, err := readKernel(dir); err == nil {
			t.Error("readKernel with a non-number: want an error")
		}
	})
}

func TestReadKernelHere(t *testing.T) {
	if _, err := os.Stat("/proc/sys/net/ipv4/tcp_syn_retries"); err != nil {
		t.Skip("no /proc/sys/net/ipv4 here")
	}
	k, err := ReadKernel()
	if err != nil {
		t.Fatal(err)
	}
	if k.SynRetries < 1 || k.InitialRTO != time.Second {
		t.Errorf("ReadKernel() = %+v", k)
	}
}
