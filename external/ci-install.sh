#!/usr/bin/env bash
# Install the Debian packages that the seed experiment's servers need
# (external/python/, external/tomcat/), only those that are missing.
# Idempotent: once every package is installed, a run installs nothing and
# never touches the network.
# Runs as root (CI) or with sudo when there is one. A package that this
# machine's Debian does not have is named in one line and left out; the
# scenarios skip the setups that need it (their requires:), and the tests
# that need it fail with the install command.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# package → a file it installs; the file's absence means "missing".
# Debian's python3 is /usr/bin/python3: another python3 earlier on $PATH
# (pyenv, a venv) does not see these modules, so the apps run with it.
declare -A probe=(
	[python3-fastapi]=/usr/lib/python3/dist-packages/fastapi/__init__.py
	[python3-uvicorn]=/usr/lib/python3/dist-packages/uvicorn/__init__.py
	[python3-flask]=/usr/lib/python3/dist-packages/flask/__init__.py
	[gunicorn]=/usr/bin/gunicorn
	[uwsgi]=/usr/bin/uwsgi-core
	[uwsgi-plugin-python3]=/usr/lib/uwsgi/plugins/python3_plugin.so
	[python3-hypercorn]=/usr/lib/python3/dist-packages/hypercorn/__init__.py
	[python3-trio]=/usr/lib/python3/dist-packages/trio/__init__.py
	[python3-uvloop]=/usr/lib/python3/dist-packages/uvloop/__init__.py
	[python3-asgiref]=/usr/lib/python3/dist-packages/asgiref/__init__.py
	[tomcat10]=/usr/share/tomcat10/bin/catalina.sh
	[default-jre-headless]=/usr/bin/java
)
order=(python3-fastapi python3-uvicorn python3-flask gunicorn uwsgi uwsgi-plugin-python3
	python3-hypercorn python3-trio python3-uvloop python3-asgiref tomcat10 default-jre-headless)

missing=()
for p in "${order[@]}"; do
	if [[ ! -e ${probe[$p]} ]] && ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} == 0)); then
	echo "external/ci-install.sh: every package is installed"
	exit 0
fi

if ! command -v apt-get >/dev/null; then
	echo "external/ci-install.sh: missing ${missing[*]}, and this is not a Debian system (no apt-get)" >&2
	exit 1
fi
sudo=()
if ((EUID != 0)); then
	if ! command -v sudo >/dev/null; then
		echo "external/ci-install.sh: missing ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	sudo=(sudo)
fi
"${sudo[@]}" apt-get update
# tomcat10's maintainer scripts would start its own service on port 8080
# where an init system runs; the lab starts Tomcat itself, per run.
if [[ " ${missing[*]} " == *" tomcat10 "* && ! -e /usr/sbin/policy-rc.d ]]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
	"${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
	trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
available=()
for p in "${missing[@]}"; do
	if [[ -n $(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}') ]]; then
		available+=("$p")
	else
		echo "external/ci-install.sh: this machine's Debian has no $p: the setups that need it are skipped" >&2
	fi
done
if ((${#available[@]} == 0)); then
	exit 0
fi
echo "external/ci-install.sh: installing ${available[*]}"
"${sudo[@]}" apt-get install -y --no-install-recommends "${available[@]}"
