package lab

import (
	"context"
	"net"

	"github.com/conclab/conclab/internal/catalog"
)

// Model serves the app listener with one concurrency model.
type Model interface {
	// Serve accepts connections on ln until Shutdown is called.
	// It returns nil after a shutdown.
	Serve(ln net.Listener) error
	// Shutdown stops accepting, lets running requests finish until ctx
	// ends, then closes whatever is left.
	Shutdown(ctx context.Context) error
}

// Gate admits requests into the handler's work. A nil Gate runs every
// request at once.
type Gate interface {
	// Run calls work when the model allows it, on the goroutine the model
	// chooses, and returns after work has returned. slot names where the
	// work ran ("slot-3", "worker-2", "caller"). w is the work asked, for a
	// model that weighs it (the deadline queue). Run returns a *Rejection
	// when the model refuses the request, or ctx.Err() when the client left
	// before its work started.
	Run(ctx context.Context, w Work, work func(slot string)) error
}

// Spec is a model's implementation: the catalogue's entry for it (its
// name for --model, the knobs it takes, its defaults) and how to build it.
type Spec struct {
	catalog.Model
	// New builds the model. It may wrap the listener later, in Serve.
	New func(env *Env) (Model, error)
}
