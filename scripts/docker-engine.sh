#!/usr/bin/env bash
# Ensure a Docker engine is answering on this machine.
#
# Why: the e2e tests deploy the stack as Docker containers, and CI/dev machines
# here start without a running engine (and sometimes without dockerd at all).
# Idempotent: if `docker info` already answers, it does nothing.
# `docker-engine.sh restart` stops the engine first (systemd's, or the one this script started),
# then starts it again: the e2e tier's daemon-restart test.
#
# Env:
#   DOCKER_ENGINE_WAIT   seconds to wait for dockerd to answer (default 60)
#   DOCKERD_LOG          dockerd log file (default /var/log/scaibu-dockerd.log)
set -euo pipefail

WAIT="${DOCKER_ENGINE_WAIT:-60}"
LOG="${DOCKERD_LOG:-/var/log/scaibu-dockerd.log}"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[docker-engine] $*" >&2; }
die() { echo "[docker-engine] ERROR: $*" >&2; exit 1; }

if [ "${1:-}" = restart ]; then
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root="sudo -n"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
    log "restarting the docker engine (systemd)"
    $as_root systemctl restart docker
  elif pgrep -x dockerd >/dev/null 2>&1; then
    log "stopping dockerd (it stops its containers first)"
    $as_root pkill -TERM -x dockerd
    for ((i = 0; i < 60; i++)); do pgrep -x dockerd >/dev/null 2>&1 || break; sleep 1; done
    pgrep -x dockerd >/dev/null 2>&1 && die "dockerd did not stop within 60s"
  fi
fi

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  log "docker engine already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot install/start dockerd"
  SUDO="sudo -n"
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  log "dockerd/docker missing: installing docker.io via apt-get"
  # A transient 'apt-get update' failure is tolerated: the install below
  # fails loudly anyway if the package really cannot be found.
  $SUDO apt-get update -qq || log "warning: apt-get update failed (continuing)"
  $SUDO apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates \
    || die "apt-get install docker.io failed"
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd still not on PATH after install"

if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null 2>&1; then
  log "dockerd process exists but does not answer yet; waiting for it"
else
  # Stale pid file from a killed engine would make dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid 2>/dev/null)" 2>/dev/null; then
    $SUDO rm -f /var/run/docker.pid
  fi
  # containerd is started by dockerd itself when no system containerd runs.
  log "starting dockerd in the background (log: $LOG)"
  $SUDO mkdir -p "$(dirname "$LOG")"
  # setsid + nohup: survives this script and has no controlling tty / stdin.
  $SUDO sh -c "setsid nohup dockerd >>'$LOG' 2>&1 </dev/null &"
fi

for ((i = 0; i < WAIT; i++)); do
  if docker info >/dev/null 2>&1; then
    log "docker engine ready after ${i}s ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    exit 0
  fi
  sleep 1
done

echo "[docker-engine] ERROR: dockerd did not answer 'docker info' within ${WAIT}s. Last lines of $LOG:" >&2
tail -n 30 "$LOG" >&2 2>/dev/null || true
exit 1
