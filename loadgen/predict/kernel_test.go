package predict

import (
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
