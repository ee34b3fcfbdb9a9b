#!/usr/bin/env bash
# Builds the demo app's image (default tag scaibu-example/app-demo:0.1.0) from this directory:
# a static Go binary (CGO_ENABLED=0) in a FROM scratch image. Needs Go and a Docker engine.
#   bash examples/app-stack/app/build.sh [TAG]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tag="${1:-scaibu-example/app-demo:0.1.0}"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
(cd "$here" && CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=mod" go build -trimpath -ldflags="-s -w" -o "$ctx/app" .)
cp "$here/Dockerfile" "$ctx/"
# The classic builder: no buildx plugin needed, nothing is pulled (FROM scratch).
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
echo "$tag"
