# conclab: make bench replays the seed experiment, make test runs the
# whole suite. README.md says more, and docs/ has the reference.
SHELL := /bin/bash
GO    ?= go
SCALE ?= 0.02
export CGO_ENABLED := 0

.PHONY: all build deps test unit fuzz vet bench bench-closed bench-sweep perf clean

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -o bin/labserver ./servers/cmd/labserver
	$(GO) build -trimpath -o bin/loadgen ./loadgen/cmd/loadgen

GOFMT_DIRS := servers loadgen internal deploy external

vet:
	@test -z "$$(gofmt -l $(GOFMT_DIRS))" || { echo "gofmt needed:"; gofmt -l $(GOFMT_DIRS); exit 1; }
	$(GO) vet ./...

# What the integration tests need on a fresh Debian machine: the
# prometheus package (deploy/) and the Python servers (external/). Both
# scripts install only what is missing, as root or through sudo.
deps:
	bash deploy/ci-install.sh
	bash external/ci-install.sh

# The whole suite: the dependencies, vet, every package with the race
# detector (race needs cgo), then each fuzz target for a short bounded
# time. A test whose dependency is missing fails and names it; with
# SKIP_INTEGRATION=1 those tests skip instead, `make deps` is not run, and
# gotestsum (a go.mod tool) lists every skipped test in the last lines.
test: $(if $(SKIP_INTEGRATION),,deps) build vet unit fuzz

# The external servers' tests (Python, a JVM) run alone, after the rest:
# they are measured from the kernel side, whose rebuild counts an answer
# that leaves late as time spent waiting, and other packages' tests on the
# same two CPUs make their answers late (docs/python.md).
EXTERNAL_TESTS := ./loadgen/externaltest
unit:
	CGO_ENABLED=1 $(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- \
		-race -count=1 -timeout 30m $$($(GO) list ./... | grep -v '/loadgen/externaltest$$')
	CGO_ENABLED=1 $(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- \
		-race -count=1 -timeout 30m $(EXTERNAL_TESTS)

# Budgets are counts of inputs, about 10 s each here, bounded by -timeout.
# A duration (-fuzztime 10s) races Go's fuzzing coordinator against its own
# deadline on a busy machine and fails with "context deadline exceeded"
# without any failing input; a count has no deadline.
FUZZ_WORK_INPUTS ?= 150000x
FUZZ_SCENARIO_INPUTS ?= 50000x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseWork$$' -fuzztime $(FUZZ_WORK_INPUTS) -timeout 5m ./servers/lab
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZ_SCENARIO_INPUTS) -timeout 5m ./loadgen/scenario

bench: build
	bin/loadgen run scenarios/seed.yaml --scale $(SCALE)

# The seed's users looping three times, a closed model
# (docs/traffic.md#closed-users); about 70 s at the default scale.
bench-closed: build
	bin/loadgen run scenarios/seed-closed.yaml --scale $(SCALE)

# A semaphore, a pool and a connection limit at 8 offered rates, with
# their knees (docs/traffic.md#load-sweeps); about 3.5 minutes.
bench-sweep: build
	bin/loadgen sweep scenarios/sweep.yaml --rates 10:80:10

# The lab's own costs in one run: memory per held request per model,
# pacing against the vegeta command line (installed from the Go module
# proxy into bin/), the sampler's CPU share, and the probe/scrape
# benchmarks, and the prediction's (200 replicas of the seed matrix).
VEGETA_VERSION := v12.13.0
perf: build
	@test -x bin/vegeta || GOBIN=$(CURDIR)/bin $(GO) install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)
	bin/loadgen perf --vegeta bin/vegeta
	$(GO) test -run '^$$' -bench 'ProbeAcceptQueue|Scrape' -benchmem ./servers/lab
	$(GO) test -run '^$$' -bench 'Sample' ./loadgen/sample
	$(GO) test -run '^$$' -bench 'PredictSeedMatrix|Replicate' -benchtime 3x ./loadgen/verdict ./loadgen/predict

clean:
	rm -rf bin

# The Docker stack: images, up, down, bench-docker, backfill, dashboards.
include deploy/deploy.mk

# The seed experiment's own Python servers: make bench-python.
include external/python.mk
