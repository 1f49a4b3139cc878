#!/usr/bin/env bash
# deploy/ci-install.sh: install what the deploy/ tests need on a fresh Debian
# machine. Idempotent: it installs nothing when everything is present, so CI
# may call it on every run.
#
#   promtool, prometheus   Debian's "prometheus" package: deploy/promtest
#                          checks deploy/prometheus.yml and runs a real
#                          Prometheus against labservers on 127.0.0.1.
#   sshd, ssh              Debian's openssh-server and openssh-client: the
#                          ssh:// tests (deploy/composetest) start a stock
#                          sshd on a loopback port in front of this
#                          machine's engine. Its service is not started.
#
# The compose test (deploy/composetest) needs a Docker engine and compose;
# it skips when there is none, so this script does not install Docker.
set -euo pipefail

need=()
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
	need+=(prometheus)
fi
if [[ ! -x /usr/sbin/sshd ]] && ! command -v sshd >/dev/null; then
	need+=(openssh-server)
fi
if ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
	need+=(openssh-client)
fi
if ((${#need[@]} == 0)); then
	exit 0
fi

sudo=()
if [[ $(id -u) != 0 ]]; then
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
# --no-install-recommends keeps the web-ui assets and node exporter out.
"${sudo[@]}" apt-get install -y --no-install-recommends "${need[@]}"

# The Debian package starts a prometheus service where systemd runs; the
# tests start their own on a free port, so a running service is harmless,
# but stop it where possible to free :9090 and CPU.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
	"${sudo[@]}" systemctl stop prometheus || true
fi
# Where systemd runs, openssh-server starts its service on port 22; the
# tests start their own sshd, so stop it again unless it ran before.
if [[ " ${need[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null &&
	systemctl is-active --quiet ssh 2>/dev/null; then
	"${sudo[@]}" systemctl stop ssh || true
fi
command -v promtool >/dev/null && command -v prometheus >/dev/null && command -v ssh-keygen >/dev/null &&
	{ [[ -x /usr/sbin/sshd ]] || command -v sshd >/dev/null; }
