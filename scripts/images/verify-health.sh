#!/usr/bin/env bash
# Start each scaibu-e2e image with a minimal config and run, with docker exec,
# the SAME health-check command the stack uses for the official image.
# Usage: scripts/images/verify-health.sh [SERVICE...]   (default: all six)
# Exit 0 only if every checked image becomes healthy within its timeout.
set -uo pipefail
WAIT="${VERIFY_WAIT:-60}"
work="$(mktemp -d "${TMPDIR:-/tmp}/scaibu-verify.XXXXXX")"
chmod 755 "$work"
names=()
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() { for n in "${names[@]}"; do docker rm -f "$n" >/dev/null 2>&1; done; rm -rf "$work"; }
trap cleanup EXIT

# service -> docker run args (after the image) and health command
declare -A RUNARGS HEALTH
HEALTH[traefik]='traefik healthcheck --ping'
RUNARGS[traefik]='--ping=true --entrypoints.traefik.address=:8080'
HEALTH[otel-collector]='/otelcol-contrib validate --config=/etc/otelcol-contrib/config.yaml'
HEALTH[loki]='/usr/bin/loki -health'
HEALTH[prometheus]='wget -q -O /dev/null http://127.0.0.1:9090/-/ready'
HEALTH[jaeger]='wget -q -O /dev/null http://127.0.0.1:13133/status'
HEALTH[grafana]='wget -q -O /dev/null http://127.0.0.1:3000/api/health'

services=("$@")
[ "${#services[@]}" -gt 0 ] || services=(loki grafana otel-collector prometheus jaeger traefik)
rc=0
for s in "${services[@]}"; do
  img="scaibu-e2e/$s:local" n="scaibu-verify-$s-$$"
  if ! docker image inspect "$img" >/dev/null 2>&1; then echo "SKIP $s: $img not built"; rc=1; continue; fi
  extra=()
  [ "$s" = grafana ] && extra=(-e GF_SECURITY_ADMIN_PASSWORD=verify)
  # shellcheck disable=SC2086
  docker run -d --name "$n" "${extra[@]}" "$img" ${RUNARGS[$s]:-} >/dev/null || { echo "FAIL $s: docker run"; rc=1; continue; }
  names+=("$n")
  ok=0 t0=$(date +%s)
  while [ $(( $(date +%s) - t0 )) -lt "$WAIT" ]; do
    # shellcheck disable=SC2086
    if docker exec "$n" ${HEALTH[$s]} >/dev/null 2>&1; then ok=1; break; fi
    sleep 1
  done
  if [ "$ok" = 1 ]; then
    echo "OK   $s: docker exec <ctr> ${HEALTH[$s]}  ($(( $(date +%s) - t0 ))s)"
  else
    echo "FAIL $s: '${HEALTH[$s]}' did not succeed within ${WAIT}s; last output:"
    # shellcheck disable=SC2086
    docker exec "$n" ${HEALTH[$s]} 2>&1 | tail -5
    docker logs --tail 20 "$n" 2>&1
    rc=1
  fi
done
exit "$rc"
