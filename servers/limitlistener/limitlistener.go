// Package limitlistener caps accepted connections with
// golang.org/x/net/netutil.LimitListener. It waits for a free slot before it
// calls accept(2), so the excess waits in the kernel: first in the accept
// queue (backlog+1 entries), then as SYNs the kernel drops and the client
// retransmits — Flask with processes=N behaves the same way.
package limitlistener

import (
	"net"

	"golang.org/x/net/netutil"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.LimitListener,
	New: func(env *lab.Env) (lab.Model, error) {
		limit := env.Config.Limit
		return &lab.HTTPModel{
			Server: env.NewHTTPServer(env.Handler(nil)),
			WrapListener: func(ln net.Listener) net.Listener {
				return &slotTimer{Listener: netutil.LimitListener(ln, limit), limit: limit}
			},
		}, nil
	},
}
