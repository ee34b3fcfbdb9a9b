# shellcheck shell=bash
# Helpers of toolchain/images/build-all.sh (and toolchain/promtool.sh). Sourced, not executed.
#
# Binaries are built once per version into $TOOLS (outside the repo) and
# reused; images are built from a throw-away context dir that holds the
# Dockerfile of toolchain/images/<service>/ plus the staged files.

# shellcheck source=toolchain/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
IMAGES_DIR="$TOOLCHAIN_DIR/images"
# The legacy builder needs no buildx plugin and works with any engine here;
# nothing we build needs BuildKit features.
export DOCKER_BUILDKIT=0
go_env

# now_s: seconds since epoch (for timings)
now_s() { date +%s; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# new_context NAME: fresh build context dir containing toolchain/images/NAME/*
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
    apt_install busybox-static
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
  [ -f /etc/ssl/certs/ca-certificates.crt ] || apt_install ca-certificates
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
}

# docker_build TAG CONTEXT [extra docker build args...]
docker_build() {
  local tag="$1" ctx="$2"; shift 2
  local out="$ctx.build.log"
  if ! docker build -q -t "$tag" --label "io.scaibu.recipe=${SCAIBU_RECIPE:-}" "$@" "$ctx" >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    die "docker build of $tag failed (above)"
  fi
  rm -rf "$ctx" "$out"
}

# Prometheus' own build tags (README "Service discovery plugins", plugins/*.go at v3.14.0):
# remove_all_sd keeps file, http and static discovery, enable_moby_sd adds back docker_sd and
# dockerswarm_sd, the only ones this stack renders. The cloud SDKs the other 25 discoveries pull
# in are 59% of the source the two binaries compile (130 MB of Go, 53 MB with these tags).
PROMETHEUS_BUILD_TAGS=netgo,remove_all_sd,enable_moby_sd

# prometheus_dir: where prometheus and promtool of PROMETHEUS_VERSION are cached (keyed by the
# tags too, so a cache from a build with other tags is not reused).
prometheus_dir() { echo "$TOOLS/prometheus-$PROMETHEUS_VERSION-moby-sd"; }

# prometheus_bins: build prometheus and promtool (once per version) in one `go build`, so the
# packages they share compile once; the unit tier's promtool and the image reuse the result.
prometheus_bins() {
  local dir; dir="$(prometheus_dir)"
  [ -x "$dir/prometheus" ] && [ -x "$dir/promtool" ] && return 0
  lock "prometheus-$PROMETHEUS_VERSION"
  [ -x "$dir/prometheus" ] && [ -x "$dir/promtool" ] && return 0
  local v3 mi pa
  read -r mi pa < <(echo "$PROMETHEUS_VERSION" | sed -E 's/^v0\.3([0-9]{2})\.([0-9]+).*/\1 \2/')
  v3="3.$((10#$mi)).$pa" # v0.314.0 -> 3.14.0
  log "building Prometheus $v3 (prometheus, promtool) from github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
  local src="$dir.work/src" p="github.com/prometheus/common/version" ld
  module_src github.com/prometheus/prometheus "$PROMETHEUS_VERSION" "$src"
  ld="-s -w -X $p.Version=$v3 -X $p.Revision=$PROMETHEUS_VERSION -X $p.Branch=HEAD -X $p.BuildUser=scaibu-observability"
  mkdir -p "$dir.work/out" "$dir"
  (cd "$src" && run_logged "$dir.build.log" "go build prometheus + promtool" \
    go build -tags "$PROMETHEUS_BUILD_TAGS" -ldflags "$ld" -o "$dir.work/out/" ./cmd/prometheus ./cmd/promtool)
  mv "$dir.work/out/prometheus" "$dir.work/out/promtool" "$dir/"
  rm -rf "$dir.work"
}

# alertmanager_dir: where alertmanager and amtool of ALERTMANAGER_VERSION are cached.
alertmanager_dir() { echo "$TOOLS/alertmanager-$ALERTMANAGER_VERSION"; }

# alertmanager_bins: build alertmanager and amtool (once per version) in one `go build`. The web
# UI is embedded from ui/app/dist (//go:embed app/dist in ui/web.go), which npm builds upstream
# and the module zip lacks: a stub page stands in (it serves the API, health and metrics the same).
alertmanager_bins() {
  local dir; dir="$(alertmanager_dir)"
  [ -x "$dir/alertmanager" ] && [ -x "$dir/amtool" ] && return 0
  lock "alertmanager-$ALERTMANAGER_VERSION"
  [ -x "$dir/alertmanager" ] && [ -x "$dir/amtool" ] && return 0
  log "building Alertmanager ${ALERTMANAGER_VERSION#v} (alertmanager, amtool) from github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION"
  local src="$dir.work/src" p="github.com/prometheus/common/version" ld d
  module_src github.com/prometheus/alertmanager "$ALERTMANAGER_VERSION" "$src"
  for d in elm mantine; do
    mkdir -p "$src/ui/app/dist/$d"
    printf '<!doctype html><title>Alertmanager</title><p>Alertmanager %s built without its web UI (scaibu-observability local image). The API is at /api/v2/.</p>\n' \
      "$ALERTMANAGER_VERSION" | gzip -9 >"$src/ui/app/dist/$d/index.html.gz"
  done
  ld="-s -w -X $p.Version=${ALERTMANAGER_VERSION#v} -X $p.Revision=$ALERTMANAGER_VERSION -X $p.Branch=HEAD -X $p.BuildUser=scaibu-observability"
  mkdir -p "$dir.work/out" "$dir"
  (cd "$src" && run_logged "$dir.build.log" "go build alertmanager + amtool" \
    go build -ldflags "$ld" -o "$dir.work/out/" ./cmd/alertmanager ./cmd/amtool)
  mv "$dir.work/out/alertmanager" "$dir.work/out/amtool" "$dir/"
  rm -rf "$dir.work"
}
