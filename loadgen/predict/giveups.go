package predict

import "time"

// giveUps is what a replica draws its clients' give-ups from: how late
// after its deadline each of the run's timed-out clients gave up
// (Spread.GiveUpLate, at GiveUpAt), and how long after its deadline the
// server wrote the answer of each client that took it all the same
// (Spread.StayedLate, at StayedAt).
//
// Such a client had not given up by the time its answer was written: its
// give-up would have come later still, by an amount the run does not
// show. Dropping those clients would keep only the quick give-ups, and
// the slow ones come together, when a storm of refusals keeps both CPUs
// busy. In a burst-after-deploy run (2026-12-07), deadline-4's clients of
// requests 905 to 910 gave up 0.04 to 0.56 ms after their deadlines at
// 32.33 s, while those of 911 to 916 took 503s written 0.15 to 3.6 ms
// after theirs; the replicas drew from the quick ones alone. So the
// stayers count as censored samples, as survival analysis counts a
// patient who left the study still alive: the Kaplan-Meier estimate
// (kaplanMeier), of the clients whose deadlines came within localWindow
// of the one drawn for, or of all of them where none did.
type giveUps struct {
	late, at, stayed, stayedAt []time.Duration
	all                        *kaplanMeier // of every sample, made at its first need
}

// giveUpsOf is the give-ups of spread; nil without any timed-out client
// to draw from. Without GiveUpAt the stayers are left out, since the
// give-ups cannot be told by their moments.
func giveUpsOf(spread Spread) *giveUps {
	if len(spread.GiveUpLate) == 0 {
		return nil
	}
	g := &giveUps{late: spread.GiveUpLate, at: spread.GiveUpAt}
	if spread.GiveUpAt != nil {
		g.stayed, g.stayedAt = spread.StayedLate, spread.StayedAt
	}
	return g
}

// lateAt is the lateness at the u-th quantile (0 ≤ u < 1) of the
// give-ups of the clients whose deadlines came within localWindow of
// deadline, stayers included, or of all the run's clients where none
// did or the samples are not timed (GiveUpAt nil).
func (g *giveUps) lateAt(deadline time.Duration, u float64) time.Duration {
	if g.at != nil {
		lo, hi := window(g.at, deadline)
		slo, shi := window(g.stayedAt, deadline)
		if lo < hi || slo < shi {
			return newKaplanMeier(g.late[lo:hi], g.stayed[slo:shi]).quantile(u)
		}
	}
	if g.all == nil {
		g.all = newKaplanMeier(g.late, g.stayed)
	}
	return g.all.quantile(u)
}
