// Package models lists every concurrency model labserver offers.
package models

import (
	"github.com/conclab/conclab/servers/echo"
	"github.com/conclab/conclab/servers/fasthttp"
	"github.com/conclab/conclab/servers/gin"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/limitlistener"
	"github.com/conclab/conclab/servers/nethttp"
	"github.com/conclab/conclab/servers/pool"
	"github.com/conclab/conclab/servers/semaphore"
)

// All is every model, in the order --help lists them.
var All = []lab.Spec{
	nethttp.Spec, gin.Spec, echo.Spec, semaphore.Spec, limitlistener.Spec, pool.Spec, fasthttp.Spec,
}

// Lookup finds a model by name.
func Lookup(name string) (lab.Spec, bool) {
	for _, s := range All {
		if s.Name == name {
			return s, true
		}
	}
	return lab.Spec{}, false
}
