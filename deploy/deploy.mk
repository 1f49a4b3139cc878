# deploy/deploy.mk: the Docker stack (deploy/README.md). The Makefile
# includes it (`include deploy/deploy.mk`) and provides GO, SCALE, the build
# target and CGO_ENABLED=0.
#
#   make images                      the lab image, FROM scratch (conclab:local)
#   make up                          lab services + Prometheus + Grafana
#   make up OBSERVE=0                lab services only (no image is pulled)
#   make bench-docker                seed at SCALE from the loadgen container
#   make bench-docker SCENARIO=scenarios/x.yaml   any scenario, in its own
#                                    stack (SCENARIO=quick: scenarios/quick.yaml)
#   make compose                     write docker-compose.yml from the seed
#   make backfill RUNS="results/a results/b"   load runs into Prometheus
#   make dashboards                  regenerate deploy/grafana/dashboards
#   make down                        stop and remove the containers
#   make observe-env                 what make up would publish, and how
#
# Against a remote engine: DOCKER_HOST=ssh://user@box make up bench-docker (over
# one ssh login that forwards the engine socket: deploy/sshtunnel.sh)
# (results come back with docker cp; see deploy/README.md).
#
# make up keeps the passwords of Prometheus and Grafana in deploy/secrets/
# (git-ignored; deploy/cmd/stackfiles makes them) and copies them into the
# observe services' volumes through the engine; see deploy/README.md,
# "Passwords and exposure".

DOCKER        ?= docker
COMPOSE       ?= $(shell $(DOCKER) compose version >/dev/null 2>&1 && echo "$(DOCKER) compose" || echo docker-compose)
CONCLAB_IMAGE ?= conclab:local
# The scenario of the stack: a path, or a bare name under scenarios/.
SCENARIO      ?= scenarios/seed.yaml
SCENARIO_FILE := $(if $(or $(findstring /,$(SCENARIO)),$(filter %.yaml %.yml,$(SCENARIO))),$(SCENARIO),scenarios/$(SCENARIO).yaml)
SCENARIO_NAME := $(basename $(notdir $(SCENARIO_FILE)))
SEED_FILE     := scenarios/seed.yaml
# The scale docker-compose.yml is written at: make bench's (loadgen/compose
# tests that the two agree).
SEED_SCALE    := 0.02
IS_SEED       := $(filter $(SEED_FILE) ./$(SEED_FILE),$(SCENARIO_FILE))
# The seed runs at the Makefile's SCALE; any other scenario as written.
BENCH_SCALE   ?= $(if $(IS_SEED),$(or $(SCALE),$(SEED_SCALE)),1)
# The servers' durations scale with the run, so a stack is written for
# one scale. The seed's at SEED_SCALE is docker-compose.yml, which a test
# keeps equal to `loadgen compose`'s output; any other stack is written
# under deploy/generated/, git-ignored, by every make target that uses it.
STACK_FILE    := $(if $(and $(IS_SEED),$(filter $(SEED_SCALE),$(BENCH_SCALE))),docker-compose.yml,deploy/generated/$(SCENARIO_NAME).compose.yml)
# One project for every stack: make up of another scenario replaces the
# lab services (--remove-orphans), and the observe volumes stay.
STACK         = $(COMPOSE) -f $(STACK_FILE) --project-directory .
DEPLOY_STAMP  := $(shell date -u +%Y%m%dT%H%M%SZ)
RUN_ID        ?= $(SCENARIO_NAME)-docker-$(DEPLOY_STAMP)
OBSERVE       ?= 1
# The pinned official images of the observe profile (docker-compose.yml).
# sed -E: macOS's sed has no \| in a basic expression, and would find none.
OBSERVE_IMAGES := $(shell sed -n -E 's/^ *image: *((prom\/prometheus|grafana\/grafana):[^ ]*)$$/\1/p' docker-compose.yml)
PULL          ?= 0
RUNS          ?=
BACKFILL_AT   ?= now
DOWN_FLAGS    ?=
# A remote engine (DOCKER_HOST=ssh://… or tcp://…): bind mounts are paths on
# that machine, so results are copied back with docker cp. Set REMOTE=1 when
# a docker context points elsewhere.
ENGINE_HOST   := $(DOCKER_HOST)
REMOTE        ?= $(if $(filter-out unix://%,$(ENGINE_HOST)),1,)
# Where Prometheus and Grafana are published. Grafana lets visitors in
# without a password only while that is loopback: make decides, from this
# one value, which it also hands to compose (a CONCLAB_BIND in a .env file
# would otherwise go unseen here).
CONCLAB_BIND  := $(or $(CONCLAB_BIND),127.0.0.1)
GRAFANA_ANONYMOUS := $(if $(filter 127.% localhost ::1 [::1],$(CONCLAB_BIND)),true,false)
# The git-ignored folder of the passwords and Prometheus's web config.
SECRETS_DIR   ?= deploy/secrets
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
# and the volumes (Prometheus and Grafana data, their secrets) are found
# again; the image; where results land; the user loadgen writes them as;
# where Prometheus and Grafana are published and whether Grafana is open.
DEPLOY_TARGETS = images up observe-up down bench-docker backfill results-pull observe-env
$(DEPLOY_TARGETS): export COMPOSE_PROJECT_NAME := $(or $(COMPOSE_PROJECT_NAME),conclab)
$(DEPLOY_TARGETS): export CONCLAB_IMAGE := $(CONCLAB_IMAGE)
$(DEPLOY_TARGETS): export CONCLAB_RESULTS := $(or $(CONCLAB_RESULTS),$(CURDIR)/results)
$(DEPLOY_TARGETS): export CONCLAB_UID := $(or $(CONCLAB_UID),$(if $(LOADGEN_AS_YOU),$(LOCAL_UID),65534))
$(DEPLOY_TARGETS): export CONCLAB_GID := $(or $(CONCLAB_GID),$(if $(LOADGEN_AS_YOU),$(LOCAL_GID),65534))
$(DEPLOY_TARGETS): export CONCLAB_BIND := $(CONCLAB_BIND)
$(DEPLOY_TARGETS): override export CONCLAB_GRAFANA_ANONYMOUS := $(GRAFANA_ANONYMOUS)

# A remote engine over ssh://: make's Docker targets reach it through one
# ssh login that forwards the engine's socket (deploy/sshtunnel.sh), opened
# here when one of them is asked for, and closed by make down. compose and
# the docker CLI then see a unix:// engine. When ssh fails, make stops
# here, in one line.
SSH_ENGINE := $(filter ssh://%,$(ENGINE_HOST))
# The targets that talk to the engine (observe-env only prints).
ENGINE_TARGETS := $(filter-out observe-env,$(DEPLOY_TARGETS))
ifneq ($(and $(SSH_ENGINE),$(filter $(ENGINE_TARGETS),$(MAKECMDGOALS))),)
ENGINE_TUNNEL := $(shell deploy/sshtunnel.sh open $(SSH_ENGINE))
ifeq ($(filter unix://%,$(ENGINE_TUNNEL)),)
$(error DOCKER_HOST=$(SSH_ENGINE): no ssh connection to the engine's socket: $(ENGINE_TUNNEL))
endif
$(DEPLOY_TARGETS): export DOCKER_HOST := $(lastword $(filter unix://%,$(ENGINE_TUNNEL)))
endif

.PHONY: images up observe-up down bench-docker dashboards backfill results-pull observe-env compose stack-file

# docker-compose.yml, from the seed.
compose: build
	bin/loadgen compose $(SEED_FILE) --scale $(SEED_SCALE) -o docker-compose.yml

# The stack file of SCENARIO, written anew from the scenario (the seed's
# is committed); a scenario loadgen refuses stops here, naming its field.
stack-file: build
ifneq ($(STACK_FILE),docker-compose.yml)
	@mkdir -p $(dir $(STACK_FILE))
	bin/loadgen compose $(SCENARIO_FILE) --scale $(BENCH_SCALE) -o $(STACK_FILE)
endif

images: build
	GO="$(GO)" deploy/build-image.sh bin $(CONCLAB_IMAGE)

up: images stack-file
	@mkdir -p results
	$(STACK) up -d --remove-orphans
ifneq ($(OBSERVE),0)
	@# Start Prometheus and Grafana only when their pinned images are already
	@# on the engine (pulled earlier, or `docker load`ed): where no registry
	@# answers, `make up` still brings the lab up and says what is missing.
	@missing=""; for img in $(OBSERVE_IMAGES); do $(DOCKER) image inspect $$img >/dev/null 2>&1 || missing="$$missing $$img"; done; \
	if [ -n "$$missing" ] && [ "$(PULL)" != 1 ]; then \
		echo "make up: the lab is up; Prometheus and Grafana are not, their images are not on this engine:$$missing" >&2; \
		echo "make up: pull them where a registry answers (make up PULL=1), or docker save | docker load them here" >&2; \
	else \
		$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) observe-up; \
	fi
endif

# The observe profile, secrets first: the passwords (made when missing),
# the containers created but not started, the secrets copied into their
# volumes, then started; Grafana's admin password is reset to the stored
# one each time, since Grafana reads GF_SECURITY_ADMIN_PASSWORD only when
# it creates its database. config, prometheus and grafana are removed and
# made anew so that edited configuration and dashboards reach them; rm -v
# drops config's anonymous volume (/etc/conclab) with it, which recreating
# would leave behind on every make up. The named volumes (data, secrets)
# stay.
observe-up:
	@$(STACKFILES) secrets -dir $(SECRETS_DIR)
	$(COMPOSE) --profile observe rm --stop --force -v config prometheus grafana
	$(COMPOSE) --profile observe up --no-start config prometheus grafana
	$(STACKFILES) install-secrets -docker $(DOCKER) -dir $(SECRETS_DIR) -project $(COMPOSE_PROJECT_NAME) -image $(CONCLAB_IMAGE)
	$(COMPOSE) --profile observe up -d --no-recreate config prometheus grafana
	$(STACKFILES) reset-grafana -docker $(DOCKER) -dir $(SECRETS_DIR) -project $(COMPOSE_PROJECT_NAME)
	@echo "Grafana:    http://$(CONCLAB_BIND):$${GRAFANA_PORT:-3000}/  user admin, password in $(SECRETS_DIR)/grafana-admin-password$(if $(filter true,$(GRAFANA_ANONYMOUS)),; anonymous viewers too (loopback),; no anonymous viewers ($(CONCLAB_BIND) is not loopback))"
	@echo "Prometheus: http://$(CONCLAB_BIND):$${PROMETHEUS_PORT:-9090}/  user conclab, password in $(SECRETS_DIR)/prometheus-password"

# What make up would publish, where, and whether Grafana is open.
observe-env:
	@echo "CONCLAB_BIND=$$CONCLAB_BIND CONCLAB_GRAFANA_ANONYMOUS=$$CONCLAB_GRAFANA_ANONYMOUS CONCLAB_UID=$$CONCLAB_UID CONCLAB_GID=$$CONCLAB_GID"

bench-docker: stack-file
	@mkdir -p results
	@if [ -n "$(REMOTE)" ] || [ "$$CONCLAB_UID" != "$(LOCAL_UID)" ]; then \
		echo "bench-docker: giving $$CONCLAB_RESULTS to $$CONCLAB_UID:$$CONCLAB_GID, loadgen's user"; \
		$(STACKFILES) prepare-results -docker $(DOCKER) -image $(CONCLAB_IMAGE) -user $$CONCLAB_UID:$$CONCLAB_GID "$$CONCLAB_RESULTS"; \
	fi
	@# The scenario goes in on stdin: it need not be in the image, nor on
	@# the engine's machine.
	$(STACK) run --rm -T --use-aliases loadgen run - --services \
		--scale $(BENCH_SCALE) --out /results --run-id $(RUN_ID) --metrics :9100 < $(SCENARIO_FILE)
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
	@# docker-compose.yml names the observe services of every stack, and
	@# --remove-orphans takes any other scenario's lab services with it.
	$(COMPOSE) --profile observe --profile bench down --remove-orphans $(DOWN_FLAGS)
ifneq ($(SSH_ENGINE),)
	deploy/sshtunnel.sh close $(SSH_ENGINE)
endif

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
