#!/bin/sh
# deploy/sshtunnel.sh: one ssh connection to a remote engine, for make's
# Docker targets (deploy/deploy.mk).
#
#   deploy/sshtunnel.sh open ssh://[user@]host[:port][/socket]   prints unix:///…/docker.sock
#   deploy/sshtunnel.sh close ssh://…
#
# compose and the docker CLI dial an ssh:// engine once per connection, and
# several at once: a stock sshd refuses a burst of logins (MaxStartups 10)
# and more than 10 sessions on one multiplexed login (MaxSessions 10), and a
# make target fails half done. Instead, open forwards the engine's socket
# (/var/run/docker.sock unless the URL names one) to a local socket over one
# ssh login, in the background; every connection is then a channel of that
# login, which neither limit counts, and compose sees a unix:// engine, so
# docker-compose 1.x needs no paramiko. open reuses a tunnel that is up;
# make down closes it.
set -eu

usage() { echo "usage: $0 open|close ssh://[user@]host[:port][/socket]" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1 url=$2
case $url in ssh://*) ;; *) usage ;; esac
rest=${url#ssh://}
socket=/var/run/docker.sock
case $rest in */*) socket=/${rest#*/} rest=${rest%%/*} ;; esac
[ "$socket" != / ] || socket=/var/run/docker.sock
user='' port=''
case $rest in *@*) user=${rest%%@*} rest=${rest#*@} ;; esac
case $rest in *:*) port=${rest##*:} rest=${rest%:*} ;; esac
host=$rest
[ -n "$host" ] || usage

# One tunnel per engine URL, in a short path (a unix socket's path is at
# most 104 bytes on macOS).
id=$(printf '%s' "$url" | cksum | cut -d' ' -f1)
dir=${TMPDIR:-/tmp}
[ ${#dir} -lt 40 ] || dir=/tmp
local_socket=$dir/conclab-engine-$id.sock
control=$dir/conclab-engine-$id.ctl

set -- -S "$control" -o BatchMode=yes -o ConnectTimeout=30
[ -z "$user" ] || set -- "$@" -l "$user"
[ -z "$port" ] || set -- "$@" -p "$port"

case $action in
open)
	# Only the engine's URL goes to stdout, which make reads; ssh's own
	# words (a banner, a warning) go to stderr, and on failure, on one line.
	if ! ssh "$@" -O check "$host" 2>/dev/null; then
		rm -f "$local_socket" "$control"
		log=$(mktemp)
		if ! ssh "$@" -M -f -N -o ExitOnForwardFailure=yes -o ServerAliveInterval=30 \
			-L "$local_socket:$socket" "$host" </dev/null >/dev/null 2>"$log"; then
			echo "ssh $host: $(tr '\n' ' ' <"$log")"
			rm -f "$log"
			exit 1
		fi
		rm -f "$log"
	fi
	echo "unix://$local_socket"
	;;
close)
	ssh "$@" -O exit "$host" 2>/dev/null || true
	rm -f "$local_socket"
	;;
*) usage ;;
esac
