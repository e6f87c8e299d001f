#!/usr/bin/env bash
# A 3-node Tributary cluster of local processes: combined controller + broker nodes on 127.0.0.1,
# 127.0.0.2 and 127.0.0.3 (client port 9092, controller port 9093, metrics port 9094 on each).
#
#   deploy/local-cluster.sh start|stop|status [--data-dir DIR] [--nodes N]
#
# Data, configs, logs and pids go under DIR (default ./data/cluster), one folder per node.
# start also writes deploy/prometheus/targets/local-cluster.json, so the compose cluster's
# Prometheus config scrapes these nodes too:
#   prometheus --config.file=deploy/prometheus/prometheus.yml --storage.tsdb.path=DIR/prometheus
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"; shift || true
data_dir="$root/data/cluster"
nodes=3
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="$(realpath -m "$2")"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
case "$nodes" in 1|3|5) ;; *) echo "--nodes must be 1, 3 or 5" >&2; exit 2 ;; esac

voters() {
  local list=""
  for i in $(seq 1 "$nodes"); do list="${list:+$list,}$i@127.0.0.$i:9093"; done
  echo "$list"
}

node_pid() { cat "$data_dir/node$1/node.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(node_pid "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start() {
  "$root/tributary" --version >/dev/null   # builds the project if needed
  for i in $(seq 1 "$nodes"); do
    local dir="$data_dir/node$i"
    mkdir -p "$dir"
    if alive "$i"; then echo "node $i already running (pid $(node_pid "$i"))"; continue; fi
    cat > "$dir/node.properties" <<PROPS
node.id=$i
host=127.0.0.$i
client.port=9092
controller.port=9093
metrics.port=9094
data.dir=$dir/data
controller.quorum.voters=$(voters)
PROPS
    echo "=== start $(date -u +%FT%TZ)" >> "$dir/node.log"   # readiness is looked for after this line
    nohup "$root/tributary" server --config "$dir/node.properties" >> "$dir/node.log" 2>&1 &
    echo $! > "$dir/node.pid"
    echo "started node $i (pid $!) on 127.0.0.$i:9092, log $dir/node.log"
  done
  # A node prints its 'ready' line once the quorum formed and the controller unfenced it.
  local deadline=$((SECONDS + 90))
  for i in $(seq 1 "$nodes"); do
    until awk '/^=== start/{ready=0} /ready:/{ready=1} END{exit !ready}' "$data_dir/node$i/node.log" 2>/dev/null; do
      if ! alive "$i"; then echo "node $i exited; see $data_dir/node$i/node.log" >&2; exit 1; fi
      if [ $SECONDS -ge $deadline ]; then echo "node $i not ready after 90 s; see its log" >&2; exit 1; fi
      sleep 0.2
    done
  done
  write_prometheus_targets
  echo "cluster ready: bootstrap $(for i in $(seq 1 "$nodes"); do printf '127.0.0.%s:9092%s' "$i" "$([ "$i" -lt "$nodes" ] && echo ,)"; done)"
}

# The nodes' /metrics for deploy/prometheus/prometheus.yml (file_sd: targets/*.json).
targets_file="$root/deploy/prometheus/targets/local-cluster.json"
write_prometheus_targets() {
  mkdir -p "$(dirname "$targets_file")"
  {
    echo "["
    for i in $(seq 1 "$nodes"); do
      printf '  {"targets": ["127.0.0.%s:9094"], "labels": {"node": "%s"}}%s\n' "$i" "$i" "$([ "$i" -lt "$nodes" ] && echo ,)"
    done
    echo "]"
  } > "$targets_file.tmp"
  mv "$targets_file.tmp" "$targets_file"
}

stop() {
  for i in $(seq 1 "$nodes"); do
    if alive "$i"; then kill -TERM "$(node_pid "$i")"; fi
  done
  for i in $(seq 1 "$nodes"); do
    local pid; pid="$(node_pid "$i")"
    [ -n "$pid" ] || continue
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then echo "node $i did not stop in 30 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
      sleep 0.2
    done
    rm -f "$data_dir/node$i/node.pid"
    echo "stopped node $i"
  done
  rm -f "$targets_file"
}

status() {
  local any=""
  for i in $(seq 1 "$nodes"); do
    if alive "$i"; then echo "node $i: running (pid $(node_pid "$i")) on 127.0.0.$i:9092"; any="$i"
    else echo "node $i: stopped"; fi
  done
  [ -n "$any" ] && "$root/tributary" cluster describe --bootstrap "127.0.0.$any:9092"
  return 0
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [--data-dir DIR] [--nodes 1|3|5]" >&2; exit 2 ;;
esac
