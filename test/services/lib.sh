# Shared by the service scripts: where things live, and how to wait, start and stop.
# shellcheck disable=SC2034
set -euo pipefail
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$SERVICES_DIR/versions.env"

# Downloads and builds live outside the git tree, so a fresh clone reuses them. As root the cache
# is under /var/cache: Elasticsearch runs as its own user, which cannot enter /root.
if [ "$(id -u)" = 0 ]; then DEFAULT_CACHE=/var/cache/meshlog; else DEFAULT_CACHE="$HOME/.cache/meshlog"; fi
CACHE="${MESHLOG_CACHE:-$DEFAULT_CACHE}"
RUN="$CACHE/run"
BIN="$CACHE/bin"
mkdir -p "$CACHE" "$RUN" "$BIN"
export GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-modcacherw
M2="$CACHE/m2"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

require() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed; install $2 (Debian: apt-get install -y $2)"
}

java_home() {
  local j
  # shellcheck disable=SC2086
  for j in $JAVA_HOME_GLOB; do
    if [ -x "$j/bin/java" ] && "$j/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then echo "$j"; return; fi
  done
  die "no JDK >= 21 under /usr/lib/jvm (Elasticsearch 9 needs one); install a Temurin or OpenJDK 21+"
}

pidfile() { echo "$RUN/$1.pid"; }

running() {
  local p; p="$(pidfile "$1")"
  [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null
}

# wait_for NAME URL SECONDS [grep-pattern]: polls until the URL answers (and matches).
wait_for() {
  local name=$1 url=$2 secs=$3 pattern=${4:-}
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    running "$name" || { tail -n 30 "$RUN/$name.log" >&2 || true; die "$name exited while starting (log: $RUN/$name.log)"; }
    local body
    if body=$(curl -fsS --max-time 2 "$url" 2>/dev/null); then
      if [ -z "$pattern" ] || grep -qE "$pattern" <<<"$body"; then return 0; fi
    fi
    sleep 1
  done
  tail -n 30 "$RUN/$name.log" >&2 || true
  die "$name did not become ready at $url within ${secs}s (log: $RUN/$name.log)"
}

wait_tcp() {
  local name=$1 port=$2 secs=$3
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    running "$name" || { tail -n 30 "$RUN/$name.log" >&2 || true; die "$name exited while starting (log: $RUN/$name.log)"; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 1
  done
  die "$name did not open port $port within ${secs}s (log: $RUN/$name.log)"
}

# start_bg NAME [runuser-user] -- command...: starts detached, records the pid.
start_bg() {
  local name=$1; shift
  local as=""
  if [ "$1" != "--" ]; then as=$1; shift; fi
  shift
  if [ -n "$as" ]; then
    setsid runuser -u "$as" -- "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  else
    setsid "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  fi
  echo $! >"$(pidfile "$name")"
}

stop_pid() {
  local name=$1 p; p="$(pidfile "$name")"
  if running "$name"; then
    local pid; pid=$(cat "$p")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$name stopped"
  fi
  rm -f "$p"
}

status_line() {
  local name=$1 version=$2 port=$3
  local state=down pid=-
  if running "$name"; then state=up; pid=$(cat "$(pidfile "$name")"); fi
  printf '%-14s %-10s %-6s %-5s %s\n' "$name" "$version" "$port" "$state" "$pid"
}

du_of() { du -sh "$@" 2>/dev/null | awk '{print $1}' | paste -sd+ -; }
