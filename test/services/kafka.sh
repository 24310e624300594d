#!/usr/bin/env bash
# Apache Kafka 4 in KRaft mode (combined broker + controller) from the Maven Central jars,
# on 127.0.0.1:9092. A second instance for fault tests (test/kafka/broker.sh) sets
# MESHLOG_KAFKA_INSTANCE, MESHLOG_KAFKA_PORT, MESHLOG_KAFKA_CONTROLLER_PORT and
# MESHLOG_KAFKA_AUTO_CREATE: its own name, ports and data folder, the same jars.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAME=${MESHLOG_KAFKA_INSTANCE:-kafka}
KAFKA_PORT=${MESHLOG_KAFKA_PORT:-$KAFKA_PORT}
KAFKA_CONTROLLER_PORT=${MESHLOG_KAFKA_CONTROLLER_PORT:-$KAFKA_CONTROLLER_PORT}
AUTO_CREATE=${MESHLOG_KAFKA_AUTO_CREATE:-true}
LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
DATA="$RUN/$NAME"

install() {
  [ -f "$LIBS/.complete" ] && return 0
  require mvn maven
  log "gathering Kafka $KAFKA_VERSION jars through mvn"
  mkdir -p "$LIBS"
  mvn -B -q -f "$SERVICES_DIR/kafka/pom.xml" -Dmaven.repo.local="$M2" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$LIBS" -DincludeScope=runtime >&2
  touch "$LIBS/.complete"
}

start() {
  running $NAME && { log "$NAME already running"; return 0; }
  install
  mkdir -p "$DATA"
  cat >"$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=$AUTO_CREATE
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
  local opts=(-Xms256m -Xmx512m "-Dlog4j2.configurationFile=$DATA/log4j2.properties" -cp "$LIBS/*")
  if [ ! -f "$DATA/data/meta.properties" ]; then
    local id; id=$("$java" "${opts[@]}" kafka.tools.StorageTool random-uuid)
    "$java" "${opts[@]}" kafka.tools.StorageTool format -t "$id" -c "$DATA/server.properties" >&2
  fi
  start_bg $NAME -- "$java" "${opts[@]}" kafka.Kafka "$DATA/server.properties"
  wait_tcp $NAME "$KAFKA_PORT" 120
  # The port opens before the broker has registered with its controller; wait for that line.
  local end=$((SECONDS + 90))
  until grep -q "Kafka Server started" "$RUN/$NAME.log"; do
    [ $SECONDS -lt $end ] || die "$NAME did not finish starting (log: $RUN/$NAME.log)"
    sleep 1
  done
  log "$NAME $KAFKA_VERSION up on 127.0.0.1:$KAFKA_PORT"
}

stop() { stop_pid $NAME; }
status() { status_line $NAME "$KAFKA_VERSION" "$KAFKA_PORT"; }
disk() { echo "$NAME $(du_of "$LIBS")"; }
"${1:-status}"
