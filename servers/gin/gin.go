// Package gin serves the work handler through the gin router. gin runs on
// net/http, so it waits exactly where net/http waits.
package gin

import (
	gingonic "github.com/gin-gonic/gin"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Gin,
	New: func(env *lab.Env) (lab.Model, error) {
		gingonic.SetMode(gingonic.ReleaseMode)
		r := gingonic.New()
		h := gingonic.WrapH(env.Handler(nil))
		for _, m := range lab.WorkMethods {
			r.Handle(m, "/", h)
		}
		// Every other method and path reaches the handler too, as on
		// nethttp, so that it answers (405 for a method) and counts them.
		r.NoRoute(h)
		return &lab.HTTPModel{Server: env.NewHTTPServer(r)}, nil
	},
}
