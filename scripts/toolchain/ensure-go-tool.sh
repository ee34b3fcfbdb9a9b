#!/usr/bin/env bash
# Build (once per version, cached) a Go command from its module and print the binary's path.
#
#   bash scripts/toolchain/ensure-go-tool.sh telemetrygen   # or: actionlint
#
# Tools and versions (scripts/toolchain/versions.env):
#   telemetrygen  github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen  (npm run bench:load)
#   actionlint    github.com/rhysd/actionlint/cmd/actionlint                                  (static tier)
# Progress goes to stderr (with the build time), the path to stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
case "${1:-}" in
  telemetrygen) pkg="github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION" ;;
  actionlint) pkg="github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" ;;
  *) echo "usage: $0 telemetrygen|actionlint" >&2; exit 2 ;;
esac
name="$1"
tools="${SCAIBU_TOOLS_DIR:-${HOME:-$(cd ~ && pwd)}/.cache/scaibu-observability/tools}"
bin="$tools/$name-${pkg##*@}/$name"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null 2>&1 || { echo "[$name] ERROR: go is required to build $pkg" >&2; exit 1; }
  mkdir -p "$(dirname "$bin")" "$tools/logs"
  log="$tools/logs/$name-${pkg##*@}.log"
  echo "[$name] building $pkg" >&2
  start=$SECONDS
  GOBIN="$(dirname "$bin")" GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false -trimpath" GOWORK=off CGO_ENABLED=0 \
    go install "$pkg" >"$log" 2>&1 || { tail -n 30 "$log" >&2; echo "[$name] ERROR: building $pkg failed (log: $log)" >&2; exit 1; }
  echo "[$name] built in $((SECONDS - start))s" >&2
fi
echo "$bin"
