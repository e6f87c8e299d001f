#!/bin/sh
# The node image's entrypoint.
#   server  (the default) run a node: its settings come from /etc/tributary/node.properties when one
#           is mounted, then from TRIBUTARY_<KEY> environment variables (TRIBUTARY_NODE_ID=2 sets
#           node.id=2: the key lower-cased, '_' read as '.'), which win. Defaults for a container:
#           host = this container's hostname, data.dir = /var/lib/tributary/data.
#   health  ask this node's gRPC health service whether it serves clients (the image's HEALTHCHECK)
#   *       any other tributary command, e.g. `topic list --bootstrap node1:9092`
# TRIBUTARY_JAVA_OPTS: JVM options (the image sizes the heap from the container's memory limit).
# TRIBUTARY_CONFIG_WAIT=FILE: wait until FILE exists and add its properties last (Testcontainers
#   writes the published port there once the container has started: advertised.client.port).
# TRIBUTARY_LOG_LEVEL, TRIBUTARY_ELECTION_LOG_LEVEL: logging (see logback.xml), not node settings.
set -eu

lib=/opt/tributary/lib
config=/var/lib/tributary/node.properties

write_config() {
  : > "$config.tmp"
  if [ -f /etc/tributary/node.properties ]; then
    cat /etc/tributary/node.properties >> "$config.tmp"
    echo >> "$config.tmp"
  fi
  grep -q '^[[:space:]]*host[[:space:]]*=' "$config.tmp" || [ -n "${TRIBUTARY_HOST:-}" ] \
    || echo "host=$(hostname)" >> "$config.tmp"
  grep -q '^[[:space:]]*data\.dir[[:space:]]*=' "$config.tmp" || [ -n "${TRIBUTARY_DATA_DIR:-}" ] \
    || echo "data.dir=/var/lib/tributary/data" >> "$config.tmp"
  # later lines win in a properties file: the environment overrides the mounted file
  env | grep '^TRIBUTARY_' | grep -v -e '^TRIBUTARY_JAVA_OPTS=' -e '^TRIBUTARY_CONFIG_WAIT=' -e '^TRIBUTARY_[A-Z_]*LOG_LEVEL=' | while IFS='=' read -r name value; do
    key=$(echo "${name#TRIBUTARY_}" | tr 'A-Z_' 'a-z.')
    echo "$key=$value" >> "$config.tmp"
  done
  if [ -n "${TRIBUTARY_CONFIG_WAIT:-}" ]; then
    while [ ! -f "$TRIBUTARY_CONFIG_WAIT" ]; do sleep 0.1; done
    echo >> "$config.tmp"
    cat "$TRIBUTARY_CONFIG_WAIT" >> "$config.tmp"
  fi
  mv "$config.tmp" "$config"
}

property() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$config" | tail -n 1
}

case "${1:-server}" in
  server)
    write_config
    # exec: the JVM is PID 1's only child, so `docker stop` (SIGTERM) reaches the node's shutdown hook
    # shellcheck disable=SC2086
    exec java ${TRIBUTARY_JAVA_OPTS:-} -cp "$lib/*" io.tributary.cli.TributaryCli server --config "$config"
    ;;
  health)
    [ -f "$config" ] || exit 1
    exec java -Xmx48m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$lib/*" io.tributary.cli.TributaryCli health \
      --server "$(property host):$(property client.port | grep . || echo 9092)" --timeout-ms 3000
    ;;
  *)
    # shellcheck disable=SC2086
    exec java ${TRIBUTARY_JAVA_OPTS:-} -cp "$lib/*" io.tributary.cli.TributaryCli "$@"
    ;;
esac
