#!/bin/sh
# Run Debian's tomcat10 with conclab's sleeping JSP (webapp/) on one port:
#
#   external/tomcat/run.sh PORT [MAX_THREADS [MAX_CONNECTIONS [ACCEPT_COUNT]]]
#
# The defaults are Tomcat's own: 200 threads, 8192 connections, a backlog
# of 100. Each run gets a CATALINA_BASE of its own in a temporary
# directory (conf/server.xml from server.xml, logs, work), removed when
# Tomcat ends. The JVM runs in the foreground, in this shell's process
# group, and SIGTERM stops both.
set -eu
port=${1:?usage: run.sh PORT [MAX_THREADS [MAX_CONNECTIONS [ACCEPT_COUNT]]]}
threads=${2:-200} connections=${3:-8192} backlog=${4:-100}
here=$(cd "$(dirname "$0")" && pwd)
home=${CATALINA_HOME:-/usr/share/tomcat10}
[ -x "$home/bin/catalina.sh" ] || { echo "run.sh: no Tomcat at $home (apt-get install tomcat10)" >&2; exit 1; }
ecj=/usr/share/java/eclipse-jdt-core.jar
[ -r "$ecj" ] || { echo "run.sh: no $ecj, which Jasper compiles the JSP with (apt-get install libeclipse-jdt-core-java)" >&2; exit 1; }

base=$(mktemp -d "${TMPDIR:-/tmp}/conclab-tomcat.XXXXXX")
trap 'rm -rf "$base"' EXIT
# A TERM before the JVM starts ends the shell through its EXIT trap.
trap 'exit 143' TERM
mkdir -p "$base/conf" "$base/logs" "$base/work" "$base/temp" "$base/webapps" "$base/lib"
ln -s "$ecj" "$base/lib/"
cp "$home/etc/web.xml" "$base/conf/web.xml"
sed -e "s|@PORT@|$port|" -e "s|@MAX_THREADS@|$threads|" -e "s|@MAX_CONNECTIONS@|$connections|" \
	-e "s|@ACCEPT_COUNT@|$backlog|" -e "s|@WEBAPP@|$here/webapp|" "$here/server.xml" >"$base/conf/server.xml"
cat >"$base/conf/logging.properties" <<'PROPS'
handlers = java.util.logging.ConsoleHandler
.level = WARNING
java.util.logging.ConsoleHandler.level = WARNING
PROPS

# An AF_INET socket, as the other servers have: the JVM would otherwise
# listen on an IPv6 socket with a v4-mapped address.
export CATALINA_OPTS="${CATALINA_OPTS:-} -Djava.net.preferIPv4Stack=true"
export CATALINA_HOME="$home" CATALINA_BASE="$base" CATALINA_TMPDIR="$base/temp"
# The JVM runs as this shell's child, so that the EXIT trap removes the base
# once it has ended. SIGTERM reaches the JVM through the process group; the
# shell's own TERM only interrupts the first wait.
"$home/bin/catalina.sh" run &
jvm=$!
trap ':' TERM
wait "$jvm" || wait "$jvm"
