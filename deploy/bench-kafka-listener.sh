#!/usr/bin/env bash
# Tributary's Kafka listener measured with Kafka's own tools (from ../shared/kafka-anchor/lib), beside
# Tributary's gRPC path on the same nodes, as the anchor measures Apache Kafka (run it in the same
# session: `SUITE=produce,consume,e2e ./run.sh single|cluster` there):
#   produce   ProducerPerformance, NUM_RECORDS x 100 B, 6 partitions, acks=all, batch.size 16384,
#             linger.ms 5, after two unreported warm-up runs; records/s and the brokers' CPU-s per million
#   grpc      `tributary bench produce` with the same settings through the gRPC API (the listener's
#             cost over it is the issue's figure)
#   consume   ConsumerPerformance of what produce wrote
#   e2e       the anchor's E2eLatencyMicros: one record at a time, produce to consume, 1 partition
#
#   deploy/bench-kafka-listener.sh single|cluster     (env: REPS=3 NUM_RECORDS=1000000 E2E_RECORDS=10000)
# single: one dev node; cluster: deploy/local-cluster.sh's 3 nodes on 127.0.0.1-3, RF=3, min.insync.replicas=2.
set -euo pipefail
MODE="${1:-single}"
REPS="${REPS:-3}"
NUM_RECORDS="${NUM_RECORDS:-1000000}"
E2E_RECORDS="${E2E_RECORDS:-10000}"
E2E_WARMUP="${E2E_WARMUP:-1000}"
# shellcheck source=deploy/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

case "$MODE" in
  single)
    tributary_start "$WORK/tributary"; BROKER_PIDS=("$TRIBUTARY_PID")
    KAFKA_BOOTSTRAP=127.0.0.1:9095; GRPC_BOOTSTRAP=127.0.0.1:9092; RF=1; TOPIC_CONFIG=() ;;
  cluster)
    "$bench_root/deploy/local-cluster.sh" start --data-dir "$WORK/cluster" >&2
    trap '"$bench_root/deploy/local-cluster.sh" stop --data-dir "$WORK/cluster" >&2; bench_cleanup' EXIT
    BROKER_PIDS=(); for i in 1 2 3; do BROKER_PIDS+=("$(cat "$WORK/cluster/node$i/node.pid")"); done
    KAFKA_BOOTSTRAP=127.0.0.1:9095,127.0.0.2:9095,127.0.0.3:9095; GRPC_BOOTSTRAP=127.0.0.1:9092
    RF=3; TOPIC_CONFIG=(--config min.insync.replicas=2) ;;
  *) echo "usage: $0 single|cluster" >&2; exit 2 ;;
esac
if ! compgen -G "$anchor/lib/kafka-tools-*.jar" > /dev/null; then
  mvn -q -B -f "$anchor/pom.xml" dependency:copy-dependencies -DoutputDirectory="$anchor/lib" -DincludeScope=runtime
fi
kafka_log_config

brokers_cpu() { local t=0 pid; for pid in "${BROKER_PIDS[@]}"; do t=$((t + $(cpu_ticks "$pid"))); done; echo "$t"; }
create_topic() {  # create_topic NAME PARTITIONS
  kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$RF" "${TOPIC_CONFIG[@]}" > /dev/null
}
producer_perf() {  # producer_perf TOPIC: the tool's summary line
  kafka_java org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$NUM_RECORDS" --record-size 100 \
    --throughput -1 --producer-props bootstrap.servers="$KAFKA_BOOTSTRAP" acks=all batch.size=16384 linger.ms=5 \
    2>/dev/null | grep ' 50th' | tail -1
}

log "[$MODE] warm-up: 2 x $NUM_RECORDS records, not reported"
create_topic warmup 6
for _ in 1 2; do producer_perf warmup > /dev/null; done

for rep in $(seq 1 "$REPS"); do
  create_topic "produce-$rep" 6
  c0=$(brokers_cpu); line=$(producer_perf "produce-$rep"); c1=$(brokers_cpu)
  echo "kafka-listener produce rep $rep: $line"
  cpu_report $((c1 - c0)) "$NUM_RECORDS"
done

for rep in $(seq 1 "$REPS"); do
  c0=$(brokers_cpu)
  out=$("$tributary" bench produce --bootstrap "$GRPC_BOOTSTRAP" --topic "grpc-$rep" --num-records "$NUM_RECORDS" \
    --partitions 6 --replication-factor "$RF" --acks -1 --batch-size 16384 --linger-ms 5 \
    ${TOPIC_CONFIG[@]:+--topic-config min.insync.replicas=2} | head -1)
  c1=$(brokers_cpu)
  echo "grpc produce rep $rep: $out"
  cpu_report $((c1 - c0)) "$NUM_RECORDS"
done

for rep in $(seq 1 "$REPS"); do
  c0=$(brokers_cpu)
  out=$(kafka_java org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$KAFKA_BOOTSTRAP" --topic "produce-$rep" \
    --messages "$NUM_RECORDS" --group "perf-$rep-$RANDOM" --timeout 60000 2>/dev/null | tail -1)
  c1=$(brokers_cpu)
  echo "kafka-listener consume rep $rep: $out"
  cpu_report $((c1 - c0)) "$NUM_RECORDS"
done

create_topic e2e 1
for rep in $(seq 1 "$REPS"); do
  out=$(kafka_java "$anchor/E2eLatencyMicros.java" "$KAFKA_BOOTSTRAP" e2e "$E2E_RECORDS" all 100 "$E2E_WARMUP" 2>/dev/null \
    | grep '^e2e_us')
  echo "kafka-listener e2e rep $rep: $out"
done
log "done; work files in $WORK"
