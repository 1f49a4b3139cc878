// Package externaltest proves the kernel-side measurement of targets that
// expose no metrics (loadgen/kernelview and loadgen/reconstruct) against
// servers whose own numbers are known:
//
//   - labservers with their admin endpoint ignored: the kernel's view of the
//     port and the rebuild from the client's records must give exactly the
//     inflight, queued and accept-queue numbers that the labserver's own
//     /metrics report, which are the numbers the model implies;
//   - the same through `loadgen run` with admin: none;
//   - FastAPI's def endpoint under uvicorn (Debian's python3-fastapi), which
//     must show 40 running and the rest waiting in the app;
//   - three rows of make bench-python and make bench-tomcat through `loadgen
//     run`, on a small load, each with the exact figures of its like: model:
//     FastAPI with CapacityLimiter(200), Hypercorn's trio worker (40 whatever
//     the limiter says), and Tomcat's three waiting places.
//
// The package has tests only.
package externaltest
