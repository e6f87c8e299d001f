#!/usr/bin/env bash
# Recovery after kill -9 with a large log (the storage issue's figure): fills one partition with
# RECORDS records of 1000 bytes (10,000,000 = 10 GB), then REPS times: start the node on that data,
# time it until it serves clients (and read the "hosting its replicas took" line), write for
# WRITE_S seconds and kill -9 it mid-write. Each start reads only the log's tail after the newest
# replica state snapshot (taken every 16 MiB while the fill writes); a build without snapshots reads
# the whole log at every start. COLD=1 drops the page cache before each start (needs root).
# Finally it times the log verifier's background pass over the rest of the log.
#
#   deploy/bench-recovery.sh   (env: RECORDS=10000000 REPS=4 WRITE_S=5 COLD=0 WORK=/tmp/...)
set -euo pipefail
RECORDS="${RECORDS:-10000000}"
REPS="${REPS:-4}"
WRITE_S="${WRITE_S:-5}"
COLD="${COLD:-0}"
# shellcheck source=deploy/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
data="$WORK/tributary"

# start_and_time LABEL: starts the node on $data and prints how long it took to serve; sets TRIBUTARY_PID
start_and_time() {
  if [ "$COLD" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
  local t0 t1
  t0=$(date +%s%N)
  "$tributary" server --dev --data-dir "$data" > "$WORK/$1.log" 2>&1 &
  PIDS+=($!); TRIBUTARY_PID=$!
  until grep -q "serving clients" "$WORK/$1.log"; do
    kill -0 "$TRIBUTARY_PID" 2>/dev/null || { log "the node died; see $WORK/$1.log"; return 1; }
    sleep 0.1
  done
  t1=$(date +%s%N)
  echo "$1: serving after $(( (t1 - t0) / 1000000 )) ms; $(grep -o 'hosting its replicas took [0-9]* ms' "$WORK/$1.log");" \
    "RSS $(( $(ps -o rss= "$TRIBUTARY_PID") / 1024 )) MiB"
}

write_then_kill() {
  "$tributary" bench produce --topic big --partitions 1 --num-records "$1" --record-size 1000 --batch-size 262144 \
    > /dev/null 2>&1 &
  local bench=$!
  sleep "$WRITE_S"   # a crash at an arbitrary moment of writing, not a synchronisation
  kill -9 "$TRIBUTARY_PID"
  kill "$bench" 2>/dev/null || true
  wait "$bench" 2>/dev/null || true
}

"$tributary" --version > /dev/null   # builds when needed
log "filling one partition with $RECORDS records of 1000 bytes"
"$tributary" server --dev --data-dir "$data" > "$WORK/fill.log" 2>&1 &
PIDS+=($!); TRIBUTARY_PID=$!
for _ in $(seq 1 120); do "$tributary" topic list > /dev/null 2>&1 && break; sleep 0.5; done
"$tributary" bench produce --topic big --partitions 1 --num-records "$RECORDS" --record-size 1000 --batch-size 262144 \
  | head -1
kill -9 "$TRIBUTARY_PID"
echo "log size: $(du -sh "$data/logs/big-0" | cut -f1)"
for rep in $(seq 1 "$REPS"); do
  start_and_time "start-$rep"
  write_then_kill 400000
done
start_and_time verify
until grep -q "log verifier checked" "$WORK/verify.log"; do
  kill -0 "$TRIBUTARY_PID" 2>/dev/null || { log "the node died; see $WORK/verify.log"; exit 1; }
  sleep 0.5
done
served=$(grep "serving clients" "$WORK/verify.log" | cut -c1-12)
verified=$(grep "log verifier checked" "$WORK/verify.log" | cut -c1-12)
echo "log verifier: served at $served, the whole log verified at $verified"
kill "$TRIBUTARY_PID"; wait "$TRIBUTARY_PID" 2>/dev/null || true
