// Package lab is the shared part of every conclab test server: configuration,
// the listener with a real backlog and its TCP_INFO probe, the Prometheus
// metrics, the handler's work (sleep and CPU spin) and the admin endpoint.
//
// A concurrency model (package nethttp, semaphore, pool, ...) only decides
// when and where a request's work runs. It does so behind two small
// interfaces: Model serves the app listener, and Gate admits requests into
// the handler. Everything a model reports — inflight, queued, open
// connections, rejections — goes through the same Metrics, so the numbers of
// two models can be compared line by line.
package lab
