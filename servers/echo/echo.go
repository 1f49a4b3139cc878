// Package echo serves the work handler through the echo router. echo runs
// on net/http, so it waits exactly where net/http waits.
package echo

import (
	labstack "github.com/labstack/echo/v4"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Echo,
	New: func(env *lab.Env) (lab.Model, error) {
		e := labstack.New()
		e.HideBanner, e.HidePort = true, true
		h := labstack.WrapHandler(env.Handler(nil))
		e.Match(lab.WorkMethods, "/", h)
		// Every other method and path reaches the handler too, as on
		// nethttp, so that it answers (405 for a method) and counts them.
		e.RouteNotFound("/*", h)
		return &lab.HTTPModel{Server: env.NewHTTPServer(e)}, nil
	},
}
