#!/usr/bin/env bash
# Build the local container images that the scaibu-observability e2e stack
# runs. No container registry is reachable from this project's machines, so
# every image is built here: four from the real upstream Go sources (fetched
# through the Go module proxy) and two placeholders for the AGPL programs
# (Loki, Grafana) that this project does not build.
#
# Usage: toolchain/images/build-all.sh [--force] [--list] [SERVICE...]
#   SERVICE: socket-proxy loki grafana otel-collector prometheus jaeger traefik (default: all,
#            in that order: cheapest/most critical first)
#   --force  rebuild images even if the tag exists (binaries stay cached;
#            delete $SCAIBU_TOOLS_DIR/<name>-<version>/ to rebuild one)
#   --list   print the image tags and exit
#
# Env: SCAIBU_TOOLS_DIR (binary cache, default ~/.cache/scaibu-observability/tools).
# Versions: toolchain/versions.env. Images are only built when missing or built from another
# recipe. Needs a running Docker engine: toolchain/docker-engine.sh starts one.
set -euo pipefail
# shellcheck source=toolchain/images/images-lib.sh
LOG_TAG=images source "$(dirname "${BASH_SOURCE[0]}")/images-lib.sh"

ALL_SERVICES=(socket-proxy loki grafana otel-collector prometheus jaeger traefik alertmanager mailpit webhook-sink)
declare -A TAGS=(
  [socket-proxy]=scaibu-e2e/socket-proxy:local
  [loki]=scaibu-e2e/loki:local
  [grafana]=scaibu-e2e/grafana:local
  [otel-collector]=scaibu-e2e/otel-collector:local
  [prometheus]=scaibu-e2e/prometheus:local
  [jaeger]=scaibu-e2e/jaeger:local
  [traefik]=scaibu-e2e/traefik:local
  [alertmanager]=scaibu-e2e/alertmanager:local
  [mailpit]=scaibu-e2e/mailpit:local
  [webhook-sink]=scaibu-e2e/webhook-sink:local
)

FORCE=0
SERVICES=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --list) for s in "${ALL_SERVICES[@]}"; do echo "${TAGS[$s]}"; done; exit 0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) [ -n "${TAGS[$a]:-}" ] || die "unknown service '$a' (known: ${ALL_SERVICES[*]})"; SERVICES+=("$a") ;;
  esac
done
[ "${#SERVICES[@]}" -gt 0 ] || SERVICES=("${ALL_SERVICES[@]}")

docker info >/dev/null 2>&1 || die "docker engine not answering: run toolchain/docker-engine.sh first"

# ------------------------------------------------------------ placeholder
placeholder_bin() {
  local src="$IMAGES_DIR/placeholder" sum out
  sum="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)"
  out="$TOOLS/placeholder-$sum/placeholder"
  if [ ! -x "$out" ]; then
    log "building placeholder ($src, $sum)"
    mkdir -p "$(dirname "$out")"
    (cd "$src" && run_logged "$out.log" "go build placeholder" go build -ldflags="-s -w" -o "$out.tmp" .)
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

build_loki() {
  local bin ctx
  bin="$(placeholder_bin)"; ctx="$(new_context loki)"
  stage_base "$ctx/rootfs" loki
  mkdir -p "$ctx/owned/loki/rules" "$ctx/owned/loki/rules-temp" "$ctx/owned/etc/loki"
  cp "$bin" "$ctx/placeholder"
  docker_build "$1" "$ctx"
}

build_grafana() {
  local bin ctx d
  bin="$(placeholder_bin)"; ctx="$(new_context grafana)"
  stage_base "$ctx/rootfs" app
  stage_busybox "$ctx/rootfs"
  for d in var/lib/grafana/plugins var/lib/grafana/dashboards var/log/grafana usr/share/grafana/.aws \
           etc/grafana/provisioning/{datasources,dashboards,notifiers,plugins,access-control,alerting}; do
    mkdir -p "$ctx/owned/$d"
  done
  chmod -R 777 "$ctx/owned/var" "$ctx/owned/etc/grafana/provisioning" "$ctx/owned/usr/share/grafana/.aws"
  printf '; PLACEHOLDER grafana.ini (ignored by the placeholder)\n' >"$ctx/owned/etc/grafana/grafana.ini"
  cp "$bin" "$ctx/placeholder"
  docker_build "$1" "$ctx"
}

# ----------------------------------------------------------- socket proxy
# Debian's haproxy with the shared libraries it links, and busybox (wget for the health check).
build_socket-proxy() {
  local ctx bin=/usr/sbin/haproxy lib
  [ -x "$bin" ] || apt_install haproxy
  ctx="$(new_context socket-proxy)"
  stage_base "$ctx/rootfs" haproxy
  stage_busybox "$ctx/rootfs"
  mkdir -p "$ctx/rootfs/usr/sbin" "$ctx/rootfs/usr/local/etc/haproxy" "$ctx/rootfs/var/run"
  cp "$bin" "$ctx/rootfs/usr/sbin/haproxy"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$ctx/rootfs$(dirname "$lib")"; cp -L "$lib" "$ctx/rootfs$lib"
  done
  cp "$ctx/haproxy.cfg" "$ctx/rootfs/usr/local/etc/haproxy/haproxy.cfg"
  docker_build "$1" "$ctx"
}

# --------------------------------------------------------- otel collector
build_otel-collector() {
  local manifest dir ocb="$TOOLS/ocb-$OCB_VERSION/builder" ctx
  # The binary depends on the manifest too: a component added there must not reuse an old build.
  manifest="$(sha256sum "$IMAGES_DIR/otel-collector/builder-config.yaml" | cut -c1-12)"
  dir="$TOOLS/otelcol-contrib-$OTELCOL_VERSION-$manifest"
  if [ ! -x "$dir/otelcol-contrib" ]; then
    if [ ! -x "$ocb" ]; then
      log "installing collector builder go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
      mkdir -p "$(dirname "$ocb")"
      GOBIN="$(dirname "$ocb")" run_logged "$(dirname "$ocb")/install.log" "go install builder@$OCB_VERSION" \
        go install go.opentelemetry.io/collector/cmd/builder@"$OCB_VERSION"
    fi
    log "building otelcol-contrib $OTELCOL_VERSION with ocb (manifest otel-collector/builder-config.yaml)"
    rm -rf "$dir.work"; mkdir -p "$dir.work"
    cp "$IMAGES_DIR/otel-collector/builder-config.yaml" "$dir.work/"
    (cd "$dir.work" && run_logged "$dir.build.log" "ocb build of otelcol-contrib $OTELCOL_VERSION" \
      "$ocb" --config builder-config.yaml --ldflags="-s -w")
    mkdir -p "$dir"; mv "$dir.work/_build/otelcol-contrib" "$dir/otelcol-contrib"; rm -rf "$dir.work"
  fi
  ctx="$(new_context otel-collector)"
  stage_base "$ctx/rootfs" otel
  cp "$dir/otelcol-contrib" "$ctx/otelcol-contrib"
  docker_build "$1" "$ctx"
}

# ------------------------------------------------------------- prometheus
build_prometheus() {
  local dir ctx; prometheus_bins; dir="$(prometheus_dir)"
  ctx="$(new_context prometheus)"
  stage_base "$ctx/rootfs" app
  stage_busybox "$ctx/rootfs"
  cp "$dir/prometheus" "$dir/promtool" "$ctx/"
  mkdir -p "$ctx/owned/prometheus" "$ctx/owned/etc/prometheus"
  cp "$ctx/prometheus.yml" "$ctx/owned/etc/prometheus/prometheus.yml"
  docker_build "$1" "$ctx"
}

# ----------------------------------------------------------------- jaeger
build_jaeger() {
  local dir="$TOOLS/jaeger-$JAEGER_VERSION" ctx
  if [ ! -x "$dir/jaeger" ]; then
    log "building Jaeger $JAEGER_V2_VERSION from github.com/jaegertracing/jaeger@$JAEGER_VERSION (cmd/jaeger, no 'ui' tag)"
    local src="$dir.work/src" p="github.com/jaegertracing/jaeger/internal/version"
    module_src github.com/jaegertracing/jaeger "$JAEGER_VERSION" "$src"
    mkdir -p "$dir"
    (cd "$src" && run_logged "$dir.build.log" "go build jaeger $JAEGER_VERSION" \
      go build -ldflags "-s -w -X $p.latestVersion=$JAEGER_V2_VERSION -X $p.commitSHA=$JAEGER_VERSION -X $p.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        -o "$dir/jaeger.tmp" ./cmd/jaeger)
    cp "$src/cmd/jaeger/sampling-strategies.json" "$dir/sampling-strategies.json"
    mv "$dir/jaeger.tmp" "$dir/jaeger"; rm -rf "$dir.work"
  fi
  ctx="$(new_context jaeger)"
  stage_base "$ctx/rootfs" jaeger
  stage_busybox "$ctx/rootfs"
  [ -f /etc/mime.types ] && cp /etc/mime.types "$ctx/rootfs/etc/mime.types"
  cp "$dir/jaeger" "$ctx/jaeger-linux"; cp "$dir/sampling-strategies.json" "$ctx/"
  docker_build "$1" "$ctx"
}

# ---------------------------------------------------------------- traefik
# The Go module proxy refuses (403 "This module version is not available")
# some of Traefik's dependencies, so the build copy is patched:
#  - github.com/abbot/go-http-auth is replaced (in go.mod) by
#    github.com/containous/go-http-auth@TRAEFIK_HTTP_AUTH_VERSION instead of
#    the 2026 pseudo-version Traefik pins (403). Same API (BasicAuth,
#    DigestAuth, CheckSecret...); used by the basicAuth/digestAuth middlewares.
#  - lego's DNS-01 provider registry (github.com/go-acme/lego/vN/providers/dns)
#    imports ~150 DNS SDKs, a dozen of which are refused (akamai, azion,
#    dnsimple, alidns, tencent, huaweicloud, oci, ucloud, yandex, ...). The
#    call is replaced by an error: ACME DNS-01 challenges are unavailable in
#    this local image (HTTP-01/TLS-ALPN-01 and everything else unchanged).
#  - the nested module github.com/traefik/traefik/dynamic/ext is recreated.
traefik_patch_unserved_deps() {
  local src="$1" f="$1/pkg/provider/acme/provider.go" lego
  (cd "$src" && go mod edit -replace "github.com/abbot/go-http-auth=github.com/containous/go-http-auth@$TRAEFIK_HTTP_AUTH_VERSION")
  lego="$(grep -oE '"github.com/go-acme/lego/v[0-9]+/providers/dns"' "$f" | sed -E 's#"(github.com/go-acme/lego/v[0-9]+)/.*#\1#')"
  [ -n "$lego" ] || die "traefik patch: lego providers/dns import not found in $f"
  sed -i -e "\#\"$lego/providers/dns\"#d" \
         -e 's/dns\.NewDNSChallengeProviderByName(/scaibuNoDNSChallengeProvider(/' "$f"
  cat >"$src/pkg/provider/acme/zz_scaibu_nodns.go" <<'GO'
package acme

import (
	"fmt"

	"LEGO/challenge"
)

// scaibuNoDNSChallengeProvider replaces lego's DNS provider registry in the
// scaibu-observability local build (its SDK dependencies are not all served
// by the Go module proxy).
func scaibuNoDNSChallengeProvider(name string) (challenge.Provider, error) {
	return nil, fmt.Errorf("ACME DNS-01 provider %q is not available in this local Traefik build (scaibu-observability)", name)
}
GO
  sed -i "s#LEGO/challenge#$lego/challenge#" "$src/pkg/provider/acme/zz_scaibu_nodns.go"
  # Nested module github.com/traefik/traefik/dynamic/ext (go.mod: replace =>
  # ./pkg/config/dynamic/ext) is left out of the module zip and is not served
  # on its own. Upstream it only holds empty extension points; recreate them.
  if [ ! -f "$src/pkg/config/dynamic/ext/go.mod" ]; then
    mkdir -p "$src/pkg/config/dynamic/ext"
    printf 'module github.com/traefik/traefik/dynamic/ext\n\ngo 1.24.0\n' >"$src/pkg/config/dynamic/ext/go.mod"
    cat >"$src/pkg/config/dynamic/ext/ext.go" <<'GO'
// Package ext: empty dynamic-configuration extension points (as upstream).
package ext

// HTTP extends dynamic.HTTP (no fields).
type HTTP struct{}

// Router extends dynamic.Router (no fields).
type Router struct{}

// RouterIng extends ingress router annotations (no fields).
type RouterIng struct{}

// ToRouter converts RouterIng to a Router.
func (r RouterIng) ToRouter() Router { return Router{} }
GO
  fi
}

build_traefik() {
  local dir="$TOOLS/traefik-$TRAEFIK_VERSION" ctx
  if [ ! -x "$dir/traefik" ]; then
    log "building Traefik $TRAEFIK_VERSION from github.com/traefik/traefik/v3@$TRAEFIK_VERSION"
    local src="$dir.work/src" p="github.com/traefik/traefik/v3/pkg/version"
    module_src github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" "$src"
    # The web UI is a separately built JS app (webui/static is generated and
    # not in the module zip): embed a stub page; API and ping work as usual.
    [ -f "$src/webui/static/index.html" ] || {
      mkdir -p "$src/webui/static"
      printf '<!doctype html><title>Traefik</title><p>Traefik %s built without its web UI (scaibu-observability local image). The API is at /api/.</p>\n' \
        "$TRAEFIK_VERSION" >"$src/webui/static/index.html"
    }
    traefik_patch_unserved_deps "$src"
    mkdir -p "$dir"
    (cd "$src" && run_logged "$dir.build.log" "go build traefik $TRAEFIK_VERSION" \
      go build -ldflags "-s -w -X $p.Version=${TRAEFIK_VERSION#v} -X $p.Codename=scaibu-local -X $p.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        -o "$dir/traefik.tmp" ./cmd/traefik)
    mv "$dir/traefik.tmp" "$dir/traefik"; rm -rf "$dir.work"
  fi
  ctx="$(new_context traefik)"
  stage_base "$ctx/rootfs" traefik
  stage_busybox "$ctx/rootfs"
  cp "$dir/traefik" "$ctx/traefik"
  docker_build "$1" "$ctx"
}

# ----------------------------------------------------------- alertmanager
build_alertmanager() {
  local dir ctx; alertmanager_bins; dir="$(alertmanager_dir)"
  ctx="$(new_context alertmanager)"
  stage_base "$ctx/rootfs" app
  stage_busybox "$ctx/rootfs"
  cp "$dir/alertmanager" "$dir/amtool" "$ctx/"
  mkdir -p "$ctx/owned/alertmanager" "$ctx/owned/etc/alertmanager"
  cp "$ctx/alertmanager.yml" "$ctx/owned/etc/alertmanager/alertmanager.yml"
  docker_build "$1" "$ctx"
}

# ---------------------------------------------------------------- mailpit
build_mailpit() {
  local dir="$TOOLS/mailpit-$MAILPIT_VERSION" ctx
  if [ ! -x "$dir/mailpit" ]; then
    log "building mailpit $MAILPIT_VERSION from github.com/axllent/mailpit@$MAILPIT_VERSION (no npm-built web UI)"
    local src="$dir.work/src"
    module_src github.com/axllent/mailpit "$MAILPIT_VERSION" "$src"
    mkdir -p "$dir"
    (cd "$src" && run_logged "$dir.build.log" "go build mailpit $MAILPIT_VERSION" \
      go build -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o "$dir/mailpit.tmp" .)
    mv "$dir/mailpit.tmp" "$dir/mailpit"; rm -rf "$dir.work"
  fi
  ctx="$(new_context mailpit)"
  stage_base "$ctx/rootfs" app
  cp "$dir/mailpit" "$ctx/mailpit"
  docker_build "$1" "$ctx"
}

# ----------------------------------------------------------- webhook sink
build_webhook-sink() {
  local src="$IMAGES_DIR/webhook-sink" sum out ctx
  sum="$(cat "$src/go.mod" "$src"/*.go | sha256sum | cut -c1-12)"
  out="$TOOLS/webhook-sink-$sum/webhook-sink"
  if [ ! -x "$out" ]; then
    mkdir -p "$(dirname "$out")"
    (cd "$src" && run_logged "$out.log" "go build webhook-sink" go build -ldflags="-s -w" -o "$out.tmp" .)
    mv "$out.tmp" "$out"
  fi
  ctx="$(new_context webhook-sink)"
  cp "$out" "$ctx/webhook-sink"
  docker_build "$1" "$ctx"
}

# ------------------------------------------------------------------- main
# recipe_hash SERVICE: what an image is built from (this script, its directory, the versions).
# The image carries it as a label; a present image with another recipe is rebuilt, so a change
# to a recipe reaches every machine that has an older image (binaries stay cached by version).
recipe_hash() {
  { cat "$0" "$IMAGES_DIR/images-lib.sh" "$TOOLCHAIN_DIR/lib.sh" "$TOOLCHAIN_DIR/versions.env"; find "$IMAGES_DIR/$1" "$IMAGES_DIR/placeholder" -type f -not -name '*.log'  | sort | xargs cat; } \
    | sha256sum | cut -c1-12
}
recipe_of() { docker image inspect -f '{{index .Config.Labels "io.scaibu.recipe"}}' "$1" 2>/dev/null || true; }

declare -A RESULT
for s in "${SERVICES[@]}"; do
  tag="${TAGS[$s]}"
  export SCAIBU_RECIPE; SCAIBU_RECIPE="$(recipe_hash "$s")"
  if [ "$FORCE" = 0 ] && image_exists "$tag" && [ "$(recipe_of "$tag")" = "$SCAIBU_RECIPE" ]; then
    RESULT[$s]="present (not rebuilt)"
    log "$tag already present (recipe $SCAIBU_RECIPE)"
    continue
  fi
  t0=$(now_s)
  log "=== $s -> $tag"
  "build_$s" "$tag"
  t1=$(now_s)
  size=$(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1/1e6}')
  RESULT[$s]="built in $((t1 - t0))s, $size"
  log "$tag built in $((t1 - t0))s ($size)"
done

echo "== scaibu-e2e images"
for s in "${SERVICES[@]}"; do printf '  %-36s %s\n' "${TAGS[$s]}" "${RESULT[$s]}"; done
if [[ " ${SERVICES[*]} " == *" prometheus "* ]] && [ -x "$(prometheus_dir)/promtool" ]; then
  echo "promtool: $(prometheus_dir)/promtool"
fi
