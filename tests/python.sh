#!/usr/bin/env bash
# The Python client's tests, against the package as pip installs it (toolchain/python-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(bash toolchain/python-env.sh)"
# Run from the repository root so `observability_client` comes from the venv, not the source tree.
exec "$PY" -m pytest -q -p no:cacheprovider --rootdir clients/python clients/python/tests "$@"
