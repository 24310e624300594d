#!/usr/bin/env bash
# A second Kafka of the test install, on 127.0.0.1:45092 (controller 45093) with its own data
# folder, for the fault tests that stop and restart the broker without disturbing the shared one
# on :9092. Usage: bash test/kafka/broker.sh start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/../services/lib.sh"
NAME=kafka-faults
PORT=${MESHLOG_KAFKA_FAULTS_PORT:-45092}
CONTROLLER_PORT=${MESHLOG_KAFKA_FAULTS_CONTROLLER_PORT:-45093}
LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
DATA="$RUN/$NAME"

start() {
  running $NAME && { log "$NAME already running"; return 0; }
  [ -f "$LIBS/.complete" ] || bash "$SERVICES_DIR/kafka.sh" install
  mkdir -p "$DATA"
  cat >"$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  cat >"$DATA/log4j2.properties" <<'L4J'
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
L4J
  local java; java="$(java_home)/bin/java"
  local opts=(-Xms128m -Xmx384m "-Dlog4j2.configurationFile=$DATA/log4j2.properties" -cp "$LIBS/*")
  if [ ! -f "$DATA/data/meta.properties" ]; then
    local id; id=$("$java" "${opts[@]}" kafka.tools.StorageTool random-uuid)
    "$java" "${opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$DATA/server.properties" >&2
  fi
  start_bg $NAME -- "$java" "${opts[@]}" kafka.Kafka "$DATA/server.properties"
  wait_tcp $NAME "$PORT" 120
  local end=$((SECONDS + 90))
  until grep -q "Kafka Server started" "$RUN/$NAME.log"; do
    [ $SECONDS -lt $end ] || die "$NAME did not finish starting (log: $RUN/$NAME.log)"
    sleep 1
  done
  log "$NAME up on 127.0.0.1:$PORT"
}

stop() { stop_pid $NAME; }
status() { status_line $NAME "$KAFKA_VERSION" "$PORT"; }
"${1:-status}"
