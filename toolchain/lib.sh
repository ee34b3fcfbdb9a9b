# shellcheck shell=bash
# The one shell library of the toolchain: every script under toolchain/ (and scripts/test.sh,
# scripts/up.sh) sources it. Sourced, not executed.
#
#   LOG_TAG=name source toolchain/lib.sh
#
# Gives: every pin of versions.env; TOOLS (the binary cache); log/die; lock; run_logged;
# go_env; module_src; apt_install; as_root.

TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TOOLCHAIN_DIR/.." && pwd)"
# shellcheck source=toolchain/versions.env
source "$TOOLCHAIN_DIR/versions.env"
# shellcheck disable=SC2034 # read by the scripts that source this file
SCAIBU_CACHE="${SCAIBU_CACHE:-${HOME:-$(cd ~ && pwd)}/.cache/scaibu-observability}"
TOOLS="${SCAIBU_TOOLS_DIR:-$SCAIBU_CACHE/tools}"
# (a `LOG_TAG=x source …` prefix lasts only while sourcing: keep its value in a variable of our own)
SCAIBU_LOG_TAG="${LOG_TAG:-$(basename "$0" .sh)}"
_lib_t0=$SECONDS
mkdir -p "$TOOLS/logs"

# log MSG: progress on stderr (stdout is reserved for what a script prints as its result).
log() { printf '[%s +%4ss] %s\n' "$SCAIBU_LOG_TAG" "$((SECONDS - _lib_t0))" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$SCAIBU_LOG_TAG" "$*" >&2
  exit 1
}

# lock NAME: hold an exclusive lock on $TOOLS/.NAME.lock until the script exits, so parallel
# runs that share the cache build each thing once. Uses fd 9.
lock() {
  exec 9>"$TOOLS/.$1.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
}

# run_logged LOGFILE WHAT CMD...: run CMD with its output in LOGFILE; on failure print the tail of
# the log and stop, naming WHAT; on success log how long it took.
run_logged() {
  local logfile="$1" what="$2"
  shift 2
  local t0=$SECONDS
  if ! "$@" >"$logfile" 2>&1; then
    printf '[%s] ---- last lines of %s ----\n' "$SCAIBU_LOG_TAG" "$logfile" >&2
    tail -n 40 "$logfile" >&2 || true
    die "$what failed after $((SECONDS - t0))s (full log: $logfile)"
  fi
  log "  $what: ok in $((SECONDS - t0))s"
}

# go_env: Go settings for every build: modules only from the proxy (never a toolchain download),
# no go.work from a module zip, reproducible paths. CGO stays as the caller set it (default off).
# No DWARF from the compiler either (-gcflags=all=-dwarf=false): every build links with -s -w,
# which drops it anyway, so generating it only cost time: an empty-cache build of alertmanager and
# amtool took 0.90x as long without it (61.1 s and 61.7 s against 67.7 s and 69.0 s, alternating,
# on a 2-core machine). Panics still print function names and lines (those are not DWARF).
# A build that passes its own -gcflags replaces this one; none does.
go_env() {
  command -v go >/dev/null 2>&1 || die "go is required to build this (none on PATH)"
  export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-mod=mod -buildvcs=false -trimpath -gcflags=all=-dwarf=false"
  export CGO_ENABLED="${CGO_ENABLED:-0}"
  # keep the Go build cache between runs (HOME may be unset under some CI shells)
  GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
  export GOCACHE
}

# module_src MODULE VERSION DEST: a writable copy of a module's source as the Go module proxy
# serves it, so it builds with its own go.mod/go.sum.
module_src() {
  local mod="$1" ver="$2" dest="$3" dir
  dir="$(go mod download -json "$mod@$ver" 2>&1 | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')" || true
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    go mod download -json "$mod@$ver" >&2 || true
    die "cannot download Go module $mod@$ver"
  fi
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  cp -a "$dir" "$dest"
  chmod -R u+w "$dest"
}

# as_root CMD...: run CMD as root (directly, or with passwordless sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# apt_install PKG...: install the Debian packages that are missing (apt-get update only when the
# first try fails, which costs nothing on a machine that already has them).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -gt 0 ] || return 0
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    as_root apt-get update -qq >/dev/null 2>&1 || log "warning: apt-get update failed (continuing)"
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  } || die "apt-get install ${missing[*]} failed"
}
