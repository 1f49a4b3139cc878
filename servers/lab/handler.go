package lab

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/conclab/conclab/internal/workapi"
)

// Handler is the net/http work handler that nethttp, gin, echo, semaphore,
// limitlistener and pool all serve, so that their numbers come from the
// same code.
func (e *Env) Handler(gate Gate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		if err := CheckMethod(r.Method); err != nil {
			w.Header().Set("Allow", AllowHeader)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": err.Error()})
			e.Finish(r.RemoteAddr, r.RequestURI, http.StatusMethodNotAllowed, arrived, Reply{})
			return
		}
		work, err := ParseWork(r.URL.Query().Get, e.Config)
		if err == nil {
			work.Deadline, err = ParseDeadline(r.Header.Get(workapi.DeadlineHeader))
		}
		work.Accepted, _ = r.Context().Value(acceptedKey{}).(time.Time)
		work.SlotFreed, _ = r.Context().Value(slotFreedKey{}).(time.Time)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			e.Finish(r.RemoteAddr, r.RequestURI, http.StatusBadRequest, arrived, Reply{})
			return
		}
		// Before the gate: only a request whose body is read is watched
		// for its client leaving, in the queue as at work.
		if code, err := e.drainBody(w, r); err != nil {
			if code != StatusClientClosed {
				writeJSON(w, code, map[string]string{"error": err.Error()})
			}
			e.Finish(r.RemoteAddr, r.RequestURI, code, arrived, Reply{})
			return
		}
		reply, err := e.Execute(r.Context(), gate, work)
		e.Passages.Add(work, reply, time.Now())
		var rej *Rejection
		switch {
		case errors.As(err, &rej) && rej.Reset:
			resetConnection(w)
			e.Finish(r.RemoteAddr, r.RequestURI, 0, arrived, reply)
		case rej != nil:
			w.Header().Set("Retry-After", "1")
			writeJSON(w, rej.Code(), workapi.Refusal{Error: rej.Error(), Reason: rej.Reason, ID: reply.ID,
				Accepted: reply.Accepted, Arrived: reply.Arrived, Refused: time.Now(), Decided: rej.Decided})
			e.Finish(r.RemoteAddr, r.RequestURI, rej.Code(), arrived, reply)
		case err != nil:
			// The client left (or the server is closing): nobody reads a body.
			e.Finish(r.RemoteAddr, r.RequestURI, StatusClientClosed, arrived, reply)
		default:
			writeJSON(w, http.StatusOK, reply)
			e.Finish(r.RemoteAddr, r.RequestURI, http.StatusOK, arrived, reply)
		}
	})
}

// resetConnection takes the connection from net/http and closes it with an
// RST, so the client sees its request dropped, not answered.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if r, ok := conn.(Resetter); ok {
		_ = r.Reset()
		return
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// NewHTTPServer is the net/http server every net/http-based model uses,
// with the timeouts and keep-alive of the config.
func (e *Env) NewHTTPServer(h http.Handler) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: e.Config.ReadHeaderTimeout,
		ReadTimeout:       e.Config.ReadTimeout,
		WriteTimeout:      e.Config.WriteTimeout,
		IdleTimeout:       e.Config.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		// net/http logs accept errors (EMFILE at the fd ceiling) here.
		ErrorLog:    nil,
		ConnContext: stampAccepted,
	}
	srv.SetKeepAlivesEnabled(e.Config.KeepAlive)
	return srv
}

// acceptedKey keys, in a connection's context, when accept(2) returned
// it: net/http calls ConnContext in its accept loop right after Accept,
// after any WrapListener (a LimitListener accepts only once it has a
// slot), which is when the connection left the kernel's accept queue.
type acceptedKey struct{}

func stampAccepted(ctx context.Context, c net.Conn) context.Context {
	ctx = context.WithValue(ctx, acceptedKey{}, time.Now())
	if f, ok := c.(SlotFreer); ok {
		if freed := f.SlotFreed(); !freed.IsZero() {
			ctx = context.WithValue(ctx, slotFreedKey{}, freed)
		}
	}
	return ctx
}

// SlotFreer is a connection of a listener that accepts only while a slot
// is free (a LimitListener's), which knows when the close that freed its
// slot happened, if every slot was taken before it. Its accept waited
// from that close: for the accept loop to wake, and, when no connection
// was queued then, for this one to come. SlotFreed is zero when no close
// freed its slot.
type SlotFreer interface {
	SlotFreed() time.Time
}

// slotFreedKey keys, in a connection's context, its SlotFreer's stamp.
type slotFreedKey struct{}
