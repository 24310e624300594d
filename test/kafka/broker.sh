#!/usr/bin/env bash
# A second Kafka of the test install, on 127.0.0.1:45092 (controller 45093) with its own data
# folder and no topic auto-creation, for the fault tests that stop and restart the broker without
# disturbing the shared one on :9092. Usage: bash test/kafka/broker.sh start|stop|status
export MESHLOG_KAFKA_INSTANCE=kafka-faults
export MESHLOG_KAFKA_PORT=${MESHLOG_KAFKA_FAULTS_PORT:-45092}
export MESHLOG_KAFKA_CONTROLLER_PORT=${MESHLOG_KAFKA_FAULTS_CONTROLLER_PORT:-45093}
export MESHLOG_KAFKA_AUTO_CREATE=false
exec bash "$(dirname "${BASH_SOURCE[0]}")/../services/kafka.sh" "$@"
