// Package scenario reads and checks conclab's scenario files.
//
// A scenario is one experiment: Requests requests sent at a fixed Rate (an
// open model: arrivals do not wait for answers) to every target at once,
// each asking the handler to Sleep and to spin the CPU for a while. A target
// is either an embedded server that loadgen starts from bin/labserver with a
// concurrency model (nethttp, gin, echo, semaphore, limitlistener, pool,
// fasthttp) and its limits, or an external server given by URL.
//
// A minimal file:
//
//	name: demo
//	rate: 2          # requests per second
//	requests: 100    # sent to each target
//	sleep: 10s       # Go duration, or a number of seconds
//	targets:
//	  - {name: nethttp, model: nethttp}
//	  - {name: semaphore-4, model: semaphore, limit: 4, queue: 10}
//
// A server without conclab's metrics is measured from the kernel side: its
// port's accept queue and connections, and its processes (see
// loadgen/kernelview), with the running and waiting requests rebuilt from
// the client's records (loadgen/reconstruct). loadgen can start and stop
// it, and predict it like a labserver model it resembles:
//
//	targets:
//	  - name: fastapi-def
//	    command: /usr/bin/python3 -m uvicorn app:app --port {port}
//	    like: semaphore     # for the prediction: 40 AnyIO worker threads
//	    limit: 40
//	  - {name: own, url: "http://127.0.0.1:8080/", process: myserver}
//	  - {name: sem, model: semaphore, limit: 3, admin: none}   # labserver, its metrics ignored
//
// Parse and Load decode strictly: unknown keys, values of the wrong type and
// invalid values are errors, and every error is a single line of the form
//
//	FILE:LINE:COL: FIELD: message
//
// such as "scenarios/bad.yaml:7:12: targets[2].max: must be >= core (10),
// got 5". A missing required field is reported at the
// mapping that should hold it. Errors are of type *Error.
//
// Parse applies the defaults (the client timeout, max_sleep, the pool's max
// and policy, the server defaults), so the Scenario it returns is fully
// resolved; Marshal writes that resolved form, and Parse reads it back
// unchanged. Scaled multiplies every scenario time by a factor for quick
// runs (--scale), and Select keeps some of the targets (--only).
package scenario
