#!/usr/bin/env bash
# Times `bash .ci/run` as a new machine would run it: a fresh clone of HEAD, and empty Go module
# and build caches, project cache (tools, Node, Python venvs), Pulumi plugin dir and npm cache
# (all in a temp dir), with the
# scaibu-e2e images removed first (the run rebuilds them), and the running Docker engine stopped
# (the run builds its own from Go modules into the empty tools dir and starts it, as on a new
# machine). Debian packages already installed stay (they take seconds). Prints the step times and
# the total.
#   toolchain/measure-cold-ci.sh [WORKDIR]   (default: a new temp dir; kept for its logs)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/scaibu-cold-ci.XXXXXX")}"
mkdir -p "$work"
git clone -q "$repo" "$work/clone"
# With no engine running, images in its data root (containerd's image store) cannot be removed
# here, and the run would reuse them: only a machine whose engine never ran may go on.
if ! pgrep -x dockerd >/dev/null 2>&1 && [ -n "$(ls -A /var/lib/docker/containerd 2>/dev/null)" ]; then
  echo "an engine ran here and may have left scaibu-e2e images in /var/lib/docker: start it (toolchain/docker-engine.sh) so that they are removed, and run this again" >&2
  exit 2
fi
{ docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null || true; } | { grep '^scaibu-e2e/' || true; } | xargs -r docker rmi -f >/dev/null
if pgrep -x dockerd >/dev/null 2>&1; then
  pkill -TERM -x dockerd
  for ((i = 0; i < 60; i++)); do pgrep -x dockerd >/dev/null 2>&1 || break; sleep 1; done
fi
start=$(date +%s)
rc=0
(
  cd "$work/clone"
  export CI=true GOMODCACHE="$work/gomod" GOCACHE="$work/gocache" GOPATH="$work/gopath" \
    SCAIBU_CACHE="$work/cache" SCAIBU_TOOLS_DIR="$work/tools" PULUMI_HOME="$work/pulumi-home" npm_config_cache="$work/npm"
  bash .ci/run
) >"$work/ci.log" 2>&1 || rc=$?
total=$(($(date +%s) - start))
sed -n '/^== step times/,$p' "$work/ci.log" || true
echo "cold .ci/run: exit $rc in ${total}s ($((total / 60)) min $((total % 60)) s); log: $work/ci.log"
exit "$rc"
