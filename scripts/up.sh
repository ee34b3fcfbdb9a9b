#!/usr/bin/env bash
# Deploy or update the stack: `bash scripts/up.sh [pulumi up args…]`.
# Uses your Pulumi login, or else a local file backend (no cloud account); creates the `dev`
# stack with passphrase-encrypted secrets on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PULUMI_SKIP_UPDATE_CHECK=true
stack="${SCAIBU_STACK:-dev}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if ! command -v pulumi >/dev/null 2>&1; then
  echo "pulumi CLI not found; building it from Go modules (offline path, see README)" >&2
  PATH="$(bash toolchain/ensure-pulumi.sh):$PATH"
  export PATH
fi

if ! docker info >/dev/null 2>&1; then
  echo "No Docker engine answers (docker info failed). Start Docker, or set DOCKER_HOST." >&2
  exit 1
fi

if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; then
  export PULUMI_BACKEND_URL="file://$HOME/.pulumi-local"
  mkdir -p "$HOME/.pulumi-local"
  echo "Using the local file backend $PULUMI_BACKEND_URL" >&2
fi

pulumi stack select "$stack" >/dev/null 2>&1 || pulumi stack init "$stack" --secrets-provider passphrase
exec pulumi up --stack "$stack" "$@"
