#!/usr/bin/env bash
# npm run services:up [-- names…] | services:down | services:status
# Installs (once, into the cache), starts, stops and reports the real servers the integration
# tests use. Every action is idempotent and everything binds to 127.0.0.1.
set -euo pipefail
DIR="$(cd "$(dirname "$0")" && pwd)"
ALL=(elasticsearch kafka jaeger otelcol controllers)
action=${1:-status}; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
  [[ " ${ALL[*]} " == *" $n "* ]] || { echo "unknown service $n (known: ${ALL[*]})" >&2; exit 2; }
done
case "$action" in
  up)
    for n in "${names[@]}"; do
      t0=$SECONDS; bash "$DIR/$n.sh" start; echo "[services] $n ready in $((SECONDS - t0))s" >&2
    done ;;
  install) for n in "${names[@]}"; do bash "$DIR/$n.sh" install; done ;;
  down) for n in "${names[@]}"; do bash "$DIR/$n.sh" stop; done ;;
  status)
    printf '%-14s %-10s %-6s %-5s %s\n' SERVICE VERSION PORT STATE PID
    for n in "${names[@]}"; do bash "$DIR/$n.sh" status; done ;;
  disk) for n in "${names[@]}"; do bash "$DIR/$n.sh" disk; done ;;
  *) echo "usage: services.sh up|down|status|install|disk [names…]" >&2; exit 2 ;;
esac
