#!/usr/bin/env bash
# Build (once per version, cached) a Go command from its module and print the binary's path.
#
#   bash toolchain/ensure-go-tool.sh telemetrygen   # or: actionlint
#
# Tools and versions (toolchain/versions.env):
#   telemetrygen  github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen  (npm run bench:load)
#   actionlint    github.com/rhysd/actionlint/cmd/actionlint                                  (static tier)
# Progress goes to stderr (with the build time), the path to stdout.
set -euo pipefail
# shellcheck source=toolchain/lib.sh
LOG_TAG="${1:-ensure-go-tool}" source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${1:-}" in
  telemetrygen) pkg="github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION" ;;
  actionlint) pkg="github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" ;;
  *) echo "usage: $0 telemetrygen|actionlint" >&2; exit 2 ;;
esac
name="$1"
bin="$TOOLS/$name-${pkg##*@}/$name"
if [ ! -x "$bin" ]; then
  go_env
  lock "go-tool-$name"
  if [ ! -x "$bin" ]; then
    mkdir -p "$(dirname "$bin")"
    log "building $pkg"
    GOBIN="$(dirname "$bin")" run_logged "$TOOLS/logs/$name-${pkg##*@}.log" "go install $pkg" go install "$pkg"
  fi
fi
echo "$bin"
