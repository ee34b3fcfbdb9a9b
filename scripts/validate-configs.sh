#!/usr/bin/env bash
# Validate the generated service configs with the real programs, where this
# machine has them. Renders what the program deploys (renderAll, two variants:
# defaults, and docker logs off + in-memory Jaeger) into a temp tree laid out
# as in the containers, then:
#   otel collector: `otelcol-contrib validate` in scaibu-e2e/otel-collector:local
#                   (or $OTELCOL, a local binary), with and without docker logs
#   jaeger v2:      `jaeger validate` in scaibu-e2e/jaeger:local (or $JAEGER),
#                   for badger and memory storage
#   prometheus:     `promtool check config` + `check rules` in
#                   scaibu-e2e/prometheus:local (/bin/promtool), or $PROMTOOL
#   loki, grafana:  NOT validated: the local images are placeholders (AGPL
#                   programs are not built here) - reported as such.
# A validator that is missing is reported as SKIPPED (exit code unaffected) unless
# SCAIBU_REQUIRE_VALIDATORS=1, which makes it a failure;
# a validator that runs and rejects a config fails the script (exit 1).
# Usage: scripts/validate-configs.sh [--keep]   (--keep: leave the temp tree)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
OUT="$(mktemp -d "${TMPDIR:-/tmp}/scaibu-validate.XXXXXX")"
[ "$KEEP" = 1 ] || trap 'rm -rf "$OUT"' EXIT
chmod 755 "$OUT"

# Render exactly what the program deploys (components/render.ts renderAll), per variant.
node --import tsx scripts/render-configs.ts "$OUT"
find "$OUT" -type d -exec chmod 755 {} +

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

# OpenTelemetry Collector. host_metrics' validation stats its root_path (/hostfs, the host's / in
# the stack): an empty directory stands for it.
mkdir -p "$OUT/hostfs"
for v in default plain; do
  if image_exists scaibu-e2e/otel-collector:local; then
    check "collector validate ($v, scaibu-e2e/otel-collector:local)" -- docker run --rm --network none \
      -v "$OUT/$v/otelCollector/etc/otelcol-contrib:/etc/otelcol-contrib:ro" -v "$OUT/hostfs:/hostfs:ro" \
      scaibu-e2e/otel-collector:local \
      validate --config=/etc/otelcol-contrib/config.yaml
  elif [ -n "${OTELCOL:-}" ]; then
    check "collector validate ($v, $OTELCOL)" -- "$OTELCOL" validate --config="$OUT/$v/otelCollector/etc/otelcol-contrib/config.yaml"
  else
    missing "collector ($v): no scaibu-e2e/otel-collector:local image and no \$OTELCOL"
  fi
done

# Jaeger v2
for v in default plain; do
  if image_exists scaibu-e2e/jaeger:local; then
    check "jaeger validate ($v, scaibu-e2e/jaeger:local)" -- docker run --rm --network none \
      -v "$OUT/$v/jaeger/etc/jaeger:/etc/jaeger:ro" scaibu-e2e/jaeger:local validate --config=/etc/jaeger/config.yaml
  elif [ -n "${JAEGER:-}" ]; then
    check "jaeger validate ($v, $JAEGER)" -- "$JAEGER" validate --config="$OUT/$v/jaeger/etc/jaeger/config.yaml"
  else
    missing "jaeger ($v): no scaibu-e2e/jaeger:local image and no \$JAEGER"
  fi
done

# Prometheus: the config names its rules by in-container path, so validate inside the image
# (same layout) or rewrite the path for a local promtool.
if image_exists scaibu-e2e/prometheus:local; then
  check "promtool check config (scaibu-e2e/prometheus:local)" -- docker run --rm --network none --entrypoint /bin/promtool \
    -v "$OUT/default/prometheus/etc/prometheus:/etc/prometheus:ro" scaibu-e2e/prometheus:local check config /etc/prometheus/prometheus.yml
  check "promtool check rules (scaibu-e2e/prometheus:local)" -- docker run --rm --network none --entrypoint /bin/promtool \
    -v "$OUT/default/prometheus/etc/prometheus:/etc/prometheus:ro" scaibu-e2e/prometheus:local check rules /etc/prometheus/rules/stack-alerts.yml
elif [ -n "${PROMTOOL:-}" ]; then
  sed "s#/etc/prometheus/rules/#$OUT/default/prometheus/etc/prometheus/rules/#" "$OUT/default/prometheus/etc/prometheus/prometheus.yml" >"$OUT/default/prometheus/check.yml"
  check "promtool check config ($PROMTOOL)" -- "$PROMTOOL" check config "$OUT/default/prometheus/check.yml"
  check "promtool check rules ($PROMTOOL)" -- "$PROMTOOL" check rules "$OUT/default/prometheus/etc/prometheus/rules/stack-alerts.yml"
else
  missing "prometheus: no scaibu-e2e/prometheus:local image and no \$PROMTOOL (tests/configs runs promtool anyway)"
fi

report "NOT RUN" "loki: scaibu-e2e/loki:local is a placeholder, not Loki (no -verify-config available here)"
report "NOT RUN" "grafana: scaibu-e2e/grafana:local is a placeholder, not Grafana"
[ "$KEEP" = 1 ] && echo "configs kept in $OUT"
exit "$FAIL"
