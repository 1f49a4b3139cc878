# deploy/deploy.mk: the Docker stack (deploy/README.md). The Makefile
# includes it (`include deploy/deploy.mk`) and provides GO, SCALE, the build
# target and CGO_ENABLED=0.
#
#   make images                      the lab image, FROM scratch (conclab:local)
#   make up                          lab services + Prometheus + Grafana
#   make up OBSERVE=0                lab services only (no image is pulled)
#   make bench-docker                seed at SCALE from the loadgen container
#   make bench-docker SCENARIO=quick the quick scenario (its own services)
#   make backfill RUNS="results/a results/b"   load runs into Prometheus
#   make dashboards                  regenerate deploy/grafana/dashboards
#   make down                        stop and remove the containers
#
# Against a remote engine: DOCKER_HOST=ssh://user@box make up bench-docker
# (results come back with docker cp; see deploy/README.md).

DOCKER        ?= docker
COMPOSE       ?= $(shell $(DOCKER) compose version >/dev/null 2>&1 && echo "$(DOCKER) compose" || echo docker-compose)
CONCLAB_IMAGE ?= conclab:local
# seed or quick: deploy/scenarios/$(SCENARIO)-docker.yaml
SCENARIO      ?= seed
# quick is short already; seed runs at the Makefile's SCALE.
BENCH_SCALE   ?= $(if $(filter quick,$(SCENARIO)),1,$(or $(SCALE),0.02))
DEPLOY_STAMP  := $(shell date -u +%Y%m%dT%H%M%SZ)
RUN_ID        ?= $(SCENARIO)-docker-$(DEPLOY_STAMP)
OBSERVE       ?= 1
# The pinned official images of the observe profile (docker-compose.yml).
OBSERVE_IMAGES := $(shell sed -n 's/^ *image: *\(prom\/prometheus:[^ ]*\|grafana\/grafana:[^ ]*\)$$/\1/p' docker-compose.yml)
PULL          ?= 0
RUNS          ?=
BACKFILL_AT   ?= now
DOWN_FLAGS    ?=
# A remote engine (DOCKER_HOST=ssh://… or tcp://…): bind mounts are paths on
# that machine, so results are copied back with docker cp. Set REMOTE=1 when
# a docker context points elsewhere.
REMOTE        ?= $(if $(filter-out unix://%,$(DOCKER_HOST)),1,)
STACKFILES     = $(GO) run ./deploy/cmd/stackfiles
LOCAL_UID     := $(shell id -u)
LOCAL_GID     := $(shell id -g)
# loadgen writes the run folders as you on a local engine, so they are
# yours; as nobody (65534) when you are root or the engine is remote, and
# then bench-docker first gives the results folder to nobody through the
# engine (stackfiles prepare-results): loadgen never runs as root unless
# CONCLAB_UID=0 says so.
LOADGEN_AS_YOU := $(if $(REMOTE),,$(filter-out 0,$(LOCAL_UID)))

# The environment of the compose commands, set for these targets only (not
# for make test): one project name wherever the checkout lives, so make down
# and the volumes (Prometheus and Grafana data) are found again; the image;
# where results land; and the user loadgen writes them as.
DEPLOY_TARGETS = images up down bench-docker backfill results-pull
$(DEPLOY_TARGETS): export COMPOSE_PROJECT_NAME := $(or $(COMPOSE_PROJECT_NAME),conclab)
$(DEPLOY_TARGETS): export CONCLAB_IMAGE := $(CONCLAB_IMAGE)
$(DEPLOY_TARGETS): export CONCLAB_RESULTS := $(or $(CONCLAB_RESULTS),$(CURDIR)/results)
$(DEPLOY_TARGETS): export CONCLAB_UID := $(or $(CONCLAB_UID),$(if $(LOADGEN_AS_YOU),$(LOCAL_UID),65534))
$(DEPLOY_TARGETS): export CONCLAB_GID := $(or $(CONCLAB_GID),$(if $(LOADGEN_AS_YOU),$(LOCAL_GID),65534))

LOADGEN_SERVICE = $(if $(filter quick,$(SCENARIO)),loadgen-quick,loadgen)

.PHONY: images up down bench-docker dashboards backfill results-pull

images: build
	GO="$(GO)" deploy/build-image.sh bin $(CONCLAB_IMAGE)

up: images
	@mkdir -p results
	$(COMPOSE) up -d
ifneq ($(OBSERVE),0)
	@# Start Prometheus and Grafana only when their pinned images are already
	@# on the engine (pulled earlier, or `docker load`ed): where no registry
	@# answers, `make up` still brings the lab up and says what is missing.
	@missing=""; for img in $(OBSERVE_IMAGES); do $(DOCKER) image inspect $$img >/dev/null 2>&1 || missing="$$missing $$img"; done; \
	if [ -n "$$missing" ] && [ "$(PULL)" != 1 ]; then \
		echo "make up: the lab is up; Prometheus and Grafana are not, their images are not on this engine:$$missing" >&2; \
		echo "make up: pull them where a registry answers (make up PULL=1), or docker save | docker load them here" >&2; \
	else \
		$(COMPOSE) --profile observe up -d --renew-anon-volumes --force-recreate config prometheus grafana && \
		echo "Grafana: http://127.0.0.1:$${GRAFANA_PORT:-3000}/ (anonymous viewer; admin password: GRAFANA_ADMIN_PASSWORD, default conclab)" && \
		echo "Prometheus: http://127.0.0.1:$${PROMETHEUS_PORT:-9090}/"; \
	fi
endif

bench-docker:
	@mkdir -p results
	@if [ -n "$(REMOTE)" ] || [ "$$CONCLAB_UID" != "$(LOCAL_UID)" ]; then \
		echo "bench-docker: giving $$CONCLAB_RESULTS to $$CONCLAB_UID:$$CONCLAB_GID, loadgen's user"; \
		$(STACKFILES) prepare-results -docker $(DOCKER) -image $(CONCLAB_IMAGE) -user $$CONCLAB_UID:$$CONCLAB_GID "$$CONCLAB_RESULTS"; \
	fi
	$(COMPOSE) run --rm --use-aliases $(LOADGEN_SERVICE) run /scenarios/$(SCENARIO)-docker.yaml \
		--scale $(BENCH_SCALE) --out /results --run-id $(RUN_ID) --metrics :9100
ifneq ($(REMOTE),)
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) results-pull RUN_ID=$(RUN_ID)
endif
	@echo "run folder: results/$(RUN_ID)   (compare it: make backfill RUNS=results/$(RUN_ID))"

# Copy a run folder from the engine's machine into ./results, through the
# engine's API (works over ssh://).
results-pull:
	@test -n "$(RUN_ID)" || { echo "usage: make results-pull RUN_ID=…"; exit 2; }
	@mkdir -p results
	cid=$$($(DOCKER) create -v "$(CONCLAB_RESULTS):/results" $(CONCLAB_IMAGE)) && \
	{ $(DOCKER) cp "$$cid:/results/$(RUN_ID)" results/; rc=$$?; $(DOCKER) rm "$$cid" >/dev/null; exit $$rc; }

down:
	$(COMPOSE) --profile observe --profile bench --profile quick down --remove-orphans $(DOWN_FLAGS)

dashboards:
	$(GO) run ./deploy/dashboards/gen -out deploy/grafana/dashboards

# Convert run folders to OpenMetrics (deploy/cmd/backfill) and import them
# into the running Prometheus with its own promtool; Prometheus picks the new
# blocks up within a minute. BACKFILL_AT=now (default) starts every run given
# at the same instant so they overlay; =started keeps real times.
backfill:
	@test -n "$(RUNS)" || { echo 'usage: make backfill RUNS="results/RUN_ID …" [BACKFILL_AT=now|started|TIME]'; exit 2; }
	@cid=$$($(COMPOSE) --profile observe ps -q prometheus); \
	test -n "$$cid" || { echo "make backfill: Prometheus is not running (make up)"; exit 1; }; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./deploy/cmd/backfill --at "$(BACKFILL_AT)" -o "$$tmp/runs.om" $(RUNS) && \
	$(DOCKER) cp "$$tmp/runs.om" "$$cid:/prometheus/conclab-backfill.om" && \
	$(COMPOSE) --profile observe exec -T prometheus sh -c \
		'promtool tsdb create-blocks-from openmetrics /prometheus/conclab-backfill.om /prometheus; rc=$$?; rm -f /prometheus/conclab-backfill.om; exit $$rc' && \
	echo "backfilled: Prometheus loads the new blocks within a minute; see the dashboard conclab: compare runs"
