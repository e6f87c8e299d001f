#!/usr/bin/env bash
# A chaos run from the command line (needs root, iproute2 and nftables):
#   chaos-tests/chaos.sh --nodes 5 --time 600 --nemesis all --seed 42
#   chaos-tests/chaos.sh --list-nemeses
# Builds the project first if the harness is not built. Exit 0: the history checks out.
# The checker holds the history in memory: a 10-minute 5-node run needs more than 1 GiB
# (CHAOS_JAVA_OPTS overrides the default -Xmx4g).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/target/lib" ] || [ ! -f "$here/target/tributary-chaos-tests-0.1.0-SNAPSHOT.jar" ]; then
  (cd "$here/.." && mvn -B -q -DskipTests package)
fi
exec java ${CHAOS_JAVA_OPTS:--Xmx4g} --enable-native-access=ALL-UNNAMED -XX:+IgnoreUnrecognizedVMOptions \
  -cp "$here/target/tributary-chaos-tests-0.1.0-SNAPSHOT.jar:$here/target/lib/*" io.tributary.chaos.ChaosMain "$@"
