#!/usr/bin/env bash
# The OpenTelemetry Collector (a distribution built with the collector builder) and telemetrygen,
# both from the Go module proxy: real OTLP peers and load generators for interop tests and benches.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=otelcol
# The build directory is keyed by the builder config too, so adding a component rebuilds once.
BUILD="$CACHE/otelcol-build-$OTELCOL_BUILDER_VERSION-$(sha256sum "$SERVICES_DIR/otelcol/builder-config.yaml" | cut -c1-8)"
EXE="$BUILD/otelcol-meshlog"
TELEMETRYGEN="$BIN/telemetrygen-$TELEMETRYGEN_VERSION"

install() {
  require go golang-go
  if [ ! -x "$BIN/builder-$OTELCOL_BUILDER_VERSION" ]; then
    log "installing the collector builder $OTELCOL_BUILDER_VERSION"
    (cd /tmp && GOBIN="$BIN/.b" go install "go.opentelemetry.io/collector/cmd/builder@$OTELCOL_BUILDER_VERSION")
    mv "$BIN/.b/builder" "$BIN/builder-$OTELCOL_BUILDER_VERSION"
  fi
  if [ ! -x "$EXE" ]; then
    log "building the Collector distribution; the first build takes several minutes"
    mkdir -p "$BUILD"
    sed "s#\${OUTPUT_PATH}#$BUILD#" "$SERVICES_DIR/otelcol/builder-config.yaml" >"$BUILD/manifest.yaml"
    "$BIN/builder-$OTELCOL_BUILDER_VERSION" --config "$BUILD/manifest.yaml" >&2
  fi
  if [ ! -x "$TELEMETRYGEN" ]; then
    log "installing telemetrygen $TELEMETRYGEN_VERSION"
    (cd /tmp && GOBIN="$BIN/.t" go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION")
    mv "$BIN/.t/telemetrygen" "$TELEMETRYGEN"
  fi
}

start() {
  running $NAME && { log "$NAME already running"; return 0; }
  install
  export OTELCOL_OTLP_GRPC_PORT OTELCOL_OTLP_HTTP_PORT
  start_bg $NAME -- "$EXE" --config "$SERVICES_DIR/otelcol/config.yaml"
  wait_tcp $NAME "$OTELCOL_OTLP_HTTP_PORT" 60
  log "$NAME up: OTLP 127.0.0.1:$OTELCOL_OTLP_GRPC_PORT/$OTELCOL_OTLP_HTTP_PORT; telemetrygen at $TELEMETRYGEN"
}

stop() { stop_pid $NAME; }
# The binary's path, for benches that run their own Collector with their own config.
exe() { echo "$EXE"; }
status() { status_line $NAME "$OTELCOL_BUILDER_VERSION" "$OTELCOL_OTLP_GRPC_PORT"; }
disk() { echo "$NAME $(du_of "$BUILD" "$TELEMETRYGEN")"; }
"${1:-status}"
