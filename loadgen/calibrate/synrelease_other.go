//go:build !linux

package calibrate

import "context"

// probeSyn measures the schedule with the release probe: only Linux's
// TCP_INFO counts a connecting socket's retransmissions (syntcpinfo_linux.go).
// There is no nominal schedule here to carry a quick probe further, so the
// plan is a full one, up to the OS's connect timeout.
func probeSyn(ctx context.Context, plan synPlan) (observed, error) {
	return probeByRelease(ctx, plan, plan.giveUp)
}
