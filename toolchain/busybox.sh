#!/usr/bin/env bash
# Print the path of a busybox (Debian's busybox-static, installed if missing): the disk meter's
# script runs under it in the tools tier, the same shell and applets its image runs it with.
set -euo pipefail
# shellcheck source=toolchain/lib.sh
LOG_TAG=busybox source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v busybox >/dev/null 2>&1 || apt_install busybox-static
command -v busybox
