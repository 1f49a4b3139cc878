package lab

import (
	"context"
	"net"
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
	// work ran ("slot-3", "worker-2", "caller"). Run returns a *Rejection
	// when the model refuses the request, or ctx.Err() when the client left
	// before its work started.
	Run(ctx context.Context, work func(slot string)) error
}

// Spec describes a model: its name for --model, the flags it uses, and how
// to build it.
type Spec struct {
	Name    string
	Summary string
	// Uses lists the model-specific flags the model reads: any of
	// "limit", "queue", "queue-timeout", "core", "max", "policy",
	// "pool-keepalive". Setting another one is an error.
	Uses []string
	// DefaultLimit is the value of --limit when it is not given; 0 when
	// the model has no --limit.
	DefaultLimit int
	// New builds the model. It may wrap the listener later, in Serve.
	New func(env *Env) (Model, error)
}

func (s Spec) uses(flag string) bool {
	for _, f := range s.Uses {
		if f == flag {
			return true
		}
	}
	return false
}
