package lab

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// WorkMethods are the methods that do the work; any other gets 405
// (docs/contracts.md). The work is whatever the query asks, whatever the
// method: load tools send GET, but also POST and PUT with a body (a vegeta
// target with a body), and those must stay usable. OPTIONS, TRACE and CONNECT
// mean something else (a preflight, an echo, a tunnel), which a 200 with a
// work reply would misstate.
var WorkMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
}

// AllowHeader is the Allow header of a 405: the WorkMethods.
var AllowHeader = strings.Join(WorkMethods, ", ")

// MaxBodyBytes is the largest request body the lab reads; a larger one gets
// 413. A body is read and thrown away before the request waits for its
// place, because net/http watches the connection (and cancels the request's
// context when the client leaves) only once the body has been read: unread,
// a departed client would keep its place for the whole work. The cap keeps
// that read cheap, so that it never becomes the work; --read-timeout keeps a
// slow body from holding a connection.
const MaxBodyBytes = 64 << 10

// CheckMethod returns the one-line reason for a 405, or nil when method does
// the work.
func CheckMethod(method string) error {
	if slices.Contains(WorkMethods, method) {
		return nil
	}
	return fmt.Errorf("method %.40q does no work here: use %s", method, AllowHeader)
}

// ErrBodyTooLarge is the reason for a 413.
var ErrBodyTooLarge = fmt.Errorf("request body larger than %d bytes", MaxBodyBytes)

// BodyTimeoutError is the reason for a 408: the body came slower than
// --read-timeout allows.
func BodyTimeoutError(readTimeout time.Duration) error {
	return fmt.Errorf("request body not read within --read-timeout %s", readTimeout)
}

// drainBody reads r's body, up to MaxBodyBytes, and throws it away. On
// failure it returns the status to count: 413 for a body above the cap, 408
// for one slower than --read-timeout, StatusClientClosed when the client left
// before the end of its body, 400 for a malformed one (bad chunking).
func (e *Env) drainBody(w http.ResponseWriter, r *http.Request) (int, error) {
	if r.Body == http.NoBody {
		return 0, nil
	}
	if r.ContentLength > MaxBodyBytes {
		// Refused before it is read. net/http closes the connection
		// after the answer, once it has thrown away what came of the
		// body (at most 256 KiB, within --read-timeout).
		w.Header().Set("Connection", "close")
		return http.StatusRequestEntityTooLarge, ErrBodyTooLarge
	}
	_, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, ErrBodyTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout, BodyTimeoutError(e.Config.ReadTimeout)
	case r.Context().Err() != nil:
		// net/http cancels the context on any read error from the
		// connection: the client is gone.
		return StatusClientClosed, fmt.Errorf("client left while sending its body: %w", err)
	default:
		return http.StatusBadRequest, fmt.Errorf("request body: %w", err)
	}
}
