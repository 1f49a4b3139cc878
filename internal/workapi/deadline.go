package workapi

import "time"

// DeadlineHeader carries the instant a request's client gives up, in
// DeadlineFormat: loadgen sends it with every request, as its send time
// plus the scenario's timeout, gives up at that very instant, and the
// deadline model drops a waiting request that can no longer finish by
// then. Both ends read one clock: a
// server on another machine would need the two clocks in step.
const DeadlineHeader = "Conclab-Deadline"

// DeadlineFormat is the layout of DeadlineHeader's value.
const DeadlineFormat = time.RFC3339Nano
