#!/usr/bin/env bash
# Prints the path of a Python that has clients/python installed (with its test extras).
#
# Why a venv per content hash: the tests must run against the package as `pip install
# ./clients/python` installs it (that proves it is installable), and a cached venv must never
# hold an older copy of the source. Venvs live in the project's cache, so a warm run costs nothing.
set -euo pipefail
# shellcheck source=toolchain/lib.sh
LOG_TAG=python-env source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
cache="$SCAIBU_CACHE/python"
# Every source file, committed or not, is part of the key.
hash="$(find clients/python -type f \( -name '*.py' -o -name '*.toml' -o -name '*.typed' -o -name '*.md' \) \
  -not -path '*/build/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
venv="$cache/venv-$hash"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.ok" ]; then
  python3 -c 'import sys; assert sys.version_info >= (3, 9), sys.version' >&2
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  rm -rf "$venv"
  mkdir -p "$cache"
  log "creating $venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "./clients/python[test]" >&2
  touch "$venv/.ok"
  # Older venvs of other source versions are not needed any more.
  find "$cache" -maxdepth 1 -name 'venv-*' ! -path "$venv" -mmin +60 -exec rm -rf {} + 2>/dev/null || true
fi
echo "$venv/bin/python"
