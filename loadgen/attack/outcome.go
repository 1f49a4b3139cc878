package attack

import (
	"fmt"
	"regexp"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/outcome"
)

// Classify maps a vegeta result to its outcome. Go's error strings are the
// only record vegeta keeps of a failed hit, so this reads them.
func Classify(r *vegeta.Result) outcome.Outcome {
	switch {
	case r.Code == 200:
		return outcome.OK
	case r.Code == 503:
		return outcome.HTTP503
	case r.Code == 429:
		return outcome.HTTP429
	case r.Code != 0:
		return outcome.HTTPOther
	}
	return classifyError(r.Error)
}

func classifyError(e string) outcome.Outcome {
	switch {
	case e == "":
		return outcome.Other
	case strings.Contains(e, "Client.Timeout"),
		strings.Contains(e, "timeout"),
		strings.Contains(e, "timed out"),
		strings.Contains(e, "deadline exceeded"):
		return outcome.Timeout
	case strings.Contains(e, "connection refused"):
		return outcome.Refused
	case strings.Contains(e, "connection reset"),
		strings.Contains(e, "broken pipe"),
		strings.Contains(e, "EOF"),
		// fasthttp answers a connection over its Concurrency with a 503
		// before reading the request; Go's client sees the connection
		// end without a response to its request.
		strings.Contains(e, "readLoopPeekFailLocked"),
		// The same race seen from the writing side: the Transport
		// closed the connection on the server's early answer and close
		// while it was still writing the request.
		strings.Contains(e, "write tcp") && strings.Contains(e, "use of closed network connection"),
		strings.Contains(e, "server closed"):
		return outcome.Reset
	}
	return outcome.Other
}

// Detail is what an outcome leaves unsaid: the error behind an "other" or
// a "reset" (a reset has several causes: the server closing with the
// request unread, an EOF, a broken pipe) and the status behind an
// "http_other", without the request line, whose URL differs for every
// request. It is empty for every other outcome.
func Detail(o outcome.Outcome, r *vegeta.Result) string {
	switch o {
	case outcome.HTTPOther:
		return fmt.Sprintf("HTTP %d", r.Code)
	case outcome.Other, outcome.Reset:
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
		// A socket error names the connection's own port
		// ("read tcp 127.0.0.1:34610->127.0.0.1:80: read: connection reset
		// by peer"): without it, a thousand resets quote as one.
		return clientPort.ReplaceAllString(e, "$1:*->")
	}
	return ""
}

// clientPort is the local port of a socket error's "local->remote".
var clientPort = regexp.MustCompile(`([0-9a-fA-F.:\[\]]+?):\d+->`)
