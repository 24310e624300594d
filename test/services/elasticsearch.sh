#!/usr/bin/env bash
# Elasticsearch 9 from Maven Central's integ-test-zip, single node on 127.0.0.1:9200, run as a
# dedicated non-root user (Elasticsearch refuses root).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# A second instance (MESHLOG_ES_INSTANCE=name, MESHLOG_ES_PORT=port) shares the install but has its
# own config, data and pid: the fault tests stop and choke one without touching the shared one.
NAME=${MESHLOG_ES_INSTANCE:-elasticsearch}
PORT=${MESHLOG_ES_PORT:-$ES_PORT}
HOME_DIR="$CACHE/elasticsearch-$ES_VERSION"
DATA="$RUN/$NAME"
CONF="$DATA/config"
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
  running "$NAME" && { log "$NAME already running"; return 0; }
  install
  mkdir -p "$DATA/data" "$DATA/logs"
  rm -rf "$CONF" && cp -r "$HOME_DIR/config" "$CONF"
  # Tests can shrink the write queue to provoke per-item 429s (MESHLOG_ES_WRITE_QUEUE_SIZE).
  cat >"$CONF/elasticsearch.yml" <<YML
cluster.name: meshlog-test-$NAME
node.name: $NAME
network.host: 127.0.0.1
http.port: $PORT
transport.port: $((PORT + 100))
discovery.type: single-node
path.data: $DATA/data
path.logs: $DATA/logs
action.destructive_requires_name: false
xpack.security.enabled: false
thread_pool.write.queue_size: ${MESHLOG_ES_WRITE_QUEUE_SIZE:-10000}
cluster.routing.allocation.disk.threshold_enabled: false
YML
  cat >"$CONF/jvm.options.d/meshlog.options" <<OPT
-Xms512m
-Xmx1g
OPT
  # A keystore left by a start with security on holds TLS passwords that now fail the boot.
  rm -rf "$CONF/elasticsearch.keystore" "$CONF/certs"
  ensure_user
  local jh; jh=$(java_home)
  if [ "$(id -u)" = 0 ]; then
    start_bg "$NAME" "$ES_USER" -- env ES_JAVA_HOME="$jh" ES_PATH_CONF="$CONF" "$HOME_DIR/bin/elasticsearch"
  else
    start_bg "$NAME" -- env ES_JAVA_HOME="$jh" ES_PATH_CONF="$CONF" "$HOME_DIR/bin/elasticsearch"
  fi
  wait_for "$NAME" "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" 180 '"status":"(green|yellow)"'
  log "$NAME $ES_VERSION up on 127.0.0.1:$PORT"
}

stop() { stop_pid "$NAME"; }
status() { status_line "$NAME" "$ES_VERSION" "$PORT"; }
disk() { echo "$NAME $(du_of "$HOME_DIR" "$CACHE/dist/elasticsearch-$ES_VERSION.zip")"; }
"${1:-status}"
