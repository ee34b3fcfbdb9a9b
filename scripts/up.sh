#!/usr/bin/env bash
# Deploy or update the stack: `bash scripts/up.sh [pulumi up args…]` (e.g. --yes).
#
# 1. Checks what it needs before doing anything, and says what it will install and how long
#    that takes: a Docker engine >= 25 (API 1.44), the docker CLI, Node >= 26 (fetched from the
#    npm registry when older), the Pulumi CLI (built from Go modules when missing: ~10 min once).
# 2. Logs in to your Pulumi backend, or else to a local file backend (~/.pulumi-local) with
#    `pulumi login`, which records it: plain `pulumi …` commands work in any new shell.
# 3. Creates the stack (default `dev`, SCAIBU_STACK=name) with passphrase secrets if missing,
#    pulls the pinned images with progress (per image: size and time), then runs `pulumi up`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=toolchain/lib.sh
LOG_TAG=up source toolchain/lib.sh
export PULUMI_SKIP_UPDATE_CHECK=true
stack="${SCAIBU_STACK:-dev}"

# --- 1. what is there, what is missing ------------------------------------------------------
command -v docker >/dev/null 2>&1 || die "the docker CLI is missing: install Docker (https://docs.docker.com/engine/install/) or your distribution's docker client"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed): start Docker, or set DOCKER_HOST to your engine"
api="$(docker version --format '{{.Server.APIVersion}}' 2>/dev/null || echo 0)"
[ "$(printf '%s\n%s\n' 1.44 "$api" | sort -V | head -1)" = 1.44 ] ||
  die "the Docker engine speaks API $api; the stack needs 1.44 or newer (Docker Engine 25+): upgrade Docker"
need=()
node_ok() { command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge "$NODE_MIN_MAJOR" ]; }
node_ok || need+=("Node.js $NODE_VERSION from the npm registry (57 MB, under a minute)")
command -v pulumi >/dev/null 2>&1 || need+=("the Pulumi CLI and its plugins, built from Go modules (needs Go; about 10 minutes, once)")
if [ "${#need[@]}" -gt 0 ]; then
  log "installing into $TOOLS:"
  for n in "${need[@]}"; do log "  - $n"; done
fi
PATH="$(bash toolchain/ensure-node.sh):$PATH"
export PATH
if ! command -v pulumi >/dev/null 2>&1; then
  command -v go >/dev/null 2>&1 || die "no pulumi CLI and no Go to build one: install Pulumi (https://www.pulumi.com/docs/install/)"
  PATH="$(bash toolchain/ensure-pulumi.sh):$PATH"
  export PATH
  log "pulumi is in $(dirname "$(command -v pulumi)"): add it to your PATH for later shells"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci (from the lock file)"
  npm ci --no-audit --no-fund
fi

# --- 2. a backend that sticks ----------------------------------------------------------------
if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; then
  mkdir -p "$HOME/.pulumi-local"
  # `pulumi login` records the backend (~/.pulumi/credentials.json): new shells use it too.
  pulumi login "file://$HOME/.pulumi-local" >&2
fi
log "backend: $(pulumi whoami --verbose 2>/dev/null | sed -n 's/^Backend URL: //p' || true)"

# --- 3. the stack, its images, up -------------------------------------------------------------
pulumi stack select "$stack" >/dev/null 2>&1 || pulumi stack init "$stack" --secrets-provider passphrase
node -r @scaibu/observability-loader tools/pull/index.ts --stack "$stack"
exec pulumi up --stack "$stack" "$@"
