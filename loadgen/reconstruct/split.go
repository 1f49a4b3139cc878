package reconstruct

import (
	"time"

	"github.com/conclab/conclab/loadgen/kernelview"
)

// Where is one instant's split of the waiting requests.
type Where struct {
	Point
	// InKernel: handshake done, not accepted (the listening socket's accept
	// queue, from the kernel).
	InKernel int
	// InApp: accepted by the server, not yet running: Waiting − Connecting
	// − InKernel, at least 0.
	InApp int
	// AppFromKernel is the same, counted from the kernel side: accepted
	// connections − Running, at least 0. It agrees with InApp when each
	// connection carries one request.
	AppFromKernel int
	// Established and Accepted are the kernel's counts at the sample.
	Established int
	Accepted    int
}

// Split combines the rebuilt lives with kernel samples of the server's
// port, at the instants the samples were taken.
func Split(lives []Life, samples []kernelview.Port) []Where {
	out := make([]Where, len(samples))
	for i, k := range samples {
		p := At(lives, k.At)
		w := Where{Point: p, InKernel: k.AcceptQueue, Established: k.Established, Accepted: k.Accepted()}
		w.InApp = max(0, p.Waiting-p.Connecting-k.AcceptQueue)
		w.AppFromKernel = max(0, k.Accepted()-p.Running)
		out[i] = w
	}
	return out
}

// SplitAt is Split for one kernel sample taken at instant t (the sample's
// own At is ignored).
func SplitAt(lives []Life, k kernelview.Port, t time.Time) Where {
	k.At = t
	return Split(lives, []kernelview.Port{k})[0]
}
