#!/usr/bin/env bash
# helm, built from the Go module proxy (helm.sh/helm/v3 at $HELM_VERSION) into the cache; the chart
# tests (test/deploy) call `helm.sh path`, which installs it on first use and prints the executable.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
EXE="$BIN/helm-$HELM_VERSION"

install() {
  [ -x "$EXE" ] && return 0
  require go golang-go
  log "building helm $HELM_VERSION with go (cached under $CACHE; the first build takes a few minutes)"
  local tmp; tmp=$(mktemp -d)
  GOBIN="$tmp" go install -trimpath "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || die "go install helm@$HELM_VERSION failed"
  mv "$tmp/helm" "$EXE" && rmdir "$tmp"
}

path() { install; echo "$EXE"; }
# A tool, not a server: start only installs, so `services.sh up helm` would work too.
start() { install; }
stop() { :; }
status() { printf '%-14s %-10s %-6s %-5s %s\n' helm "$HELM_VERSION" - "$([ -x "$EXE" ] && echo built || echo absent)" -; }
disk() { echo "helm $(du_of "$EXE")"; }
"${1:-status}"
