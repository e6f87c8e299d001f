# Sourced by the deploy/bench-*.sh scripts: an Apache Kafka node from the jars of
# ../shared/kafka-anchor beside a Tributary node, and the CPU accounting both sides use.
# Sourcing it makes the work directory (WORK, default a new /tmp/<script name>.XXXXXX) and stops
# every process started through it when the script exits.
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
anchor="$bench_root/../shared/kafka-anchor"
JAVA="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java"
tributary="$bench_root/tributary"

WORK="${WORK:-$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")}"
mkdir -p "$WORK"
PIDS=()
trap bench_cleanup EXIT

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
bench_cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cpu_report TICKS RECORDS: the broker CPU line both sides print
cpu_report() {
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" \
    'BEGIN { printf "  broker CPU: %.2f s (%.2f CPU-s per million records)\n", t / hz, t / hz / n * 1e6 }'
}

# tributary_start DIR: a single dev node with its data in DIR; sets TRIBUTARY_PID
tributary_start() {
  "$tributary" --version > /dev/null   # builds when needed
  "$tributary" server --dev --data-dir "$1" > "$1.log" 2>&1 &
  PIDS+=($!); TRIBUTARY_PID=$!
  for _ in $(seq 1 120); do "$tributary" topic list > /dev/null 2>&1 && return 0; sleep 0.5; done
  log "the Tributary node did not start; see $1.log"; return 1
}

kafka_java() { "$JAVA" -Xmx512M -Dlog4j2.configurationFile="$WORK/log4j2.properties" -cp "$anchor/lib/*" "$@"; }

# The logging of every Kafka JVM started here (warnings, and the KRaft server's start)
kafka_log_config() {
  cat > "$WORK/log4j2.properties" <<'L4J'
status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
L4J
}

# kafka_start VARIANT DIR: one KRaft node on 127.0.0.1:19092 with its data in DIR; VARIANT "fsync"
# adds log.flush.interval.messages=1 (Tributary fsyncs every acknowledged write); sets KAFKA_PID
kafka_start() {
  local variant="$1" dir="$2"
  if ! compgen -G "$anchor/lib/kafka_2.13-*.jar" > /dev/null; then
    mvn -q -B -f "$anchor/pom.xml" dependency:copy-dependencies -DoutputDirectory="$anchor/lib" -DincludeScope=runtime
  fi
  kafka_log_config
  mkdir -p "$dir"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://127.0.0.1:19092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
PROPS
  if [[ "$variant" == fsync ]]; then echo "log.flush.interval.messages=1" >> "$dir/server.properties"; fi
  kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
    -c "$dir/server.properties" > "$dir/format.log" 2>&1
  "$JAVA" -Xms1G -Xmx1G -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Dlog4j2.configurationFile="$WORK/log4j2.properties" \
    -cp "$anchor/lib/*" kafka.Kafka "$dir/server.properties" > "$dir/broker.log" 2>&1 &
  PIDS+=($!); KAFKA_PID=$!
  for _ in $(seq 1 120); do grep -q "Kafka Server started" "$dir/broker.log" && return 0; sleep 0.5; done
  log "the Kafka node did not start; see $dir/broker.log"; return 1
}

# kafka_create_topic TOPIC PARTITIONS
kafka_create_topic() {
  kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --create --topic "$1" \
    --partitions "$2" --replication-factor 1 > /dev/null
}
