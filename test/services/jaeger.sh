#!/usr/bin/env bash
# Jaeger v2, built from source with Go (module proxy), memory storage, query on 127.0.0.1:16686.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# A second instance (MESHLOG_JAEGER_INSTANCE, MESHLOG_JAEGER_STORAGE=badger, MESHLOG_JAEGER_PORT_BASE)
# keeps what it stored across a restart; the fault tests stop that one.
NAME=${MESHLOG_JAEGER_INSTANCE:-jaeger}
STORAGE=${MESHLOG_JAEGER_STORAGE:-memory}
EXE="$BIN/jaeger-$JAEGER_VERSION"
if [ -n "${MESHLOG_JAEGER_PORT_BASE:-}" ]; then
  B=$MESHLOG_JAEGER_PORT_BASE
  JAEGER_QUERY_PORT=$B; JAEGER_OTLP_GRPC_PORT=$((B + 1)); JAEGER_OTLP_HTTP_PORT=$((B + 2)); JAEGER_ZIPKIN_PORT=$((B + 3))
  JAEGER_HEALTH_PORT=$((B + 4)); JAEGER_QUERY_GRPC_PORT=$((B + 5))
else
  JAEGER_HEALTH_PORT=13133; JAEGER_QUERY_GRPC_PORT=16685
fi
JAEGER_DATA="$RUN/$NAME/data"

install() {
  [ -x "$EXE" ] && return 0
  require go golang-go
  log "building Jaeger $JAEGER_VERSION (module $JAEGER_MODULE_VERSION) with go; the first build takes a few minutes"
  # `go install …@version` refuses modules with replace directives (Jaeger has one), so the
  # pinned module is downloaded from the proxy and built in place.
  local dir
  dir=$(cd /tmp && go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$dir" ] || die "go mod download of jaeger@$JAEGER_MODULE_VERSION failed"
  (cd "$dir" && go build -trimpath -o "$EXE.tmp" ./cmd/jaeger) && mv "$EXE.tmp" "$EXE"
}

start() {
  running "$NAME" && { log "$NAME already running"; return 0; }
  install
  mkdir -p "$JAEGER_DATA"
  export JAEGER_QUERY_PORT JAEGER_OTLP_GRPC_PORT JAEGER_OTLP_HTTP_PORT JAEGER_ZIPKIN_PORT JAEGER_HEALTH_PORT JAEGER_QUERY_GRPC_PORT JAEGER_DATA
  local config="$SERVICES_DIR/jaeger/config.yaml"
  [ "$STORAGE" = badger ] && config="$SERVICES_DIR/jaeger/config-badger.yaml"
  start_bg "$NAME" -- "$EXE" --config "$config"
  wait_for "$NAME" "http://127.0.0.1:$JAEGER_QUERY_PORT/api/services" 60 '"data"'
  log "$NAME $JAEGER_VERSION up: query 127.0.0.1:$JAEGER_QUERY_PORT, OTLP $JAEGER_OTLP_GRPC_PORT/$JAEGER_OTLP_HTTP_PORT, zipkin $JAEGER_ZIPKIN_PORT"
}

stop() { stop_pid "$NAME"; }
status() { status_line "$NAME" "$JAEGER_VERSION" "$JAEGER_QUERY_PORT"; }
disk() { echo "$NAME $(du_of "$EXE")"; }
"${1:-status}"
