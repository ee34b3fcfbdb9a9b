#!/usr/bin/env bash
# Download, ahead of their builds, the Go modules of what a cold run builds after its first minutes:
# the Docker engine (moby, containerd, runc) and the images built from Go sources (Jaeger, Traefik,
# mailpit). A module download keeps about a fifth of a core busy (Jaeger's: 81 s of wall time at
# 21 % CPU here), so run beside the other steps it fills time they leave idle instead of adding to
# the builds that wait for it. Best effort: a module that fails here is downloaded (or reported)
# by its build, as without this script; it never fails the run.
#
#   bash toolchain/prefetch-modules.sh    (scripts/test.sh runs it in the background)
set -uo pipefail
# shellcheck source=toolchain/lib.sh
LOG_TAG=prefetch source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
go_env

# In the order the run needs them. Each one's own go.mod says what it requires: `go mod download`
# in a copy of its source fetches those (a superset of one binary's imports, nothing more).
modules=(
  "github.com/moby/moby/v2@$MOBY_VERSION"
  "github.com/containerd/containerd/v2@$CONTAINERD_VERSION"
  "github.com/opencontainers/runc@$RUNC_VERSION"
  "github.com/jaegertracing/jaeger@$JAEGER_VERSION"
  "github.com/traefik/traefik/v3@$TRAEFIK_VERSION"
  "github.com/axllent/mailpit@$MAILPIT_VERSION"
)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for m in "${modules[@]}"; do
  t0=$SECONDS
  dir="$(go mod download -json "$m" 2>/dev/null | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  if [[ -z "$dir" || ! -f "$dir/go.mod" ]]; then
    log "$m: not downloaded (its build will try again)"
    continue
  fi
  rm -rf "$work/src" && cp -a "$dir" "$work/src" && chmod -R u+w "$work/src"
  if (cd "$work/src" && go mod download >"$work/log" 2>&1); then
    log "$m: its modules downloaded in $((SECONDS - t0))s"
  else
    log "$m: some modules not downloaded in $((SECONDS - t0))s (its build fetches or reports them): $(tail -n 1 "$work/log")"
  fi
done
