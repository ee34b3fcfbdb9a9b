#!/usr/bin/env bash
# The project's one test command (README; .ci/run calls it). Installs what the tests need,
# then runs every tier: static checks, unit + config tests (with the real promtool), and the
# end-to-end lifecycle against a real Docker engine. A tier that cannot run fails the run.
#   SCAIBU_TIERS="static unit e2e"  choose tiers locally (CI always runs all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
export PULUMI_SKIP_UPDATE_CHECK=true

tiers="${SCAIBU_TIERS:-static unit e2e}"
if [ "${CI:-}" = "true" ] && [ "$tiers" != "static unit e2e" ]; then
  echo "CI runs every tier; ignoring SCAIBU_TIERS=$tiers" >&2
  tiers="static unit e2e"
fi
for t in static unit e2e; do
  case " $tiers " in *" $t "*) ;; *) echo "!!! tier '$t' NOT RUN (SCAIBU_TIERS=$tiers): local run only" >&2 ;; esac
done
want() { case " $tiers " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)"; }
start=$SECONDS

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (from the lock file)"
  npm ci --no-audit --no-fund
fi

if want static; then
  # The type check is the longest static step and runs on one core: it runs beside the others.
  step "static: tsc --noEmit (strict), in the background until the last static step"
  tsc_log="$(mktemp)"
  (npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p clients/node) >"$tsc_log" 2>&1 &
  tsc_pid=$!
  step "static: build the Node client as it is published (ESM + .d.ts in clients/node/dist)"
  npm run --silent build -w clients/node
  step "static: eslint"
  npx eslint .
  step "static: prettier --check"
  npx prettier --check .
  step "static: knip (no unused files, exports or dependencies)"
  npx knip
  step "static: actionlint on .github/workflows (built from its Go module when not cached)"
  "$(bash scripts/toolchain/ensure-go-tool.sh actionlint)" -color=false
  step "static: bash -n on every shell script"
  git ls-files '*.sh' .ci/run | while read -r f; do bash -n "$f" || { echo "syntax error in $f" >&2; exit 1; }; done
  step "static: tsc --noEmit (strict): its result"
  tsc_ok=0
  wait "$tsc_pid" || tsc_ok=$?
  cat "$tsc_log"
  rm -f "$tsc_log"
  [ "$tsc_ok" -eq 0 ] || { echo "tsc found type errors (above)" >&2; exit 1; }
fi

if want unit; then
  step "unit: promtool (Prometheus 3, built from its Go module when not cached)"
  PROMTOOL="${PROMTOOL:-$(bash scripts/images/promtool-path.sh)}"
  export PROMTOOL
  "$PROMTOOL" --version | head -1
  step "unit: mocked resource graph, config builders and the Node client"
  npm run --silent test:unit
  step "unit: the Python client, installed with pip into a venv (scripts/clients/python-env.sh)"
  npm run --silent test:python
fi

if want e2e; then
  step "e2e: Docker engine"
  bash scripts/docker-engine.sh
  step "e2e: Pulumi CLI, language host and provider plugins"
  toolbin="$(bash scripts/toolchain/ensure-pulumi.sh)"
  export PATH="$toolbin:$PATH"
  pulumi version
  step "e2e: local images (no registry is reachable here)"
  bash scripts/images/build-all.sh
  step "e2e: generated configs checked by the real collector, jaeger and promtool"
  SCAIBU_REQUIRE_VALIDATORS=1 bash scripts/validate-configs.sh
  step "e2e: pulumi preview / up / refresh / destroy on a throwaway stack"
  npm run --silent test:e2e
fi

echo "all requested tiers passed in $((SECONDS - start))s"
