#!/usr/bin/env bash
# Kafka's side of `tributary bench group`: the same consumer-group measurement (KafkaGroupPause.java)
# against Apache Kafka 4.3.1 from ../shared/kafka-anchor, 3 KRaft nodes on 127.0.0.1-3 (RF=3), with
# Kafka's classic protocol and with KIP-848's consumer protocol. Stops only the brokers it started.
#
#   deploy/kafka-compare/run.sh [RUNS]        ANCHOR=path/to/kafka-anchor (default ../shared/kafka-anchor)
#   EXTRA_BROKER_PROPS='log.flush.interval.messages=1' deploy/kafka-compare/run.sh   Kafka with fsync on every append
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ANCHOR="${ANCHOR:-$(cd "$HERE/../../../shared/kafka-anchor" && pwd)}"
RUNS="${1:-3}"
PORT="${PORT:-29092}"
JAVA="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java"
LIB="$ANCHOR/lib"
DATA="$(mktemp -d /tmp/kafka-group-XXXXXX)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

if ! compgen -G "$LIB/kafka-clients-*.jar" >/dev/null; then
  mvn -q -B -f "$ANCHOR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime
fi
voters="1@127.0.0.1:$((PORT + 1)),2@127.0.0.2:$((PORT + 1)),3@127.0.0.3:$((PORT + 1))"
cluster_id="$("$JAVA" -cp "$LIB/*" kafka.tools.StorageTool random-uuid)"
for id in 1 2 3; do
  dir="$DATA/node$id"; mkdir -p "$dir"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.$id:$PORT,CONTROLLER://127.0.0.$id:$((PORT + 1))
advertised.listeners=PLAINTEXT://127.0.0.$id:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
group.initial.rebalance.delay.ms=0
${EXTRA_BROKER_PROPS:-}
PROPS
  "$JAVA" -cp "$LIB/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" > "$dir/format.log" 2>&1
  "$JAVA" -Xms512m -Xmx512m -XX:+UseG1GC -cp "$LIB/*" kafka.Kafka "$dir/server.properties" > "$dir/broker.log" 2>&1 &
  PIDS+=($!)
done
for id in 1 2 3; do
  for _ in $(seq 1 120); do (exec 3<>"/dev/tcp/127.0.0.$id/$PORT") 2>/dev/null && break; sleep 0.5; done
done
mkdir -p "$DATA/classes"
"${JAVA%/java}/javac" -cp "$LIB/*" -d "$DATA/classes" "$HERE/KafkaGroupPause.java"
bootstrap="127.0.0.1:$PORT,127.0.0.2:$PORT,127.0.0.3:$PORT"
for protocol in classic consumer; do
  "$JAVA" -cp "$LIB/*:$DATA/classes" KafkaGroupPause "$bootstrap" "$protocol" 10 40 2000 "$RUNS" 2>/dev/null
done
