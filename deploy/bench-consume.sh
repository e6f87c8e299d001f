#!/usr/bin/env bash
# Consume side by side: a Tributary node and an Apache Kafka node (the jars of ../shared/kafka-anchor)
# each get NUM_RECORDS 100-byte records in 6 partitions (acks=all, batch.size 16384, linger.ms 5),
# then a consumer reads them all back WARMUP times unreported and REPS times from the start; prints
# records/s and the broker's CPU-s per million records consumed (the zero-copy fetch figure of the
# storage issue). Without the warm-up the figure is mostly the JIT compiling the fetch path: the
# first reads of a fresh node cost 1.5-2 CPU-s per million, of which 1.2-1.7 s are compiler threads.
#
#   deploy/bench-consume.sh   (env: REPS=5 WARMUP=4 NUM_RECORDS=1000000 WORK=/tmp/...)
set -euo pipefail
REPS="${REPS:-5}"
WARMUP="${WARMUP:-4}"
NUM_RECORDS="${NUM_RECORDS:-1000000}"
# shellcheck source=deploy/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

# ---------------------------------------------------------------- Tributary
tributary_start "$WORK/tributary"; tpid=$TRIBUTARY_PID
"$tributary" bench produce --topic c --num-records "$NUM_RECORDS" --partitions 6 --acks -1 --batch-size 16384 \
  --linger-ms 5 > /dev/null
for _ in $(seq 1 "$WARMUP"); do "$tributary" bench consume --topic c --num-records "$NUM_RECORDS" > /dev/null; done
for rep in $(seq 1 "$REPS"); do
  out=$("$tributary" bench consume --topic c --num-records "$NUM_RECORDS" --broker-pid "$tpid")
  echo "tributary rep $rep: $(head -1 <<<"$out")"
  echo "  $(grep 'broker CPU' <<<"$out")"
done
kill "$tpid"; wait "$tpid" 2>/dev/null || true

# ---------------------------------------------------------------- Kafka (as shipped: consuming does not fsync)
kafka_start ship "$WORK/kafka"; kpid=$KAFKA_PID
kafka_create_topic c 6
kafka_java org.apache.kafka.tools.ProducerPerformance --topic c --num-records "$NUM_RECORDS" --record-size 100 \
  --throughput -1 --producer-props bootstrap.servers=127.0.0.1:19092 acks=all batch.size=16384 linger.ms=5 \
  > /dev/null 2>&1
for rep in $(seq 1 "$WARMUP"); do
  kafka_java org.apache.kafka.tools.ConsumerPerformance --bootstrap-server 127.0.0.1:19092 --topic c \
    --messages "$NUM_RECORDS" --group "warmup-$rep-$RANDOM" --timeout 60000 > /dev/null 2>&1
done
for rep in $(seq 1 "$REPS"); do
  cpu0=$(cpu_ticks "$kpid")
  out=$(kafka_java org.apache.kafka.tools.ConsumerPerformance --bootstrap-server 127.0.0.1:19092 --topic c \
    --messages "$NUM_RECORDS" --group "bench-$rep-$RANDOM" --timeout 60000 2>/dev/null | tail -1)
  cpu1=$(cpu_ticks "$kpid")
  echo "kafka rep $rep: $out"
  cpu_report $((cpu1 - cpu0)) "$NUM_RECORDS"
done
kill "$kpid"; wait "$kpid" 2>/dev/null || true
log "done; work files in $WORK"
