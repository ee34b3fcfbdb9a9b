#!/bin/sh
# PLACEHOLDER grafana entrypoint. Like the official packaging/docker/run.sh: GF_*__FILE variables
# are expanded here (Grafana's own config loader does not read them), then `grafana server` runs.
for VAR_NAME in $(env | grep '^GF_[^=]\+__FILE=.\+' | sed -r "s/([^=]*)__FILE=.*/\1/g"); do
  VAR_NAME_FILE="$VAR_NAME"__FILE
  eval FILE="\$$VAR_NAME_FILE"
  export "$VAR_NAME"="$(cat "$FILE")"
  unset "$VAR_NAME_FILE"
done
exec grafana server --homepath="$GF_PATHS_HOME" --config="$GF_PATHS_CONFIG" --packaging=docker "$@"
