#!/usr/bin/env bash
# Make Docker Compose v2 available without internet access.
#
#   compose="$(bash toolchain/ensure-compose.sh)"   # path of a compose v2 binary
#   "$compose" version        # works standalone...
#   docker compose version    # ...and as a docker CLI plugin
#
# Why: the benchmark (tools/bench) compares Pulumi against a plain
# `docker compose up -d --wait` baseline. The machines here have a docker CLI
# without the compose plugin, Debian 12 only packages docker-compose 1.29
# (python, no `--wait`), and no download site is reachable; only the Go module
# proxy is. So, in this order:
#   1. an installed compose v2 (`docker compose` plugin or `docker-compose`)
#      that supports `up --wait` (>= 2.1.1) is used as it is;
#   2. else an apt package whose candidate is v2 (docker-compose-plugin,
#      docker-compose-v2, or docker-compose >= 2 on newer Debian) is installed;
#   3. else it is built from the Go module github.com/docker/compose/v2 (package
#      ./cmd) into
#        ${SCAIBU_TOOLS_DIR:-$HOME/.cache/scaibu-observability/tools}/compose-<v>/docker-compose
#      and installed as the CLI plugin ~/.docker/cli-plugins/docker-compose.
# Re-running is cheap: anything already present is reused.
#
# Progress goes to stderr; stdout carries exactly one line: the path of the
# compose v2 binary (it also runs standalone, as `docker-compose`).
#
# Environment:
#   SCAIBU_TOOLS_DIR             cache root (default ~/.cache/scaibu-observability/tools)
#   SCAIBU_COMPOSE_VERSION       module version to build (default: COMPOSE_VERSION of versions.env)
#   SCAIBU_COMPOSE_FORCE_BUILD=1 ignore installed/apt compose; build/reuse ours
#   SCAIBU_COMPOSE_NO_APT=1      skip the apt step
set -euo pipefail

# shellcheck source=toolchain/lib.sh
LOG_TAG=ensure-compose source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# (go list -m -versions github.com/docker/compose/v2: v2.28.1 v2.35.1 v2.40.2 v2.40.3)
COMPOSE_MODULE=github.com/docker/compose/v2
COMPOSE_VERSION="${SCAIBU_COMPOSE_VERSION:-$COMPOSE_VERSION}"
[[ "$COMPOSE_VERSION" == v* ]] || COMPOSE_VERSION="v$COMPOSE_VERSION"
tools="$TOOLS" t_start=$SECONDS
plugin_dir="${DOCKER_CONFIG:-${HOME:-/root}/.docker}/cli-plugins"
# One builder at a time per cache dir (parallel runs share the cache).
lock compose

# --- version checks ------------------------------------------------------------

# compose_version <cmd...>: prints the bare version (e.g. 2.40.3) or fails.
compose_version() {
  local out
  out="$(timeout 30 "$@" version --short 2>/dev/null)" || out="$(timeout 30 "$@" version 2>/dev/null)" || return 1
  out="$(printf '%s\n' "$out" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)"
  [[ -n "$out" ]] || return 1
  printf '%s\n' "$out"
}

# supports_wait <x.y.z>: v2 (or later) with `up --wait` (added in 2.1.1).
supports_wait() {
  local major minor patch
  IFS=. read -r major minor patch <<<"$1"
  ((major > 2)) && return 0
  ((major == 2)) || return 1
  ((minor > 1)) && return 0
  ((minor == 1 && patch >= 1))
}

# Path of the binary behind `docker compose`: the docker CLI reports it.
plugin_path() {
  local p
  p="$(docker info --format '{{range .ClientInfo.Plugins}}{{if eq .Name "compose"}}{{.Path}}{{end}}{{end}}' 2>/dev/null)" || true
  if [[ -z "$p" || ! -x "$p" ]]; then
    for d in "$plugin_dir" /usr/local/lib/docker/cli-plugins /usr/local/libexec/docker/cli-plugins \
      /usr/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins; do
      if [[ -x "$d/docker-compose" ]]; then
        p="$d/docker-compose"
        break
      fi
    done
  fi
  [[ -n "$p" && -x "$p" ]] || return 1
  printf '%s\n' "$p"
}

# find_installed: prints the path of a usable installed compose v2, or fails.
find_installed() {
  local v p
  if command -v docker >/dev/null 2>&1 && v="$(compose_version docker compose)"; then
    if supports_wait "$v" && p="$(plugin_path)"; then
      log "using installed docker compose plugin v$v ($p)"
      printf '%s\n' "$p"
      return 0
    fi
    log "installed docker compose plugin is v$v: not v2 with 'up --wait', ignoring it"
  fi
  if p="$(command -v docker-compose 2>/dev/null)" && v="$(compose_version "$p")"; then
    if supports_wait "$v"; then
      log "using installed docker-compose v$v ($p)"
      printf '%s\n' "$p"
      return 0
    fi
    log "installed docker-compose is v$v ($p): not v2 with 'up --wait', ignoring it"
  fi
  return 1
}

# install_plugin <binary>: make `docker compose` run <binary>.
install_plugin() {
  local bin="$1"
  mkdir -p "$plugin_dir"
  if ! cmp -s "$bin" "$plugin_dir/docker-compose" 2>/dev/null; then
    install -m 0755 "$bin" "$plugin_dir/docker-compose.tmp"
    mv -f "$plugin_dir/docker-compose.tmp" "$plugin_dir/docker-compose"
    log "installed CLI plugin $plugin_dir/docker-compose"
  fi
}

# --- 1. installed ----------------------------------------------------------------

if [[ "${SCAIBU_COMPOSE_FORCE_BUILD:-}" != 1 ]] && path="$(find_installed)"; then
  printf '%s\n' "$path"
  exit 0
fi

# --- 2. our cached build ------------------------------------------------------------

out_dir="$tools/compose-$COMPOSE_VERSION"
out="$out_dir/docker-compose"
if [[ -x "$out" ]] && v="$(compose_version "$out")" && supports_wait "$v"; then
  log "compose $COMPOSE_VERSION: cached in $out"
  install_plugin "$out"
  printf '%s\n' "$out"
  exit 0
fi

# --- 3. apt -------------------------------------------------------------------------

if [[ "${SCAIBU_COMPOSE_FORCE_BUILD:-}" != 1 && "${SCAIBU_COMPOSE_NO_APT:-}" != 1 ]] &&
  command -v apt-cache >/dev/null 2>&1; then
  candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
  if [[ -z "$(candidate docker-compose)" && -z "$(candidate docker-compose-plugin)" ]]; then
    # apt-cache finds nothing before the first update on a fresh machine
    as_root apt-get update -qq >/dev/null 2>&1 || log "warning: apt-get update failed (continuing)"
  fi
  for pkg in docker-compose-plugin docker-compose-v2 docker-compose; do
    c="$(candidate "$pkg")"
    if [[ -z "$c" || "$c" == "(none)" ]]; then
      log "apt: no candidate for $pkg"
      continue
    fi
    # strip an epoch ("5:2.29.1-1") and compare the upstream version
    upstream="${c#*:}"
    upstream="$(grep -oE '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$upstream" || true)"
    if [[ -z "$upstream" ]] || ! supports_wait "$upstream"; then
      log "apt: $pkg candidate is $c: not compose v2 with 'up --wait', skipping"
      continue
    fi
    log "apt: installing $pkg $c"
    if DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$pkg" \
      >"$tools/logs/apt-$pkg.log" 2>&1; then
      if path="$(find_installed)"; then
        printf '%s\n' "$path"
        exit 0
      fi
      log "apt: $pkg installed but no usable compose v2 found afterwards"
    else
      log "apt: installing $pkg failed (log: $tools/logs/apt-$pkg.log)"
    fi
  done
fi

# --- 4. build from the Go module ----------------------------------------------------

go_env

work="$tools/build/compose-$COMPOSE_VERSION"
stamp="$(date +%Y%m%d%H%M%S)"
rm -rf "$work"
mkdir -p "$work" "$out_dir"

# The main package can't be `go install`ed at a version: the module's go.mod has
# exclude directives, which `go install pkg@version` refuses. So a wrapper module
# requires it and restates its replace/exclude directives (read from its go.mod).
modfile="$work/upstream.mod"
log "fetching $COMPOSE_MODULE@$COMPOSE_VERSION go.mod..."
if ! (cd "$work" && go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" >"$work/download.json" 2>"$tools/logs/compose-download-$stamp.log"); then
  cat "$tools/logs/compose-download-$stamp.log" >&2 || true
  die "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION failed (is that version served by the Go module proxy? try: go list -m -versions $COMPOSE_MODULE)"
fi
gomod="$(sed -n 's/.*"GoMod": *"\([^"]*\)".*/\1/p' "$work/download.json")"
[[ -f "$gomod" ]] || die "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION gave no go.mod (see $work/download.json)"
cp "$gomod" "$modfile"
go_line="$(grep -m1 -E '^go [0-9]' "$modfile" || echo 'go 1.24')"

# Extract replace/exclude blocks and single-line directives verbatim.
directives="$(awk '
  /^(replace|exclude)[ \t]*\($/ {inblock=1; print; next}
  inblock {print; if ($0 ~ /^\)/) inblock=0; next}
  /^(replace|exclude)[ \t]/ {print}
' "$modfile")"
# A replace pointing at a local path (./x, ../x) cannot be restated outside its repo.
if grep -E '=>[[:space:]]*\.{1,2}/' <<<"$directives" >/dev/null; then
  die "$COMPOSE_MODULE@$COMPOSE_VERSION go.mod replaces a module with a local path; cannot build it outside its repo: $(grep -E '=>[[:space:]]*\.' <<<"$directives")"
fi

cat >"$work/go.mod" <<EOF
module scaibu.local/build/docker-compose

$go_line

require $COMPOSE_MODULE $COMPOSE_VERSION

// restated from $COMPOSE_MODULE@$COMPOSE_VERSION's go.mod (directives only apply in the main module)
$directives
EOF
printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd"\n' "$COMPOSE_MODULE" >"$work/tools.go"

cd "$work"
log "resolving modules for $COMPOSE_MODULE@$COMPOSE_VERSION (go mod tidy)..."
run_logged "$tools/logs/compose-tidy-$stamp.log" "go mod tidy of $COMPOSE_MODULE@$COMPOSE_VERSION" go mod tidy
log "building $COMPOSE_MODULE/cmd@$COMPOSE_VERSION (a few minutes on 2 cores)..."
run_logged "$tools/logs/compose-build-$stamp.log" "go build of $COMPOSE_MODULE@$COMPOSE_VERSION" \
  go build -p 2 \
  -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
  -o "$out.tmp" "$COMPOSE_MODULE/cmd"
mv -f "$out.tmp" "$out"

v="$(compose_version "$out")" || die "the built $out ($COMPOSE_MODULE@$COMPOSE_VERSION) does not run '$out version'"
supports_wait "$v" || die "the built $out reports version $v, expected ${COMPOSE_VERSION#v}"
install_plugin "$out"
if command -v docker >/dev/null 2>&1; then
  pv="$(compose_version docker compose)" || die "installed $plugin_dir/docker-compose but 'docker compose version' fails"
  log "docker compose plugin answers v$pv"
fi
log "compose $COMPOSE_VERSION ready in $((SECONDS - t_start))s: $out"
printf '%s\n' "$out"
