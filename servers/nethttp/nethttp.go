// Package nethttp is the plain net/http model: a goroutine per connection
// and no limit, so every request runs at once until the process runs out of
// file descriptors.
package nethttp

import (
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.NetHTTP,
	New: func(env *lab.Env) (lab.Model, error) {
		return env.GateModel(nil), nil
	},
}
