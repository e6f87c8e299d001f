#!/usr/bin/env bash
# Compression side by side: a Tributary node and an Apache Kafka node (the jars of
# ../shared/kafka-anchor) produce the same realistic JSON payload with each codec, with the same
# producer settings (acks=all, batch.size 16384, linger.ms 5, 6 partitions); prints records/s,
# MB/s, broker CPU and the bytes of the segment files per record.
#
#   deploy/bench-compression.sh            (env: REPS=3 NUM_RECORDS=1000000 CODECS="none lz4 zstd"
#                                           KAFKA_VARIANTS="ship fsync" WORK=/tmp/...)
#
# Kafka "ship" runs as it ships (no fsync); "fsync" adds log.flush.interval.messages=1, since
# Tributary fsyncs every acknowledged write. Only the processes this script starts are stopped.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
anchor="$root/../shared/kafka-anchor"
REPS="${REPS:-3}"
NUM_RECORDS="${NUM_RECORDS:-1000000}"
CODECS="${CODECS:-none lz4 zstd}"
KAFKA_VARIANTS="${KAFKA_VARIANTS:-ship fsync}"
WORK="${WORK:-$(mktemp -d /tmp/bench-compression.XXXXXX)}"
mkdir -p "$WORK"
JAVA="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java"
PIDS=()
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# ~300-byte click-stream events, 10,000 distinct lines, the same on every run (awk's seeded rand).
payload="$WORK/events.json"
awk 'BEGIN { srand(42); split("page_view add_to_cart checkout search click", ev, " ");
  split("Android iOS Windows macOS Linux", os, " "); split("Chrome Firefox Safari Edge", br, " ");
  split("US DE IN BR JP FR GB", cc, " "); split("shoes books garden toys kitchen audio", cat, " ");
  for (i = 0; i < 10000; i++) {
    printf "{\"ts\":\"2026-12-02T%02d:%02d:%02d.%03dZ\",\"user_id\":\"u-%06d\",\"session\":\"%08x-%04x\",", \
      int(rand()*24), int(rand()*60), int(rand()*60), int(rand()*1000), int(rand()*200000), int(rand()*2^31), int(rand()*65536);
    printf "\"event\":\"%s\",\"page\":\"/catalog/%s/item-%d\",\"referrer\":\"https://www.example.com/search?q=%s\",", \
      ev[1+int(rand()*5)], cat[1+int(rand()*6)], int(rand()*5000), cat[1+int(rand()*6)];
    printf "\"device\":{\"os\":\"%s\",\"browser\":\"%s\"},\"geo\":{\"country\":\"%s\"},\"duration_ms\":%d,\"items\":%d,\"price\":%d.%02d}\n", \
      os[1+int(rand()*5)], br[1+int(rand()*4)], cc[1+int(rand()*7)], int(rand()*30000), int(rand()*5), int(rand()*500), int(rand()*100);
  } }' > "$payload"
log "payload: $(wc -l < "$payload") lines, $(( $(wc -c < "$payload") / $(wc -l < "$payload") )) bytes per line on average"

segment_bytes() {  # segment_bytes DIR TOPIC: bytes of the topic's segment (.log) files
  find "$1" -path "*/$2-*" -name '*.log' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

# ---------------------------------------------------------------- Tributary
tributary="$root/tributary"
"$tributary" --version > /dev/null   # builds when needed
"$tributary" server --dev --data-dir "$WORK/tributary" > "$WORK/tributary.log" 2>&1 &
PIDS+=($!); tpid=$!
for _ in $(seq 1 120); do "$tributary" topic list > /dev/null 2>&1 && break; sleep 0.5; done
for rep in $(seq 1 "$REPS"); do
  for codec in $CODECS; do
    topic="t-$codec-$rep"
    out=$("$tributary" bench produce --topic "$topic" --num-records "$NUM_RECORDS" --partitions 6 --acks -1 \
      --batch-size 16384 --linger-ms 5 --payload-file "$payload" --compression "$codec" --broker-pid "$tpid")
    echo "tributary $codec rep $rep: $(head -1 <<<"$out" | cut -d, -f1-2)"
    echo "  $(grep 'broker CPU' <<<"$out")"
    bytes=$(segment_bytes "$WORK/tributary" "$topic")
    echo "  on disk: $bytes bytes, $(( bytes / NUM_RECORDS )) bytes per record"
  done
done
kill "$tpid"; wait "$tpid" 2>/dev/null || true

# ---------------------------------------------------------------- Kafka
if ! compgen -G "$anchor/lib/kafka_2.13-*.jar" > /dev/null; then
  mvn -q -B -f "$anchor/pom.xml" dependency:copy-dependencies -DoutputDirectory="$anchor/lib" -DincludeScope=runtime
fi
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
kafka_java() { "$JAVA" -Xmx512M -Dlog4j2.configurationFile="$WORK/log4j2.properties" -cp "$anchor/lib/*" "$@"; }
for variant in $KAFKA_VARIANTS; do
  dir="$WORK/kafka-$variant"; mkdir -p "$dir"
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
  PIDS+=($!); kpid=$!
  for _ in $(seq 1 120); do grep -q "Kafka Server started" "$dir/broker.log" && break; sleep 0.5; done
  for rep in $(seq 1 "$REPS"); do
    for codec in $CODECS; do
      topic="k-$codec-$rep"
      kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --create --topic "$topic" \
        --partitions 6 --replication-factor 1 > /dev/null
      cpu0=$(awk '{print $14 + $15}' "/proc/$kpid/stat")
      out=$(kafka_java org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$NUM_RECORDS" \
        --payload-file "$payload" --throughput -1 --producer-props bootstrap.servers=127.0.0.1:19092 acks=all \
        batch.size=16384 linger.ms=5 compression.type="$codec" 2>/dev/null | tail -1)
      cpu1=$(awk '{print $14 + $15}' "/proc/$kpid/stat")
      echo "kafka-$variant $codec rep $rep: $(cut -d, -f1-2 <<<"$out")"
      awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$NUM_RECORDS" \
        'BEGIN { printf "  broker CPU: %.2f s (%.2f CPU-s per million records)\n", t / hz, t / hz / n * 1e6 }'
      bytes=$(segment_bytes "$dir/data" "$topic")
      echo "  on disk: $bytes bytes, $(( bytes / NUM_RECORDS )) bytes per record"
    done
  done
  kill "$kpid"; wait "$kpid" 2>/dev/null || true
done
log "done; work files in $WORK"
