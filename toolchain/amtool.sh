#!/usr/bin/env bash
# Print the path of amtool (the same Alertmanager build as in the scaibu-e2e/alertmanager:local
# image), building it first if it is not cached. The tool-backed tests use it:
#   "$(bash toolchain/amtool.sh)" check-config alertmanager.yml
# Needs Go and the Go module proxy, not Docker. Build logs go to stderr; stdout is only the path.
set -euo pipefail
# shellcheck source=toolchain/images/images-lib.sh
LOG_TAG=amtool source "$(dirname "${BASH_SOURCE[0]}")/images/images-lib.sh"
alertmanager_bins
echo "$(alertmanager_dir)/amtool"
