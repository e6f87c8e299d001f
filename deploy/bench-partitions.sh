#!/usr/bin/env bash
# Many partitions at a low rate each, side by side: a Tributary node and an Apache Kafka node (the
# jars of ../shared/kafka-anchor) take PARTITIONS partitions written at RATE records/s in all
# (10 records/s each by default), 100-byte records, acks=all, batch.size 16384, linger.ms 5; every
# record goes to another partition (Tributary: hashed keys; Kafka: RoundRobinPartitioner), so
# nearly every batch holds one record and every flush round touches hundreds of partitions.
# Prints each run's latency percentiles and the broker's CPU.
#
#   deploy/bench-partitions.sh   (env: REPS=3 PARTITIONS=1000 RATE=10000 NUM_RECORDS=300000
#                                 KAFKA_VARIANTS="ship fsync" WORK=/tmp/...)
set -euo pipefail
REPS="${REPS:-3}"
PARTITIONS="${PARTITIONS:-1000}"
RATE="${RATE:-10000}"
NUM_RECORDS="${NUM_RECORDS:-300000}"
KAFKA_VARIANTS="${KAFKA_VARIANTS:-ship fsync}"
# shellcheck source=deploy/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

# ---------------------------------------------------------------- Tributary
tributary_start "$WORK/tributary"; tpid=$TRIBUTARY_PID
"$tributary" topic create --topic many --partitions "$PARTITIONS" --replication-factor 1 > /dev/null
for rep in $(seq 1 "$REPS"); do
  out=$("$tributary" bench produce --topic many --num-records "$NUM_RECORDS" --keys 100000 --throughput "$RATE" \
    --acks -1 --batch-size 16384 --linger-ms 5 --broker-pid "$tpid")
  echo "tributary rep $rep: $(head -1 <<<"$out")"
  echo "  $(grep 'broker CPU' <<<"$out")"
done
kill "$tpid"; wait "$tpid" 2>/dev/null || true

# ---------------------------------------------------------------- Kafka
for variant in $KAFKA_VARIANTS; do
  kafka_start "$variant" "$WORK/kafka-$variant"; kpid=$KAFKA_PID
  kafka_create_topic many "$PARTITIONS"
  for rep in $(seq 1 "$REPS"); do
    cpu0=$(cpu_ticks "$kpid")
    out=$(kafka_java org.apache.kafka.tools.ProducerPerformance --topic many --num-records "$NUM_RECORDS" \
      --record-size 100 --throughput "$RATE" --producer-props bootstrap.servers=127.0.0.1:19092 acks=all \
      batch.size=16384 linger.ms=5 partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner \
      2>/dev/null | tail -1)
    cpu1=$(cpu_ticks "$kpid")
    echo "kafka-$variant rep $rep: $out"
    cpu_report $((cpu1 - cpu0)) "$NUM_RECORDS"
  done
  kill "$kpid"; wait "$kpid" 2>/dev/null || true
done
log "done; work files in $WORK"
