#!/usr/bin/env bash
# Print the path of a promtool binary (Prometheus 3, same version as the
# scaibu-e2e/prometheus:local image), building it first if it is not cached.
# Config tests use it:  "$(scripts/images/promtool-path.sh)" check config x.yml
# Needs Go and the Go module proxy, not Docker. Build logs go to stderr;
# stdout is only the path.
set -euo pipefail
# shellcheck source=scripts/images/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2016 # sed pattern, not a shell expansion
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-$(sed -n 's/^PROMETHEUS_VERSION="\${PROMETHEUS_VERSION:-\(v[0-9.]*\)}".*/\1/p' "$IMAGES_DIR/build-all.sh")}"
out="$TOOLS/prometheus-$PROMETHEUS_VERSION/promtool"
if [ ! -x "$out" ]; then
  command -v go >/dev/null || fail "go is not on PATH (needed to build promtool)"
  dir="$TOOLS/prometheus-$PROMETHEUS_VERSION"
  log "building promtool from github.com/prometheus/prometheus@$PROMETHEUS_VERSION (once; cached in $dir)"
  mod="$(go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [ -d "$mod" ] || fail "cannot download Go module github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
  work="$(mktemp -d "${TMPDIR:-/tmp}/scaibu-promtool.XXXXXX")"
  cp -a "$mod" "$work/src"; chmod -R u+w "$work/src"
  read -r mi pa < <(echo "$PROMETHEUS_VERSION" | sed -E 's/^v0\.3([0-9]{2})\.([0-9]+).*/\1 \2/')
  p=github.com/prometheus/common/version
  mkdir -p "$dir"
  (cd "$work/src" && go build -tags netgo -ldflags "-s -w -X $p.Version=3.$((10#$mi)).$pa -X $p.Revision=$PROMETHEUS_VERSION -X $p.Branch=HEAD -X $p.BuildUser=scaibu-observability" \
      -o "$out.tmp" ./cmd/promtool) >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; fail "building promtool from github.com/prometheus/prometheus@$PROMETHEUS_VERSION failed"; }
  mv "$out.tmp" "$out"; rm -rf "$work"
fi
echo "$out"
