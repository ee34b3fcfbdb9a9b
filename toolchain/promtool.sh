#!/usr/bin/env bash
# Print the path of a promtool binary (Prometheus 3, the same build as in the
# scaibu-e2e/prometheus:local image), building it first if it is not cached.
# The tool-backed tests use it:  "$(bash toolchain/promtool.sh)" check config x.yml
# Needs Go and the Go module proxy, not Docker. Build logs go to stderr; stdout is only the path.
set -euo pipefail
# shellcheck source=toolchain/images/images-lib.sh
LOG_TAG=promtool source "$(dirname "${BASH_SOURCE[0]}")/images/images-lib.sh"
prometheus_bins promtool
echo "$(prometheus_dir)/promtool"
