#!/usr/bin/env bash
# The canary controllers' own client code, as two small Go harnesses (test/controllers/argo and
# test/controllers/flagger, each its own module pinned to the controller's release): argo-metric runs
# Argo Rollouts' web metric provider, flagger-webhook runs Flagger's webhook caller. Nothing to
# start: `install` builds them once into the cache; the integration tests run them per scenario.
# A binary's name carries the controller version and a hash of the harness sources, so an edit
# rebuilds and an unchanged checkout (or CI with the cache restored) reuses the build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC="$(cd "$SERVICES_DIR/../controllers" && pwd)"

source_hash() { (cd "$SRC/$1" && cat go.mod go.sum ./*.go ./*/*.go 2>/dev/null | sha256sum | cut -c1-12); }
exe() {
  case $1 in
    argo) echo "$BIN/argo-metric-$ARGO_ROLLOUTS_VERSION-$(source_hash argo)" ;;
    flagger) echo "$BIN/flagger-webhook-$FLAGGER_VERSION-$(source_hash flagger)" ;;
  esac
}

build() {
  local mod=$1 module=$2 version=$3 out
  out=$(exe "$mod")
  [ -x "$out" ] && return 0
  require go golang-go
  grep -qE "^\s*$module $version\$|^require $module $version\$" "$SRC/$mod/go.mod" ||
    die "test/controllers/$mod/go.mod does not require $module $version (test/services/versions.env pins it)"
  log "building the $mod harness ($module $version); the first build takes several minutes"
  local t0=$SECONDS
  (cd "$SRC/$mod" && GOTOOLCHAIN=local go build -trimpath -o "$out.$$.tmp" .) && mv "$out.$$.tmp" "$out"
  log "$mod harness built in $((SECONDS - t0))s: $out"
}

build_one() {
  case $1 in
    argo) build argo github.com/argoproj/argo-rollouts "$ARGO_ROLLOUTS_VERSION" ;;
    flagger) build flagger github.com/fluxcd/flagger "$FLAGGER_VERSION" ;;
    *) die "usage: controllers.sh path argo|flagger" ;;
  esac
}

install() { build_one argo; build_one flagger; }

# `path argo|flagger` prints the binary the tests run, building it first if needed.
path() { build_one "$1"; exe "$1"; }

start() { install; }
stop() { :; }
status() { printf '%-14s %-10s %-6s %s\n' controllers "$ARGO_ROLLOUTS_VERSION/$FLAGGER_VERSION" - "$( [ -x "$(exe argo)" ] && [ -x "$(exe flagger)" ] && echo built || echo not-built)"; }
disk() { echo "controllers $(du_of "$(exe argo)" "$(exe flagger)")"; }
"${1:-status}" "${@:2}"
