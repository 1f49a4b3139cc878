// Package models lists every concurrency model labserver offers.
package models

import (
	"github.com/conclab/conclab/servers/adaptive"
	"github.com/conclab/conclab/servers/codel"
	"github.com/conclab/conclab/servers/deadline"
	"github.com/conclab/conclab/servers/echo"
	"github.com/conclab/conclab/servers/fasthttp"
	"github.com/conclab/conclab/servers/gin"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/limitlistener"
	"github.com/conclab/conclab/servers/nethttp"
	"github.com/conclab/conclab/servers/pool"
	"github.com/conclab/conclab/servers/ratelimit"
	"github.com/conclab/conclab/servers/semaphore"
)

// All is every model's implementation, in the catalogue's order (a test
// checks that the two lists agree).
var All = []lab.Spec{
	nethttp.Spec, gin.Spec, echo.Spec, semaphore.Spec, limitlistener.Spec, pool.Spec, fasthttp.Spec, ratelimit.Spec, codel.Spec, deadline.Spec, adaptive.Spec,
}
