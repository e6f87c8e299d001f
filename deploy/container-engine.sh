#!/usr/bin/env bash
# A Docker engine and a JRE base image for the container tests, on machines that have neither.
#
#   eval "$(deploy/container-engine.sh start)"   # exports DOCKER_HOST; exit 3 (and no output) when no engine can be had
#   deploy/container-engine.sh base-image        # builds tributary-base:bookworm-jre17 unless it exists
#   deploy/container-engine.sh stop              # stops the engine this script started
#
# `start` uses the engine that DOCKER_HOST or /var/run/docker.sock already answers on. Otherwise, as root,
# it installs Debian's docker.io and starts a private dockerd (state under /var/tmp/tributary-docker,
# socket /run/tributary-docker.sock), which `stop` ends. `base-image` builds the base image the Dockerfile
# needs where no registry serves eclipse-temurin: a Debian bookworm minbase with openjdk-17-jre-headless,
# made by debootstrap from Debian's package mirror and imported (docker import). Where a registry is
# reachable, `docker build --build-arg BASE_IMAGE=eclipse-temurin:17-jre` needs none of this.
set -euo pipefail

socket=/run/tributary-docker.sock
state=/var/tmp/tributary-docker
base_image=tributary-base:bookworm-jre17
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# apt-get install, refreshing the package lists once if they are missing or stale
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$state.apt.log" 2>&1 && return
  apt-get update -q >>"$state.apt.log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$state.apt.log" 2>&1 \
    || { echo "container-engine: apt-get install $* failed (see $state.apt.log)" >&2; exit 3; }
}

engine_answers() {
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start() {
  if engine_answers; then
    echo "export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}"
    return
  fi
  export DOCKER_HOST="unix://$socket"
  if engine_answers; then
    echo "export DOCKER_HOST=$DOCKER_HOST"
    echo "export TESTCONTAINERS_RYUK_DISABLED=true"
    echo "export TESTCONTAINERS_CHECKS_DISABLE=true"
    echo "export TESTCONTAINERS_HOST_OVERRIDE=localhost"
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "container-engine: no Docker engine answers and this is not root: cannot start one" >&2
    exit 3
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "container-engine: installing Debian's docker.io" >&2
    apt_install docker.io
  fi
  mkdir -p "$state"
  # setsid: the engine outlives this script; stop ends it by its pid file
  setsid dockerd --host "$DOCKER_HOST" --data-root "$state/data" --exec-root "$state/exec" \
    --pidfile "$state/dockerd.pid" >"$state/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 100); do
    engine_answers && break
    sleep 0.2
  done
  if ! engine_answers; then
    echo "container-engine: dockerd did not answer within 20 s (see $state/dockerd.log)" >&2
    exit 3
  fi
  echo "export DOCKER_HOST=$DOCKER_HOST"
  # this private engine reaches no image registry: Testcontainers' reaper (an image from Docker Hub)
  # cannot run, so tests stop their containers themselves (try-with-resources); nor can its start-up
  # checks (a disk-space probe in alpine:3.17, pulled for two minutes before it gives up); nor can it
  # find the engine's address from inside a container (/.dockerenv) without the bridge network's
  # gateway, else by running alpine: the engine runs on this host, so its published ports are on localhost
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  echo "export TESTCONTAINERS_CHECKS_DISABLE=true"
  echo "export TESTCONTAINERS_HOST_OVERRIDE=localhost"
}

base_image() {
  if docker image inspect "$base_image" >/dev/null 2>&1; then
    echo "$base_image"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  local root
  root=$(mktemp -d /var/tmp/tributary-base.XXXXXX)
  echo "container-engine: building $base_image with debootstrap (a few minutes)" >&2
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { echo "container-engine: debootstrap failed (see $root.log)" >&2; exit 3; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - "$base_image" >/dev/null
  rm -rf "$root" "$root.log"
  echo "$base_image"
}

stop() {
  if [ -f "$state/dockerd.pid" ]; then
    kill "$(cat "$state/dockerd.pid")" 2>/dev/null || true
    for _ in $(seq 100); do
      [ -f "$state/dockerd.pid" ] || break
      sleep 0.2
    done
  fi
}

case "${1:-}" in
  start) start ;;
  base-image) base_image ;;
  stop) stop ;;
  *) echo "usage: $0 start|base-image|stop" >&2; exit 2 ;;
esac
