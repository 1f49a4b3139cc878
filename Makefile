# conclab: make bench replays the seed experiment, make test runs the
# whole suite. README.md says more, and docs/ has the reference.
SHELL := /bin/bash
GO    ?= go
SCALE ?= 0.02
export CGO_ENABLED := 0

.PHONY: all build deps test unit fuzz vet cross cross-darwin-arm64 cross-darwin-amd64 bench bench-closed bench-sweep perf clean

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -o bin/labserver ./servers/cmd/labserver
	$(GO) build -trimpath -o bin/loadgen ./loadgen/cmd/loadgen

GOFMT_DIRS := servers loadgen internal deploy external

vet:
	@test -z "$$(gofmt -l $(GOFMT_DIRS))" || { echo "gofmt needed:"; gofmt -l $(GOFMT_DIRS); exit 1; }
	$(GO) vet ./...

# What the integration tests need on a fresh Debian machine: the vegeta
# command line (bin/vegeta, from the Go module proxy), the prometheus
# package (deploy/) and the Python servers (external/). The scripts
# install only what is missing, as root or through sudo.
deps: bin/vegeta
	bash deploy/ci-install.sh
	bash external/ci-install.sh

# The whole suite: the dependencies, vet, the macOS cross-compile, every
# package with the race detector (race needs cgo), then each fuzz target
# for a short bounded time. A test whose dependency is missing fails and
# names it; with SKIP_INTEGRATION=1 those tests skip instead, `make deps` is
# not run, and gotestsum (a go.mod tool) lists every skipped test in the
# last lines.
test: $(if $(SKIP_INTEGRATION),,deps) build vet cross unit fuzz

# macOS (docs/macos.md): CI runs on Linux, so this is where Linux-only code
# outside a _linux.go file shows up. labserver and loadgen must build (and
# link: one binary per -o) and every package, tests included, must vet for
# darwin on both of its architectures.
CROSS_DARWIN := cross-darwin-arm64 cross-darwin-amd64
cross: $(CROSS_DARWIN)
$(CROSS_DARWIN): cross-darwin-%:
	GOOS=darwin GOARCH=$* $(GO) build -o /dev/null ./servers/cmd/labserver
	GOOS=darwin GOARCH=$* $(GO) build -o /dev/null ./loadgen/cmd/loadgen
	GOOS=darwin GOARCH=$* $(GO) build ./...
	GOOS=darwin GOARCH=$* $(GO) vet ./...

# The external servers' tests (Python, a JVM) run alone, after the rest:
# they are measured from the kernel side, whose rebuild counts an answer
# that leaves late as time spent waiting, and other packages' tests on the
# same two CPUs make their answers late (docs/python.md). They run without
# the race detector for the same reason: loadgen's client runs in the test's
# process, and instrumented it stamps the answers late (on 2026-12-06
# TestTomcatWaitsInThreePlaces failed 6 of 8 runs with it, 5 of 18 without).
# The runner's code they share is race-tested in its own package.
EXTERNAL_TESTS := ./loadgen/externaltest
unit:
	CGO_ENABLED=1 $(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- \
		-race -count=1 -timeout 30m $$($(GO) list ./... | grep -v '/loadgen/externaltest$$')
	$(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- \
		-count=1 -timeout 30m $(EXTERNAL_TESTS)

# Budgets are counts of inputs, about 10 s each here, bounded by -timeout.
# A duration (-fuzztime 10s) races Go's fuzzing coordinator against its own
# deadline on a busy machine and fails with "context deadline exceeded"
# without any failing input; a count has no deadline.
FUZZ_WORK_INPUTS ?= 150000x
FUZZ_SCENARIO_INPUTS ?= 50000x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseWork$$' -fuzztime $(FUZZ_WORK_INPUTS) -timeout 5m ./servers/lab
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZ_SCENARIO_INPUTS) -timeout 5m ./loadgen/scenario

# make bench (the seed at SCALE) is at the end: on Linux it builds and runs
# bin/loadgen run scenarios/seed.yaml; elsewhere it says what it can show.

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
#
# On Linux with a Docker engine that answers, make perf also sends make
# bench's nine targets from containers (loadgen run --docker, and a vegeta
# container per target), so it builds the lab image first; without one,
# those rows are left out and a line says so.
VEGETA_VERSION := v12.13.0
PERF_DOCKER := $(if $(filter perf,$(MAKECMDGOALS)),$(if $(filter Linux,$(shell uname -s)),$(shell $(or $(DOCKER),docker) info >/dev/null 2>&1 && echo yes)))
perf: build bin/vegeta $(if $(PERF_DOCKER),images)
ifeq ($(PERF_DOCKER),)
	@echo "make perf: the pacing rows in Docker need Linux and a Docker engine that answers (docker info); they are left out" >&2
endif
	bin/loadgen perf --vegeta bin/vegeta $(if $(PERF_DOCKER),--image $(CONCLAB_IMAGE))
	$(GO) test -run '^$$' -bench 'ProbeAcceptQueue|Scrape' -benchmem ./servers/lab
	$(GO) test -run '^$$' -bench 'Sample' ./loadgen/sample
	$(GO) test -run '^$$' -bench 'PredictSeedMatrix|Replicate' -benchtime 3x ./loadgen/verdict ./loadgen/predict

# The vegeta command line, which make perf and loadgen/perf's tests compare
# loadgen with. It is static (CGO_ENABLED=0, as everything this file
# builds), so that make perf also runs it in a container of the lab image,
# which is FROM scratch.
bin/vegeta:
	GOBIN=$(CURDIR)/bin $(GO) install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)

clean:
	rm -rf bin

# The Docker stack: images, up, down, bench-docker, backfill, dashboards.
include deploy/deploy.mk

# The seed experiment's own Python servers: make bench-python.
include external/python.mk

# make bench: the seed experiment, natively or in Docker. The kernel-side
# figures (accept queue, listen overflows, SYN retries) come from Linux, so
# the path depends on the OS (uname -s) and on CONCLAB_BENCH:
#
#   unset or auto  Linux and Darwin run natively (Darwin shows what netstat
#                  can; docs/macos.md), any other OS runs in Docker
#   native         runs natively on Linux and Darwin (what macOS cannot
#                  show is "-"); refused elsewhere, where it does not build
#   docker         make up OBSERVE=0, then make bench-docker: the lab and
#                  loadgen in a Linux engine (Docker Desktop's VM on a Mac)
#
# On Linux the native run is the same as ever, without a word more; on any
# other OS one line first says what the run cannot show and how to change
# the path. The decision, the bad-value error and the docker check happen
# while make reads this file, only when bench is asked for: so before
# anything is built, and under make -n too (internal/makebench tests them
# that way). It is here, after the include, because it uses deploy.mk's
# DOCKER and OBSERVE.

# The seed needs only the lab services; Prometheus and Grafana come up too
# when OBSERVE is given (make bench OBSERVE=1).
BENCH_OBSERVE = $(if $(filter file,$(origin OBSERVE)),0,$(OBSERVE))

ifneq ($(filter bench,$(MAKECMDGOALS)),)
BENCH_OS    := $(or $(shell uname -s),this OS)
BENCH_ASKED := $(strip $(CONCLAB_BENCH))
ifneq ($(or $(word 2,$(BENCH_ASKED)),$(filter-out auto native docker,$(BENCH_ASKED))),)
$(error make bench: CONCLAB_BENCH=$(BENCH_ASKED) is not one of: native, docker (unset or auto picks by OS))
endif
# Linux has the whole native view of the kernel's side, Darwin a part of
# it (docs/macos.md), any other OS none (nor a native build): there auto
# means Docker.
BENCH_PATH  := $(or $(filter-out auto,$(BENCH_ASKED)),$(if $(filter Linux Darwin,$(BENCH_OS)),native,docker))
# A stopped engine is the one line make bench prints, before any notice.
ifeq ($(BENCH_PATH),docker)
ifeq ($(shell $(DOCKER) info >/dev/null 2>&1 && echo up),)
$(error make bench: $(if $(filter docker,$(BENCH_ASKED)),CONCLAB_BENCH=docker,running the seed in Docker) needs a running Docker engine ($(DOCKER) info failed): start Docker Desktop (macOS) or the docker service (sudo systemctl start docker), then run make bench again)
endif
endif
ifneq ($(BENCH_OS),Linux)
ifneq ($(filter docker,$(BENCH_ASKED)),)
$(info make bench: kernel-side figures need Linux: CONCLAB_BENCH=docker runs the seed in Docker's Linux engine (make up OBSERVE=$(BENCH_OBSERVE), then make bench-docker))
else ifeq ($(BENCH_PATH),docker)
$(info make bench: kernel-side figures need Linux and $(BENCH_OS) has no native view of them: running the seed in Docker's Linux engine (make up OBSERVE=$(BENCH_OBSERVE), then make bench-docker))
else ifeq ($(BENCH_OS),Darwin)
$(info make bench: kernel-side figures need Linux; on Darwin the accept queue comes from netstat and the SYN schedule from a probe (unverified), what macOS lacks shows "-" (docs/macos.md); CONCLAB_BENCH=docker runs the seed in Docker's Linux VM)
else
# labserver and loadgen build for Linux and macOS alone (make cross).
$(error make bench: CONCLAB_BENCH=native needs Linux or macOS, and this is $(BENCH_OS): CONCLAB_BENCH=docker runs the seed in Docker's Linux engine)
endif
endif
endif

ifeq ($(BENCH_PATH),docker)
# Through make, as a user would: make up builds the image (Linux binaries
# for the engine: deploy/build-image.sh) and starts the lab, then
# bench-docker runs the seed at SCALE from the loadgen container.
bench:
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) up OBSERVE=$(BENCH_OBSERVE)
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench-docker SCENARIO=seed SCALE=$(SCALE)
else
bench: build
	bin/loadgen run scenarios/seed.yaml --scale $(SCALE)
endif
