#!/usr/bin/env bash
# Install the Debian packages that the seed experiment's Python servers need
# (external/python/), only those that are missing. Idempotent: a second run
# installs nothing and never touches the network. Runs as root (CI) or with
# sudo when there is one.
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
)
order=(python3-fastapi python3-uvicorn python3-flask gunicorn uwsgi uwsgi-plugin-python3)

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
echo "external/ci-install.sh: installing ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
