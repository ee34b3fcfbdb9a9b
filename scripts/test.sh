#!/usr/bin/env bash
# The project's one test command (README; .ci/run calls it). Installs what the tests need,
# then runs every tier: static checks; unit (pure tests beside the code, the whole graph under
# mocks, the clients); tools (the real promtool, and the collector, Jaeger and promtool
# validators on what the program renders); and e2e (the stack on a real Docker engine).
# A tier that cannot run fails the run. Every step prints its start time and duration.
#   SCAIBU_TIERS="static unit tools e2e"  choose tiers locally (CI always runs all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=toolchain/lib.sh
LOG_TAG=test source toolchain/lib.sh
export PULUMI_SKIP_UPDATE_CHECK=true

all="static unit tools e2e swarm"
tiers="${SCAIBU_TIERS:-$all}"
if [ "${CI:-}" = "true" ] && [ "$tiers" != "$all" ]; then
  echo "CI runs every tier; ignoring SCAIBU_TIERS=$tiers" >&2
  tiers="$all"
fi
for t in $all; do
  case " $tiers " in *" $t "*) ;; *) echo "!!! tier '$t' NOT RUN (SCAIBU_TIERS=$tiers): local run only" >&2 ;; esac
done
want() { case " $tiers " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
start=$SECONDS
timings=()
step_name="" step_t0=$SECONDS
step() {
  [ -z "$step_name" ] || timings+=("$(printf '%5ss  %s' "$((SECONDS - step_t0))" "$step_name")")
  step_name="$*" step_t0=$SECONDS
  printf '\n==> %s (%s)\n' "$*" "$(date +%T)"
}
e2e_log="" swarm_log=""
summary() {
  step "end"
  printf '\n== step times\n'
  printf '%s\n' "${timings[@]}"
  # The spec reporter's failure section can run to thousands of lines (a Pulumi command's whole
  # output per failure); CI shows the end of the log, so the end says why each test failed.
  local log
  for log in "$e2e_log" "$swarm_log"; do
    [ -n "$log" ] && grep -q '^✖ failing tests' "$log" 2>/dev/null || continue
    printf '\n== %s failures: the first lines of each\n' "$([ "$log" = "$swarm_log" ] && echo swarm || echo e2e)"
    # Per failure: its name, its first line, and up to 8 distinct lines that say error.
    awk '/^✖ failing tests/ {on=1; next}
      on && /^✖ / {print; first=1; n=8; delete seen; next}
      on && first {print substr($0, 1, 400); first=0; next}
      on && n > 0 && /[Ee]rror|refus|expected|actual/ && !seen[$0]++ {print substr($0, 1, 400); n--}' "$log"
    printf '\n== dockerd log, last lines\n'
    tail -n 15 "${DOCKERD_LOG:-/var/log/scaibu-dockerd.log}" 2>/dev/null | cut -c1-300 || true
  done
}
# The Pulumi toolchain (CLI, language host, provider plugins: 13-25 min of Go builds and module
# downloads on a cold machine) depends on nothing the other tiers build, so it builds in the
# background from the start, filling the time the static, unit, tools and image steps leave a core
# idle (single-threaded links, module downloads, tsc on one core). The e2e tests wait for it.
pulumi_bg_pid="" pulumi_bg_dir=""
start_pulumi_build() {
  pulumi_bg_dir="$(mktemp -d)"
  local t0=$SECONDS
  (
    code=0
    bash toolchain/ensure-pulumi.sh >"$pulumi_bg_dir/out" 2>"$pulumi_bg_dir/err" || code=$?
    echo "$((SECONDS - t0))" >"$pulumi_bg_dir/seconds"
    exit "$code"
  ) &
  pulumi_bg_pid=$!
}
prefetch_pid="" swarm_pid=""
# The images the swarm tier's nodes load (tests/swarm/harness.sh save): this run's own, removed at its end.
SWARM_IMAGES_DIR="$(mktemp -d)"
export SWARM_IMAGES_DIR
stop_background() {
  [ -z "$pulumi_bg_pid" ] || kill "$pulumi_bg_pid" 2>/dev/null || true
  [ -z "$prefetch_pid" ] || kill "$prefetch_pid" 2>/dev/null || true
  [ -z "$swarm_pid" ] || kill "$swarm_pid" 2>/dev/null || true
  rm -rf "$SWARM_IMAGES_DIR"
}
trap 'stop_background; summary' EXIT

step "node: the Active LTS (toolchain/ensure-node.sh)"
PATH="$(bash toolchain/ensure-node.sh):$PATH"
export PATH
node --version

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (from the lock file)"
  npm ci --no-audit --no-fund
fi

if want e2e; then
  step "e2e: Pulumi CLI, language host and provider plugins: building in the background"
  start_pulumi_build
  # The engine's and the images' Go modules, downloaded while the first tiers run (best effort).
  bash toolchain/prefetch-modules.sh 2>"$pulumi_bg_dir/prefetch" &
  prefetch_pid=$!
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
  "$(bash toolchain/ensure-go-tool.sh actionlint)" -color=false
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
  step "unit: pure tests, the mocked resource graph, the policy pack and the Node client"
  npm run --silent test:unit
  step "unit: the Python client, installed with pip into a venv (toolchain/python-env.sh)"
  npm run --silent test:python
fi

if want tools; then
  step "tools: promtool (Prometheus 3, built from its Go module when not cached)"
  PROMTOOL="${PROMTOOL:-$(bash toolchain/promtool.sh)}"
  export PROMTOOL
  "$PROMTOOL" --version | head -1
  step "tools: amtool and alertmanager (built from their Go module when not cached)"
  AMTOOL="${AMTOOL:-$(bash toolchain/amtool.sh)}"
  export AMTOOL
  "$AMTOOL" --version 2>&1 | head -1
  step "tools: busybox (the disk meter's shell and applets)"
  BUSYBOX="${BUSYBOX:-$(bash toolchain/busybox.sh)}"
  export BUSYBOX
  step "tools: rules, dashboards and correlations through the real promtool; alertmanager.yml through amtool"
  npm run --silent test:tools
fi

if want e2e; then
  step "e2e: Docker engine"
  bash toolchain/docker-engine.sh
  # The images need only the engine: they build while the Pulumi toolchain may still be resolving
  # modules in the background (a cold run waited 8.5 min for it with the images not yet begun).
  step "e2e: local images (no registry is reachable here)"
  bash toolchain/images/build-all.sh
  step "tools: generated configs checked by the real collector, Jaeger and promtool"
  SCAIBU_REQUIRE_VALIDATORS=1 bash tests/tools/validate-configs.sh
  step "e2e: Pulumi CLI, language host and provider plugins: waiting for the background build"
  pulumi_ok=0
  wait "$pulumi_bg_pid" || pulumi_ok=$?
  pulumi_bg_pid=""
  cat "$pulumi_bg_dir/err" >&2
  wait "$prefetch_pid" 2>/dev/null || true
  prefetch_pid=""
  cat "$pulumi_bg_dir/prefetch" >&2
  [ "$pulumi_ok" -eq 0 ] || { echo "toolchain/ensure-pulumi.sh failed (its log is above)" >&2; exit 1; }
  timings+=("$(printf '%5ss  %s' "$(cat "$pulumi_bg_dir/seconds")" "(background) toolchain/ensure-pulumi.sh, from its start to its end")")
  toolbin="$(tail -n 1 "$pulumi_bg_dir/out")"
  rm -rf "$pulumi_bg_dir"
  export PATH="$toolbin:$PATH"
  pulumi version
  if want swarm; then
    # The swarm tier runs beside the e2e tier: both mostly wait (containers starting, health
    # checks, retries: about 85 % of the cores idle in the e2e tier here), on engines of their
    # own (its nodes live in namespaces of their own). It takes the images from tars written now,
    # since the e2e tier restarts the host's engine, and toolchain/docker-engine.sh stops only
    # the host's engine (by its pid file), never the nodes'.
    step "swarm: the images the nodes load, saved to $SWARM_IMAGES_DIR"
    # shellcheck disable=SC2046 # one image per word
    bash tests/swarm/harness.sh save $(bash toolchain/images/build-all.sh --list)
    step "swarm: fleet.mode swarm on a 3-node swarm of the built engine (tests/swarm/harness.sh): started in the background"
    swarm_log="$(mktemp)"
    swarm_t0=$SECONDS
    (
      code=0
      npm run --silent test:swarm >"$swarm_log" 2>&1 || code=$?
      echo "$((SECONDS - swarm_t0))" >"$swarm_log.seconds"
      exit "$code"
    ) &
    swarm_pid=$!
  fi
  step "e2e: pulumi preview / up / refresh / destroy on a throwaway stack"
  e2e_log="$(mktemp)"
  e2e_ok=0
  npm run --silent test:e2e 2>&1 | tee "$e2e_log" || e2e_ok=$?
fi

if want swarm; then
  # Needs what the e2e tier provides: the engine build, the Pulumi toolchain on PATH, the images.
  want e2e || { echo "the swarm tier needs the e2e tier's toolchain and images (SCAIBU_TIERS=\"e2e swarm\")" >&2; exit 1; }
  step "swarm: waiting for the tier beside the e2e tier; its output:"
  swarm_ok=0
  wait "$swarm_pid" || swarm_ok=$?
  swarm_pid=""
  cat "$swarm_log"
  timings+=("$(printf '%5ss  %s' "$(cat "$swarm_log.seconds" 2>/dev/null || echo '?')" "(beside e2e) swarm: fleet.mode swarm on a 3-node swarm, from its start to its end")")
  [ "$swarm_ok" -eq 0 ] || { echo "the swarm tier failed (its output is above)" >&2; exit 1; }
fi
if want e2e; then
  [ "$e2e_ok" -eq 0 ] || { echo "the e2e tier failed (its output is above)" >&2; exit 1; }
fi

echo "all requested tiers passed in $((SECONDS - start))s"
