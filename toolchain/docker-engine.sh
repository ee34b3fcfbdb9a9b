#!/usr/bin/env bash
# Ensure a current Docker engine (API >= 1.44, Engine >= 25) is answering on this machine.
#
# Why: the e2e tests deploy the stack as Docker containers, and CI/dev machines here start
# without a running engine. Users run Engine 27-29, and the stack's health checks use
# `startInterval` (API 1.44), so the engine tested on is the one built from Go modules by
# toolchain/ensure-engine.sh (Engine 29.8), never Debian's docker.io 20.10.
#
#   docker-engine.sh           start it unless a current engine already answers
#   docker-engine.sh restart   stop the engine (systemd's, or the one started here), start again:
#                              the e2e tier's daemon-restart test
#
# An engine that answers with API < 1.44 (e.g. Debian's 20.10) is replaced by the built one when
# CI=true or SCAIBU_ENGINE=built; otherwise the script stops and says why.
#
# Env:
#   DOCKER_ENGINE_WAIT   seconds to wait for dockerd to answer (default 60)
#   DOCKERD_LOG          dockerd log file (default /var/log/scaibu-dockerd.log)
set -euo pipefail

WAIT="${DOCKER_ENGINE_WAIT:-60}"
LOG="${DOCKERD_LOG:-/var/log/scaibu-dockerd.log}"
MIN_API=1.44
# shellcheck source=toolchain/lib.sh
LOG_TAG=docker-engine source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot start dockerd"

answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
server() { docker version --format "{{.Server.$1}}" 2>/dev/null || echo '?'; }
# api_ok: the answering engine speaks API >= MIN_API
api_ok() {
  local v
  v="$(server APIVersion)"
  [ "$(printf '%s\n%s\n' "$MIN_API" "$v" | sort -V | head -1)" = "$MIN_API" ] && [ "$v" != '?' ]
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; } # <pid file>

stop_engine() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
    log "stopping the docker engine (systemd)"
    as_root systemctl stop docker docker.socket 2>/dev/null || as_root systemctl stop docker
  elif running /var/run/docker.pid; then
    # This engine only, by its pid file: other engines on the machine (the swarm tier's nodes,
    # another user's rootless dockerd) are not ours to stop.
    local pid ctr
    pid="$(cat /var/run/docker.pid)" ctr="$(cat /var/run/docker/containerd/containerd.pid 2>/dev/null || true)"
    log "stopping dockerd $pid (it stops its containers first)"
    as_root kill -TERM "$pid"
    for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && die "dockerd $pid did not stop within 60s"
    # Its containerd is a child of dockerd; give it a moment to exit with it.
    for ((i = 0; i < 15; i++)); do [ -n "$ctr" ] && kill -0 "$ctr" 2>/dev/null || break; sleep 1; done
  fi
}

if [ "${1:-}" = restart ]; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
    log "restarting the docker engine (systemd)"
    as_root systemctl restart docker
  else
    stop_engine
  fi
fi

if answers; then
  if api_ok; then
    log "docker engine running: $(server Version) (API $(server APIVersion))"
    exit 0
  fi
  if [ "${CI:-}" = "true" ] || [ "${SCAIBU_ENGINE:-}" = built ]; then
    log "engine $(server Version) speaks API $(server APIVersion) < $MIN_API: replacing it with the built engine"
    stop_engine
  else
    die "the running engine $(server Version) speaks API $(server APIVersion); the stack needs >= $MIN_API" \
      "(Docker Engine >= 25). Upgrade it, or run with SCAIBU_ENGINE=built to replace it with the engine" \
      "built here (toolchain/ensure-engine.sh)."
  fi
fi

if ! command -v docker >/dev/null 2>&1; then
  # Only the CLI is taken from docker.io; its 20.10 daemon is never started.
  log "docker CLI missing: installing docker.io for its client"
  apt_install docker.io ca-certificates
fi

engine_bin="$(bash "$TOOLCHAIN_DIR/ensure-engine.sh")"

if [ -S /var/run/docker.sock ] && running /var/run/docker.pid; then
  log "dockerd process exists but does not answer yet; waiting for it"
else
  # Stale pid file from a killed engine would make dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid 2>/dev/null)" 2>/dev/null; then
    as_root rm -f /var/run/docker.pid
  fi
  log "starting $engine_bin/dockerd in the background (log: $LOG)"
  as_root mkdir -p "$(dirname "$LOG")"
  # The built containerd, shim, runc and docker-proxy are found on PATH. setsid + nohup: survives
  # this script and has no controlling tty / stdin.
  as_root env "PATH=$engine_bin:$PATH" sh -c "setsid nohup '$engine_bin/dockerd' >>'$LOG' 2>&1 </dev/null &"
fi

for ((i = 0; i < WAIT; i++)); do
  if answers; then
    api_ok || die "the engine started here answers with API $(server APIVersion) < $MIN_API"
    log "docker engine ready after ${i}s: $(server Version) (API $(server APIVersion))"
    exit 0
  fi
  sleep 1
done

tail -n 30 "$LOG" >&2 2>/dev/null || true
die "dockerd did not answer 'docker info' within ${WAIT}s (last lines of $LOG above)"
