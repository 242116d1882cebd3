#!/usr/bin/env bash
# A single-node Apache Kafka 3.9.1 broker in KRaft mode, from Maven Central, on loopback.
# Usage: kafka.sh install | start [--fresh] | stop | status
LOG_TAG=kafka; source "$(dirname "$0")/../lib.sh"

KAFKA_VERSION=3.9.1
LIB="$SERVICES_DIR/kafka/lib"
INSTANCE="$RUN_DIR/kafka"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"

install() {
  if [ -f "$LIB/.complete-$KAFKA_VERSION" ]; then log "Kafka $KAFKA_VERSION already installed"; return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is required to fetch Kafka from Maven Central"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
  local pom; pom="$(mktemp -d)"
  # reload4j is compileOnly in Kafka's POM, but the broker logs through it.
  cat > "$pom/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$LIB"; mkdir -p "$LIB"
  mvn -q -B -f "$pom/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime \
    || die "mvn could not fetch Kafka"
  rm -rf "$pom"
  touch "$LIB/.complete-$KAFKA_VERSION"
  log "installed $(ls "$LIB" | wc -l) jars into $LIB"
}

java_cmd() { java -Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j.configuration="file:$INSTANCE/log4j.properties" -cp "$LIB/*" "$@"; }

# Healthy = the broker answers a metadata request (a topic listing), not merely an open port.
healthy() {
  java -Xmx128m -cp "$LIB/*" -Dlog4j.configuration="file:$INSTANCE/log4j.properties" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$PORT" --list >/dev/null 2>&1
}

write_config() {
  cat > "$INSTANCE/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$INSTANCE/data
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
PROPS
  cat > "$INSTANCE/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
PROPS
}

start() {
  local fresh=false; [ "${1:-}" = "--fresh" ] && fresh=true
  install
  if pid_alive "$INSTANCE/pid"; then
    if ! $fresh && healthy; then log "already running on 127.0.0.1:$PORT"; return; fi
    stop
  fi
  port_free "$PORT" || die "port $PORT is busy: stop what uses it or set KAFKA_PORT"
  port_free "$CONTROLLER_PORT" || die "port $CONTROLLER_PORT is busy: stop what uses it or set KAFKA_CONTROLLER_PORT"
  $fresh && rm -rf "$INSTANCE"
  mkdir -p "$INSTANCE"
  write_config
  if [ ! -f "$INSTANCE/data/meta.properties" ]; then
    local cluster_id; cluster_id="$(java_cmd kafka.tools.StorageTool random-uuid)"
    java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$INSTANCE/server.properties" >/dev/null
  fi
  log "starting on 127.0.0.1:$PORT"
  setsid nohup java -Xmx512m -Xms256m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$INSTANCE/log4j.properties" -cp "$LIB/*" kafka.Kafka "$INSTANCE/server.properties" \
    >"$INSTANCE/kafka.log" 2>&1 < /dev/null &
  echo $! > "$INSTANCE/pid"
  local start=$SECONDS
  until healthy; do
    pid_alive "$INSTANCE/pid" || { tail -n 40 "$INSTANCE/kafka.log" >&2; die "Kafka exited during startup"; }
    (( SECONDS - start < 120 )) || { tail -n 40 "$INSTANCE/kafka.log" >&2; die "Kafka not healthy after 120s"; }
    sleep 1
  done
  echo "KAFKA_BROKERS=127.0.0.1:$PORT" > "$INSTANCE/env"
  log "healthy on 127.0.0.1:$PORT after $((SECONDS - start))s"
}

stop() {
  if pid_alive "$INSTANCE/pid"; then log "stopping"; fi
  stop_pid "$INSTANCE/pid" TERM 60
  rm -f "$INSTANCE/env"
}

status() {
  if pid_alive "$INSTANCE/pid" && healthy; then echo "kafka: running on 127.0.0.1:$PORT"; else echo "kafka: stopped"; return 1; fi
}

service_main "$@"
