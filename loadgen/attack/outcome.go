package attack

import (
	"fmt"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Outcome is how a request ended, as the client saw it.
type Outcome string

// The outcomes of DESIGN.md; every request sent has exactly one.
const (
	OK        Outcome = "ok"
	HTTP503   Outcome = "http_503"
	HTTPOther Outcome = "http_other"
	Timeout   Outcome = "timeout"
	Refused   Outcome = "refused"
	Reset     Outcome = "reset"
	Other     Outcome = "other"
)

// Outcomes lists every outcome in report order.
var Outcomes = []Outcome{OK, HTTP503, HTTPOther, Timeout, Refused, Reset, Other}

// Classify maps a vegeta result to its outcome. Go's error strings are the
// only record vegeta keeps of a failed hit, so this reads them.
func Classify(r *vegeta.Result) Outcome {
	switch {
	case r.Code == 200:
		return OK
	case r.Code == 503:
		return HTTP503
	case r.Code != 0:
		return HTTPOther
	}
	return classifyError(r.Error)
}

func classifyError(e string) Outcome {
	switch {
	case e == "":
		return Other
	case strings.Contains(e, "Client.Timeout"),
		strings.Contains(e, "timeout"),
		strings.Contains(e, "timed out"),
		strings.Contains(e, "deadline exceeded"):
		return Timeout
	case strings.Contains(e, "connection refused"):
		return Refused
	case strings.Contains(e, "connection reset"),
		strings.Contains(e, "broken pipe"),
		strings.Contains(e, "EOF"),
		// fasthttp answers a connection over its Concurrency with a 503
		// before reading the request; Go's client sees the connection
		// end without a response to its request.
		strings.Contains(e, "readLoopPeekFailLocked"),
		strings.Contains(e, "server closed"):
		return Reset
	}
	return Other
}

// Detail is what an outcome leaves unsaid: the error behind an "other" and
// the status behind an "http_other", without the request line, whose URL
// differs for every request. It is empty for every other outcome.
func Detail(o Outcome, r *vegeta.Result) string {
	switch o {
	case HTTPOther:
		return fmt.Sprintf("HTTP %d", r.Code)
	case Other:
		e := r.Error
		// url.Error spells the method "Get" where vegeta has "GET".
		if op, rest, ok := strings.Cut(e, ` "`); ok && strings.EqualFold(op, r.Method) {
			if _, cause, ok := strings.Cut(rest, `": `); ok {
				e = cause
			}
		}
		if e == "" {
			return "no status and no error"
		}
		return e
	}
	return ""
}
