#!/usr/bin/env bash
# deploy/build-image.sh BIN_DIR TAG: build the lab image (deploy/Dockerfile,
# FROM scratch) from the static binaries in BIN_DIR.
#
# BIN_DIR must hold labserver and loadgen built with CGO_ENABLED=0 (`make
# build` writes them to bin/); healthcheck is built here into BIN_DIR when it
# is missing or older than its source. The build context is a temporary
# folder with only what the image needs, so nothing else of the checkout
# (results/, .git) is sent to the engine, local or remote.
set -euo pipefail

if (($# != 2)); then
	echo "usage: $0 BIN_DIR TAG" >&2
	exit 2
fi
bin=$1
tag=$2
deploy=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$deploy")
: "${GO:=go}"

for b in labserver loadgen; do
	if [[ ! -x $bin/$b ]]; then
		echo "$0: $bin/$b is missing: run make build" >&2
		exit 1
	fi
done
if [[ ! -x $bin/healthcheck || $deploy/cmd/healthcheck/main.go -nt $bin/healthcheck ]]; then
	(cd "$root" && CGO_ENABLED=0 "$GO" build -trimpath -o "$bin/healthcheck" ./deploy/cmd/healthcheck)
fi
for b in labserver loadgen healthcheck; do
	# A dynamically linked binary would not run FROM scratch.
	if command -v file >/dev/null && file -L "$bin/$b" | grep -q 'dynamically linked'; then
		echo "$0: $bin/$b is dynamically linked: build it with CGO_ENABLED=0" >&2
		exit 1
	fi
done

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/bin" "$ctx/scenarios" "$ctx/etc/grafana"
cp "$bin/labserver" "$bin/loadgen" "$bin/healthcheck" "$ctx/bin/"
cp "$deploy"/scenarios/*.yaml "$ctx/scenarios/"
cp "$deploy/prometheus.yml" "$ctx/etc/"
cp -R "$deploy/grafana/provisioning" "$deploy/grafana/dashboards" "$ctx/etc/grafana/"
cp "$deploy/Dockerfile" "$ctx/Dockerfile"
# Readable by the unprivileged users of the containers (nobody, grafana).
chmod -R a+rX "$ctx"
docker build --pull=false -t "$tag" "$ctx"
