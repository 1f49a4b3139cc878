package catalog

// Rejection reasons: the values of conclab_requests_rejected_total{reason},
// which a server counts and loadgen sums into its rejected figure.
const (
	ReasonQueueFull        = "queue_full"
	ReasonQueueTimeout     = "queue_timeout"
	ReasonConcurrencyLimit = "concurrency_limit"
	ReasonPolicy           = "policy"
	ReasonRateLimited      = "rate_limited"
	ReasonDeadline         = "deadline"
)

// Reasons is every rejection reason; a server reports each from its start,
// at zero, so that a rate over it has a first sample.
var Reasons = []string{ReasonQueueFull, ReasonQueueTimeout, ReasonConcurrencyLimit, ReasonPolicy, ReasonRateLimited, ReasonDeadline}
