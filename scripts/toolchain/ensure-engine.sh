#!/usr/bin/env bash
# Build (once, cached) a current Docker Engine from Go modules and print its bin dir.
#
#   PATH="$(bash scripts/toolchain/ensure-engine.sh):$PATH" dockerd ...
#
# dockerd and docker-proxy (github.com/moby/moby/v2), containerd and its runc shim
# (github.com/containerd/containerd/v2), and runc (github.com/opencontainers/runc, with
# seccomp, so it needs cgo and libseccomp-dev). dockerd finds the others on PATH.
# Versions: scripts/toolchain/versions.env. Cache: $SCAIBU_TOOLS_DIR/docker-engine-<versions>/bin.
# Progress goes to stderr; stdout carries exactly one line: the bin dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
tools="${SCAIBU_TOOLS_DIR:-${HOME:-$(cd ~ && pwd)}/.cache/scaibu-observability/tools}"
dir="$tools/docker-engine-moby-$MOBY_VERSION-containerd-$CONTAINERD_VERSION-runc-$RUNC_VERSION"
bin="$dir/bin"
want=(dockerd docker-proxy containerd containerd-shim-runc-v2 runc)

t0=$SECONDS
log() { printf '[ensure-engine +%4ss] %s\n' "$((SECONDS - t0))" "$*" >&2; }
die() { printf '[ensure-engine] ERROR: %s\n' "$*" >&2; exit 1; }

complete() { for b in "${want[@]}"; do [ -x "$bin/$b" ] || return 1; done; }
if complete; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go is required to build the Docker engine (none on PATH)"
mkdir -p "$tools/logs" "$bin"
exec 9>"$tools/.ensure-engine.lock"
command -v flock >/dev/null 2>&1 && flock 9
if complete; then
  echo "$bin"
  exit 0
fi

sudo_=""
[ "$(id -u)" -eq 0 ] || sudo_="sudo -n"
need_pkgs=()
dpkg -s libseccomp-dev >/dev/null 2>&1 || need_pkgs+=(libseccomp-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_pkgs+=(pkg-config)
# Runtime needs of dockerd: iptables for its bridge networks, tini as docker-init.
command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
[ -x /usr/bin/tini ] || [ -x /usr/sbin/docker-init ] || [ -x /usr/bin/docker-init ] || need_pkgs+=(tini)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_ apt-get update -qq >&2 || log "warning: apt-get update failed (continuing)"
  $sudo_ apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2 || die "apt-get install ${need_pkgs[*]} failed"
fi

export GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false -trimpath" GOWORK=off GOBIN="$bin"
build() { # LOGNAME CGO PACKAGE@VERSION [go install flags...]
  local name="$1" cgo="$2" pkg="$3"
  shift 3
  local logf="$tools/logs/engine-$name.log"
  log "building $pkg"
  CGO_ENABLED="$cgo" go install "$@" "$pkg" >"$logf" 2>&1 || {
    tail -n 30 "$logf" >&2
    die "go install $pkg failed (log: $logf)"
  }
}
moby_ld="-X github.com/moby/moby/v2/dockerversion.Version=$MOBY_ENGINE_RELEASE-moby-$MOBY_VERSION -X github.com/moby/moby/v2/dockerversion.GitCommit=$MOBY_VERSION"
build dockerd 0 "github.com/moby/moby/v2/cmd/dockerd@$MOBY_VERSION" -ldflags "$moby_ld"
build docker-proxy 0 "github.com/moby/moby/v2/cmd/docker-proxy@$MOBY_VERSION"
ctr_ld="-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
build containerd 0 "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" -ldflags "$ctr_ld"
build containerd-shim 0 "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" -ldflags "$ctr_ld"
build runc 1 "github.com/opencontainers/runc@$RUNC_VERSION" -tags seccomp -ldflags "-X main.version=${RUNC_VERSION#v}"
complete || die "the engine build left $bin incomplete"
"$bin/dockerd" --version >&2
log "engine ready in $bin"
echo "$bin"
