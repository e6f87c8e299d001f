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
REPS="${REPS:-3}"
NUM_RECORDS="${NUM_RECORDS:-1000000}"
CODECS="${CODECS:-none lz4 zstd}"
KAFKA_VARIANTS="${KAFKA_VARIANTS:-ship fsync}"
# shellcheck source=deploy/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

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
tributary_start "$WORK/tributary"; tpid=$TRIBUTARY_PID
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
for variant in $KAFKA_VARIANTS; do
  dir="$WORK/kafka-$variant"
  kafka_start "$variant" "$dir"; kpid=$KAFKA_PID
  for rep in $(seq 1 "$REPS"); do
    for codec in $CODECS; do
      topic="k-$codec-$rep"
      kafka_create_topic "$topic" 6
      cpu0=$(cpu_ticks "$kpid")
      out=$(kafka_java org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$NUM_RECORDS" \
        --payload-file "$payload" --throughput -1 --producer-props bootstrap.servers=127.0.0.1:19092 acks=all \
        batch.size=16384 linger.ms=5 compression.type="$codec" 2>/dev/null | tail -1)
      cpu1=$(cpu_ticks "$kpid")
      echo "kafka-$variant $codec rep $rep: $(cut -d, -f1-2 <<<"$out")"
      cpu_report $((cpu1 - cpu0)) "$NUM_RECORDS"
      bytes=$(segment_bytes "$dir/data" "$topic")
      echo "  on disk: $bytes bytes, $(( bytes / NUM_RECORDS )) bytes per record"
    done
  done
  kill "$kpid"; wait "$kpid" 2>/dev/null || true
done
log "done; work files in $WORK"
