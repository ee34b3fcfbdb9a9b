# shellcheck shell=bash
# Shared helpers for scripts/images/*.sh. Sourced, not executed.
#
# Binaries are built once per version into $TOOLS (outside the repo) and
# reused; images are built from a throw-away context dir that holds the
# Dockerfile of scripts/images/<service>/ plus the staged files.

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
TOOLS="${SCAIBU_TOOLS_DIR:-$HOME/.cache/scaibu-observability/tools}"
# The legacy builder needs no buildx plugin and works with any engine here;
# nothing we build needs BuildKit features.
export DOCKER_BUILDKIT=0
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# Module zips can carry a go.work naming nested modules the zip lacks.
export GOWORK=off

log() { echo "[images] $*" >&2; }
fail() { echo "[images] ERROR: $*" >&2; exit 1; }

# now_s: seconds since epoch (for timings)
now_s() { date +%s; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# go_build_fail MODULE VERSION LOGFILE: print the tail of a failed build log
go_build_fail() {
  echo "[images] ERROR: building $1@$2 failed. Last lines of $3:" >&2
  tail -n 40 "$3" >&2 || true
  exit 1
}

# new_context NAME: fresh build context dir containing scripts/images/NAME/*
new_context() {
  local ctx
  ctx="$(mktemp -d "${TMPDIR:-/tmp}/scaibu-image-$1.XXXXXX")"
  cp -a "$IMAGES_DIR/$1/." "$ctx/"
  echo "$ctx"
}

# stage_busybox ROOTFS: a static busybox at ROOTFS/bin/busybox with every
# applet symlinked in ROOTFS/bin (like busybox-based official images: sh,
# wget, ...). Uses Debian's busybox-static (installed if missing).
stage_busybox() {
  local root="$1" bb=/bin/busybox
  if ! { [ -x "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked'; }; then
    if ! dpkg -s busybox-static >/dev/null 2>&1; then
      log "installing busybox-static (apt)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
      } || fail "cannot install busybox-static"
    fi
  fi
  mkdir -p "$root/bin"
  cp "$bb" "$root/bin/busybox"
  local a
  for a in $("$bb" --list); do
    [ "$a" = busybox ] || [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
  done
}

# stage_base ROOTFS: /etc/passwd, /etc/group, CA bundle, /tmp (1777).
# Users: root, nobody(65534), grafana(472), and 10001 as the name given.
stage_base() {
  local root="$1" u10001="${2:-app}"
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  cat >"$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
grafana:x:472:0:grafana:/home/grafana:/bin/false
$u10001:x:10001:10001:$u10001:/home/$u10001:/bin/false
PASSWD
  cat >"$root/etc/group" <<GROUP
root:x:0:
nogroup:x:65534:
nobody:x:65534:
$u10001:x:10001:
GROUP
  [ -f /etc/ssl/certs/ca-certificates.crt ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates >/dev/null
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
}

# docker_build TAG CONTEXT [extra docker build args...]
docker_build() {
  local tag="$1" ctx="$2"; shift 2
  local out="$ctx.build.log"
  if ! docker build -q -t "$tag" --label "io.scaibu.recipe=${SCAIBU_RECIPE:-}" "$@" "$ctx" >"$out" 2>&1; then
    echo "[images] ERROR: docker build of $tag failed:" >&2
    tail -n 30 "$out" >&2
    exit 1
  fi
  rm -rf "$ctx" "$out"
}
