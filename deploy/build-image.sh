#!/usr/bin/env bash
# deploy/build-image.sh BIN_DIR TAG: build the lab image (deploy/Dockerfile,
# FROM scratch) from the static binaries in BIN_DIR.
#
# BIN_DIR must hold labserver and loadgen built with CGO_ENABLED=0 (`make
# build` writes them to bin/); healthcheck is built here into BIN_DIR when it
# is missing, older than its source or for another platform. The build
# context is a temporary folder with only what the image needs, so nothing
# else of the checkout (results/, .git) is sent to the engine, local or
# remote.
#
# The image runs on the engine's machine: Linux, whatever this one is (a
# Mac's Docker Desktop runs a Linux VM), and with the engine's architecture
# (linux/arm64 on an Apple silicon Mac, or a remote engine's). Binaries of
# BIN_DIR built for another platform (make build on a Mac writes darwin
# ones) are not used: labserver and loadgen are then built from this
# checkout for the engine's platform, into the context only.
#
# Plain bash 3.2 (macOS's /bin/bash): no associative arrays.
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

# The engine's platform, as Go names it (docker version reports Go's names;
# x86_64 and aarch64 are the kernel's, which some engines report).
if ! engine=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}' 2>/dev/null); then
	echo "$0: no Docker engine answers (docker version): start Docker Desktop (macOS) or the docker service (sudo systemctl start docker)" >&2
	exit 1
fi
goarch=${engine#*/}
case $goarch in
x86_64) goarch=amd64 ;;
aarch64) goarch=arm64 ;;
esac
if [[ ${engine%%/*} != linux ]]; then
	echo "$0: the engine runs ${engine%%/*} containers; the lab image is a Linux one: switch the engine to Linux containers" >&2
	exit 1
fi
target=linux/$goarch

# platform FILE: the GOOS/GOARCH a Go binary was built for, from the build
# information Go writes into it; empty for anything else.
platform() {
	{ "$GO" version -m "$1" 2>/dev/null || true; } |
		awk '$1 == "build" && $2 ~ /^GO(OS|ARCH)=/ { split($2, kv, "="); v[kv[1]] = kv[2] }
			END { if (v["GOOS"] != "") print v["GOOS"] "/" v["GOARCH"] }'
}
# build PKG OUT: a static binary of this checkout's PKG for the engine.
build() {
	(cd "$root" && CGO_ENABLED=0 GOOS=linux GOARCH=$goarch "$GO" build -trimpath -o "$2" "$1")
}

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/bin" "$ctx/etc/grafana"

# healthcheck serves only the image, so BIN_DIR's copy is for the engine.
if [[ ! -x $bin/healthcheck || $deploy/cmd/healthcheck/main.go -nt $bin/healthcheck ]] ||
	[[ $(platform "$bin/healthcheck") != "$target" ]]; then
	build ./deploy/cmd/healthcheck "$bin/healthcheck"
fi
cp "$bin/healthcheck" "$ctx/bin/"
for b in labserver loadgen; do
	built=$(platform "$bin/$b")
	if [[ $built == "$target" ]]; then
		cp "$bin/$b" "$ctx/bin/"
		continue
	fi
	echo "$0: $bin/$b is for ${built:-another platform}, the engine runs $target: building $b for $target"
	case $b in
	labserver) build ./servers/cmd/labserver "$ctx/bin/$b" ;;
	loadgen) build ./loadgen/cmd/loadgen "$ctx/bin/$b" ;;
	esac
done
for b in labserver loadgen healthcheck; do
	# A dynamically linked binary would not run FROM scratch.
	if command -v file >/dev/null && file -L "$ctx/bin/$b" | grep -q 'dynamically linked'; then
		echo "$0: $bin/$b is dynamically linked: build it with CGO_ENABLED=0" >&2
		exit 1
	fi
done

cp "$deploy/prometheus.yml" "$ctx/etc/"
cp -R "$deploy/grafana/provisioning" "$deploy/grafana/dashboards" "$ctx/etc/grafana/"
cp "$deploy/Dockerfile" "$ctx/Dockerfile"
# Readable by the unprivileged users of the containers (nobody, grafana).
chmod -R a+rX "$ctx"
docker build --pull=false -t "$tag" "$ctx"
