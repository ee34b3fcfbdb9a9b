#!/bin/sh
# PLACEHOLDER grafana entrypoint (the official /run.sh runs `grafana server`).
exec grafana server --homepath="$GF_PATHS_HOME" --config="$GF_PATHS_CONFIG" --packaging=docker "$@"
