#!/usr/bin/env bash
# Validate the generated service configs with the real programs. Renders what the program
# deploys (configs/render.ts renderAll, two variants: defaults, and docker logs off + in-memory
# Jaeger, and a swarm's gateway and node agent) into a temp tree laid out as in the containers, with a manifest of each service's
# config paths (tests/tools/render-configs.ts), then:
#   otel collector: `otelcol-contrib validate` in scaibu-e2e/otel-collector:local, per variant
#   jaeger v2:      `jaeger validate` in scaibu-e2e/jaeger:local, for badger and memory storage
#   prometheus:     `promtool check config` + `check rules` in scaibu-e2e/prometheus:local
#   socket proxy:   `haproxy -c` of its filter in scaibu-e2e/socket-proxy:local
#   loki, grafana:  NOT RUN: the local images are placeholders (AGPL programs are not built
#                   here); the unit and tools tiers check them against their grammars and schemas.
# A validator that is missing is reported as SKIPPED (exit code unaffected) unless
# SCAIBU_REQUIRE_VALIDATORS=1, which makes it a failure; a validator that runs and rejects a
# config fails the script (exit 1).
# Usage: tests/tools/validate-configs.sh [--keep]   (--keep: leave the temp tree)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
OUT="$(mktemp -d "${TMPDIR:-/tmp}/scaibu-validate.XXXXXX")"
[ "$KEEP" = 1 ] || trap 'rm -rf "$OUT"' EXIT
chmod 755 "$OUT"

node -r @scaibu/observability-loader tests/tools/render-configs.ts "$OUT"
find "$OUT" -type d -exec chmod 755 {} +
# manifest VARIANT SERVICE INDEX: the in-container path of that service's INDEX-th config file.
manifest() { node -e 'const m=require(process.argv[1]);process.stdout.write(m[process.argv[2]][process.argv[3]].files[+process.argv[4]])' "$OUT/manifest.json" "$@"; }

FAIL=0
report() { printf '%-8s %s\n' "$1" "$2"; [ "$1" != FAIL ] || FAIL=1; }
image_exists() { command -v docker >/dev/null && docker image inspect "$1" >/dev/null 2>&1; }

# check NAME -- command...: runs a validator, reports OK/FAIL with its output on failure.
check() {
  local name="$1"; shift; shift
  local log
  if log="$("$@" 2>&1)"; then report OK "$name"; else report FAIL "$name"; printf '%s\n' "$log" | sed 's/^/    /'; fi
}

# A missing validator is SKIPPED locally; with SCAIBU_REQUIRE_VALIDATORS=1 (the test tier,
# after the images are built) it fails the run instead of passing silently.
missing() {
  if [ "${SCAIBU_REQUIRE_VALIDATORS:-0}" = 1 ]; then report FAIL "$1 (validator required)"; else report SKIPPED "$1"; fi
}

# in_image VARIANT SERVICE IMAGE [DOCKER_OPTION...] -- ARGS...: runs IMAGE with ARGS, the
# service's rendered config directory mounted where the container has it (read-only, no network).
in_image() {
  local variant="$1" service="$2" img="$3" cfg opts=()
  shift 3
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  cfg="$(manifest "$variant" "$service" 0)"
  docker run --rm --network none -v "$OUT/$variant/$service$(dirname "$cfg"):$(dirname "$cfg"):ro" "${opts[@]}" "$img" "$@"
}

# OpenTelemetry Collector. host_metrics' validation stats its root_path (/hostfs, the host's / in
# the stack): an empty directory stands for it.
mkdir -p "$OUT/hostfs"
for v in default plain swarm; do
  if image_exists scaibu-e2e/otel-collector:local; then
    cfg="$(manifest "$v" otelCollector 0)"
    check "collector validate ($v)" -- in_image "$v" otelCollector scaibu-e2e/otel-collector:local \
      -v "$OUT/hostfs:/hostfs:ro" -- validate --config="$cfg"
  else
    missing "collector ($v): no scaibu-e2e/otel-collector:local image"
  fi
done

# The log agent: its whole config is its command line (the collector's yaml: provider).
if image_exists scaibu-e2e/otel-collector:local; then
  agent="$(node -e 'process.stdout.write(require(process.argv[1]).default.otelLogs.command[0])' "$OUT/manifest.json")"
  check "log agent validate (default)" -- docker run --rm --network none scaibu-e2e/otel-collector:local validate "$agent"
else
  missing "log agent: no scaibu-e2e/otel-collector:local image"
fi

# A swarm's node agents (configs/fleet.ts): their configs with the node Swarm would fill in.
for a in node-metrics node-logs; do
  if image_exists scaibu-e2e/otel-collector:local; then
    cfg="$(manifest swarm "$a" 0)"
    check "$a agent validate (swarm)" -- in_image swarm "$a" scaibu-e2e/otel-collector:local \
      -v "$OUT/hostfs:/hostfs:ro" -e SCAIBU_NODE_HOSTNAME=node-1 -e SCAIBU_NODE_ID=abc -- validate --config="$cfg"
  else
    missing "$a agent: no scaibu-e2e/otel-collector:local image"
  fi
done

for v in default plain; do
  if image_exists scaibu-e2e/jaeger:local; then
    check "jaeger validate ($v)" -- in_image "$v" jaeger scaibu-e2e/jaeger:local -- validate --config="$(manifest "$v" jaeger 0)"
  else
    missing "jaeger ($v): no scaibu-e2e/jaeger:local image"
  fi
done

# Prometheus: the config names its rules by in-container path, so validate inside the image.
if image_exists scaibu-e2e/prometheus:local; then
  cfg="$(manifest default prometheus 0)"
  check "promtool check config" -- in_image default prometheus scaibu-e2e/prometheus:local --entrypoint /bin/promtool -- \
    check config "$cfg"
  rules="$(node -e 'const m=require(process.argv[1]);console.log(m.default.prometheus.files.filter(f=>f.includes("/rules/")).join(" "))' "$OUT/manifest.json")"
  # shellcheck disable=SC2086 # one argument per rules file
  check "promtool check rules" -- in_image default prometheus scaibu-e2e/prometheus:local --entrypoint /bin/promtool -- \
    check rules $rules
  # A swarm's: the dockerswarm_sd job and the fleet rules beside the others.
  check "promtool check config (swarm)" -- in_image swarm prometheus scaibu-e2e/prometheus:local --entrypoint /bin/promtool -- \
    check config "$(manifest swarm prometheus 0)"
else
  missing "prometheus: no scaibu-e2e/prometheus:local image (the tools tier runs promtool anyway)"
fi

# The socket proxy's filter (configs/socket-proxy.ts): `haproxy -c` of the stand-in's HAProxy 2.6
# (the image runs 3.2; docs/local-images.md), single host and swarm. A warning is a failure too.
for v in default swarm; do
  if image_exists scaibu-e2e/socket-proxy:local; then
    check "haproxy -c socket proxy ($v)" -- in_image "$v" socketProxy scaibu-e2e/socket-proxy:local --entrypoint haproxy -- \
      -c -dW -f "$(manifest "$v" socketProxy 0)"
  else
    missing "socket proxy ($v): no scaibu-e2e/socket-proxy:local image"
  fi
done
# A swarm node's own proxy (configs/socket-proxy.ts nodeProxyConfig): docker_stats' reads alone.
if image_exists scaibu-e2e/socket-proxy:local; then
  check "haproxy -c node proxy (swarm)" -- in_image swarm node-api scaibu-e2e/socket-proxy:local --entrypoint haproxy -- \
    -c -dW -f "$(manifest swarm node-api 0)"
else
  missing "node proxy (swarm): no scaibu-e2e/socket-proxy:local image"
fi

# Alertmanager: amtool check-config in its own image (the credential files it names need not exist).
if image_exists scaibu-e2e/alertmanager:local; then
  check "amtool check-config" -- in_image default alertmanager scaibu-e2e/alertmanager:local --entrypoint /bin/amtool -- \
    check-config "$(manifest default alertmanager 0)"
else
  missing "alertmanager: no scaibu-e2e/alertmanager:local image (the tools tier runs amtool anyway)"
fi

report "NOT RUN" "loki: scaibu-e2e/loki:local is a placeholder, not Loki (no -verify-config available here)"
report "NOT RUN" "grafana: scaibu-e2e/grafana:local is a placeholder, not Grafana"
[ "$KEEP" = 1 ] && echo "configs kept in $OUT"
exit "$FAIL"
