#!/bin/sh
# Same behaviour as the official traefik image's entrypoint.sh.
set -e
# first arg is a flag (-f / --some-option): run traefik with it
if [ "${1#-}" != "$1" ]; then
  set -- traefik "$@"
fi
# a traefik subcommand (e.g. "version", "healthcheck"): run it through traefik
if traefik "$1" --help >/dev/null 2>&1; then
  set -- traefik "$@"
else
  echo "= '$1' is not a Traefik command: assuming shell execution." 1>&2
fi
exec "$@"
