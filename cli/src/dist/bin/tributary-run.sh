# Sourced by bin/tributary (the distribution) and ./tributary (a checkout): runs the CLI.
#   tributary_run CACHE_DIR STAMP CLASSPATH ARGS...
# STAMP: a file whose change (a rebuilt jar) makes the archive stale.
# Long-running commands (server, quickstart, bench) get the server JVM as it is. The others are
# short, and their time is JVM start-up: C1 only and the serial GC, plus an application class-data
# sharing archive of the classes a command loads, written by the first such command to CACHE_DIR
# and mapped by every later one (one per JDK and build: an archive serves only the JDK and the
# jars it was made with, and the JVM ignores it otherwise).
# JAVA_HOME or the java on the PATH (17 or newer) runs it; TRIBUTARY_JAVA_OPTS replaces the JVM
# options; TRIBUTARY_CDS=off turns the archive off.
tributary_run() {
  local cache="$1" stamp="$2" classpath="$3"
  shift 3
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  if ! command -v "$java" >/dev/null 2>&1; then
    echo "tributary: no java found (set JAVA_HOME or put a Java 17+ runtime on the PATH)" >&2
    return 1
  fi
  local common=(--enable-native-access=ALL-UNNAMED -XX:+IgnoreUnrecognizedVMOptions)
  # shellcheck disable=SC2206
  case "${1:-}" in
    server|quickstart|bench)
      local server_opts=(${TRIBUTARY_JAVA_OPTS:--Xms256m -Xmx1g} "${common[@]}")
      exec "$java" "${server_opts[@]}" -cp "$classpath" io.tributary.cli.TributaryCli "$@" ;;
  esac
  # shellcheck disable=SC2206
  local opts=(${TRIBUTARY_JAVA_OPTS:--Xms16m -Xmx1g} "${common[@]}")
  opts+=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xlog:cds=off -Xlog:cds+dynamic=off)
  # picocli's classes are Java 5 bytecode: the archive cannot hold them, and the application class
  # loader verifies each with the old, slow verifier. From the boot class path (where it takes
  # precedence over the copy in lib/) the JVM loads them unverified, as it does the JDK's: ~30 ms.
  local picocli
  picocli="$(tributary_jar_on "$classpath" picocli)"
  if [ -n "$picocli" ]; then
    opts+=("-Xbootclasspath/a:$picocli")
  fi
  # Logback configured in code, not from its XML (CommandLogging); Netty's NIO transport (the epoll
  # one extracts and loads a native library first) without its JFR events (registering them with
  # the flight recorder costs ~40 ms): 80, 25 and 40 ms of a command's start-up
  opts+=(-Dtributary.logging=command -Dio.grpc.netty.shaded.io.netty.transport.noNative=true
    -Dio.grpc.netty.shaded.io.netty.jfr.enabled=false)
  local jdk archive
  jdk="$(readlink -f "$(command -v "$java")")"
  archive="$cache/cli-$(printf '%s|%s' "$jdk" "$(stat -c %Y "$stamp" 2>/dev/null)" | cksum | cut -d' ' -f1).jsa"
  if [ "${TRIBUTARY_CDS:-on}" = off ]; then
    exec "$java" "${opts[@]}" -cp "$classpath" io.tributary.cli.TributaryCli "$@"
  elif [ -f "$archive" ]; then
    exec "$java" "${opts[@]}" -XX:SharedArchiveFile="$archive" -cp "$classpath" io.tributary.cli.TributaryCli "$@"
  elif tributary_trains_archive "$@" && mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
    # written under a name of its own, then renamed: a concurrent command never maps half a file
    local rc=0
    "$java" "${opts[@]}" -XX:ArchiveClassesAtExit="$archive.$$" -cp "$classpath" io.tributary.cli.TributaryCli "$@" || rc=$?
    if [ -f "$archive.$$" ]; then
      find "$cache" -maxdepth 1 -name 'cli-*.jsa' ! -name "$(basename "$archive").$$" -delete 2>/dev/null || true
      mv -f "$archive.$$" "$archive" 2>/dev/null || rm -f "$archive.$$"
    fi
    return "$rc"
  else
    exec "$java" "${opts[@]}" -cp "$classpath" io.tributary.cli.TributaryCli "$@"
  fi
}

# Whether this command loads what cluster commands need (the gRPC client) and nothing else: help
# and version output would make an archive without it, and keep a better one from being written.
tributary_trains_archive() {
  case "${1:-}" in
    topic|cluster|produce|consume|health|stop) ;;
    *) return 1 ;;
  esac
  local arg
  for arg in "$@"; do
    case "$arg" in -h|--help|-V|--version) return 1 ;; esac
  done
}

# The jar named NAME-<version>.jar in a "dir/*" entry of CLASSPATH, if there is one.
tributary_jar_on() {
  local entries entry jar
  IFS=: read -r -a entries <<<"$1"
  for entry in "${entries[@]}"; do
    case "$entry" in
      */\*) for jar in "${entry%/\*}/$2"-[0-9]*.jar; do [ -f "$jar" ] && { echo "$jar"; return 0; }; done ;;
    esac
  done
  return 0
}
