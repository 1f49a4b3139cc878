package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// BenchmarkSimulateSeed: the seed replay (1000 requests) against a semaphore of 40.
func BenchmarkSimulateSeed(b *testing.B) {
	in := Input{Arrivals: seed(), Service: 800 * time.Second, ClientTimeout: 900 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 4096, Settings: catalog.Settings{Limit: 40, Queue: -1}}}
	for b.Loop() {
		if _, err := Simulate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulateSeedLimitListener: the seed replay against limitlistener 100
// with backlog 128, where most requests go through SYN retransmissions.
func BenchmarkSimulateSeedLimitListener(b *testing.B) {
	in := Input{Arrivals: seed(), Service: 800 * time.Second, ClientTimeout: 900 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 128, Settings: catalog.Settings{Limit: 100}}}
	for b.Loop() {
		if _, err := Simulate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate20k: 20,000 requests in 60 s against a semaphore of 40
// without a client timeout: 8 hours of simulated time.
func BenchmarkSimulate20k(b *testing.B) {
	in := Input{Arrivals: every(20000, 3*time.Millisecond), Service: 800 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 4096, Settings: catalog.Settings{Limit: 40, Queue: -1}}}
	for b.Loop() {
		if _, err := Simulate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate20kLimitListener: 20,000 requests in 30 s against
// limitlistener 100, backlog 128: nearly all go through every SYN retransmission.
func BenchmarkSimulate20kLimitListener(b *testing.B) {
	in := Input{Arrivals: every(20000, 1500*time.Microsecond), Service: 800 * time.Second, ClientTimeout: 900 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 128, Settings: catalog.Settings{Limit: 100}}}
	for b.Loop() {
		if _, err := Simulate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplicateSeedLimitListener: 200 replicas of the seed replay
// against limitlistener 100, each retransmission spread over 30 ms, the
// costliest target of `loadgen predict scenarios/seed.yaml`.
func BenchmarkReplicateSeedLimitListener(b *testing.B) {
	in := Input{Arrivals: seed(), Service: 800 * time.Second, ClientTimeout: 900 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 128, Settings: catalog.Settings{Limit: 100}}}
	retrans, _ := linux.SynSchedule()
	spread := make([][2]time.Duration, len(retrans))
	for i, r := range retrans {
		spread[i] = [2]time.Duration{r, r + 30*time.Millisecond}
	}
	for b.Loop() {
		if _, err := Replicate(in, Spread{Retransmits: spread}, ReplicaOptions{N: DefaultReplicas}); err != nil {
			b.Fatal(err)
		}
	}
}
