#!/usr/bin/env bash
# Elasticsearch 9 from Maven Central's integ-test-zip, single node on 127.0.0.1:9200, run as a
# dedicated non-root user (Elasticsearch refuses root).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=elasticsearch
HOME_DIR="$CACHE/elasticsearch-$ES_VERSION"
DATA="$RUN/elasticsearch"
ES_USER=meshlog-es

install() {
  [ -x "$HOME_DIR/bin/elasticsearch" ] && return 0
  require mvn maven; require unzip unzip
  log "downloading Elasticsearch $ES_VERSION (integ-test-zip) through mvn"
  mvn -B -q -Dmaven.repo.local="$M2" dependency:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$CACHE/dist" >&2
  rm -rf "$HOME_DIR.tmp" && mkdir -p "$HOME_DIR.tmp"
  unzip -q "$CACHE/dist/elasticsearch-$ES_VERSION.zip" -d "$HOME_DIR.tmp"
  mv "$HOME_DIR.tmp/elasticsearch-$ES_VERSION" "$HOME_DIR" && rm -rf "$HOME_DIR.tmp"
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  chown -R "$ES_USER" "$HOME_DIR" "$DATA"
}

start() {
  running $NAME && { log "$NAME already running"; return 0; }
  install
  mkdir -p "$DATA/data" "$DATA/logs"
  # Tests can shrink the write queue to provoke per-item 429s (MESHLOG_ES_WRITE_QUEUE_SIZE).
  cat >"$HOME_DIR/config/elasticsearch.yml" <<YML
cluster.name: meshlog-test
node.name: meshlog-test-1
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: 9300
discovery.type: single-node
path.data: $DATA/data
path.logs: $DATA/logs
action.destructive_requires_name: false
xpack.security.enabled: false
thread_pool.write.queue_size: ${MESHLOG_ES_WRITE_QUEUE_SIZE:-10000}
cluster.routing.allocation.disk.threshold_enabled: false
YML
  cat >"$HOME_DIR/config/jvm.options.d/meshlog.options" <<OPT
-Xms512m
-Xmx1g
OPT
  # A keystore left by a start with security on holds TLS passwords that now fail the boot.
  rm -rf "$HOME_DIR/config/elasticsearch.keystore" "$HOME_DIR/config/certs"
  ensure_user
  local jh; jh=$(java_home)
  if [ "$(id -u)" = 0 ]; then
    start_bg $NAME "$ES_USER" -- env ES_JAVA_HOME="$jh" "$HOME_DIR/bin/elasticsearch"
  else
    start_bg $NAME -- env ES_JAVA_HOME="$jh" "$HOME_DIR/bin/elasticsearch"
  fi
  wait_for $NAME "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" 180 '"status":"(green|yellow)"'
  log "$NAME $ES_VERSION up on 127.0.0.1:$ES_PORT"
}

stop() { stop_pid $NAME; }
status() { status_line $NAME "$ES_VERSION" "$ES_PORT"; }
disk() { echo "$NAME $(du_of "$HOME_DIR" "$CACHE/dist/elasticsearch-$ES_VERSION.zip")"; }
"${1:-status}"
