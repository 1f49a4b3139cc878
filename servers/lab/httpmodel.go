package lab

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// HTTPModel is a Model served by net/http: every model but fasthttp.
type HTTPModel struct {
	Server *http.Server
	// WrapListener, when set, wraps the (connection-counting) listener
	// before net/http accepts from it.
	WrapListener func(net.Listener) net.Listener
}

// GateModel is net/http serving every request through gate (nil: at
// once): the model of every net/http server that only differs in its
// gate.
func (e *Env) GateModel(gate Gate) *HTTPModel {
	return &HTTPModel{Server: e.NewHTTPServer(e.Handler(gate))}
}

// Serve implements Model.
func (m *HTTPModel) Serve(ln net.Listener) error {
	if m.WrapListener != nil {
		ln = m.WrapListener(ln)
	}
	err := m.Server.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown implements Model: graceful until ctx ends, then forced. Forcing
// closes the connections, which cancels the handlers' contexts, so sleeping
// handlers return at once.
func (m *HTTPModel) Shutdown(ctx context.Context) error {
	err := m.Server.Shutdown(ctx)
	if err != nil {
		_ = m.Server.Close()
	}
	return err
}
