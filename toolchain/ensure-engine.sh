#!/usr/bin/env bash
# Build (once, cached) a current Docker Engine from Go modules and print its bin dir.
#
#   PATH="$(bash toolchain/ensure-engine.sh):$PATH" dockerd ...
#
# dockerd and docker-proxy (github.com/moby/moby/v2), containerd and its runc shim
# (github.com/containerd/containerd/v2), and runc (github.com/opencontainers/runc, with
# seccomp, so it needs cgo and libseccomp-dev). dockerd finds the others on PATH.
# Versions: toolchain/versions.env. Cache: $TOOLS/docker-engine-<versions>/bin.
# Progress goes to stderr; stdout carries exactly one line: the bin dir.
set -euo pipefail

# shellcheck source=toolchain/lib.sh
LOG_TAG=ensure-engine source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$TOOLS/docker-engine-moby-$MOBY_VERSION-containerd-$CONTAINERD_VERSION-runc-$RUNC_VERSION"
bin="$dir/bin"
want=(dockerd docker-proxy containerd containerd-shim-runc-v2 runc)

complete() { for b in "${want[@]}"; do [ -x "$bin/$b" ] || return 1; done; }
if complete; then
  echo "$bin"
  exit 0
fi

go_env
mkdir -p "$bin"
lock ensure-engine
if complete; then
  echo "$bin"
  exit 0
fi

# Runtime needs of dockerd: iptables for its bridge networks, tini as docker-init.
need_pkgs=(libseccomp-dev pkg-config)
command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
[ -x /usr/bin/tini ] || [ -x /usr/sbin/docker-init ] || [ -x /usr/bin/docker-init ] || need_pkgs+=(tini)
apt_install "${need_pkgs[@]}"

export GOBIN="$bin"
build() { # LOGNAME CGO PACKAGE@VERSION [go install flags...]
  local name="$1" cgo="$2" pkg="$3"
  shift 3
  log "building $pkg"
  CGO_ENABLED="$cgo" run_logged "$TOOLS/logs/engine-$name.log" "go install $pkg" go install "$@" "$pkg"
}
# -s -w: no symbol table or DWARF, as the images' binaries; the linker's DWARF pass is a good part
# of each daemon's link time, and nothing here debugs the engine.
moby_ld="-s -w -X github.com/moby/moby/v2/dockerversion.Version=$MOBY_ENGINE_RELEASE-moby-$MOBY_VERSION -X github.com/moby/moby/v2/dockerversion.GitCommit=$MOBY_VERSION"
build dockerd 0 "github.com/moby/moby/v2/cmd/dockerd@$MOBY_VERSION" -ldflags "$moby_ld"
build docker-proxy 0 "github.com/moby/moby/v2/cmd/docker-proxy@$MOBY_VERSION" -ldflags "-s -w"
ctr_ld="-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
build containerd 0 "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" -ldflags "$ctr_ld"
build containerd-shim 0 "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" -ldflags "$ctr_ld"
build runc 1 "github.com/opencontainers/runc@$RUNC_VERSION" -tags seccomp -ldflags "-s -w -X main.version=${RUNC_VERSION#v}"
complete || die "the engine build left $bin incomplete"
"$bin/dockerd" --version >&2
log "engine ready in $bin"
echo "$bin"
