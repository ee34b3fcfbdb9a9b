/**
 * Alerts on the disk budget, from the disk meter (configs/disk-meter.ts): a volume nearing its
 * share of `storage.budgetGb`, one over it, and a meter that stopped measuring. For Loki and
 * Jaeger these alerts are the bound (neither has a size limit upstream); for Prometheus and the
 * collector's queue they say the enforced limit is close (configs/disk-budget.ts).
 */
import { BUDGET_METRIC, DISK_METER_JOB, LAST_RUN_METRIC, USED_METRIC } from "./disk-meter";
import { capFor, PROMETHEUS_RULES_DIR, type RulesFile } from "./prometheus-rules";
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";

export const DISK_RULES_PATH = `${PROMETHEUS_RULES_DIR}/disk-alerts.yml`;

const FIX =
  "Shorten that backend's retention (prometheus.retention, loki.retentionHours, jaeger.retentionHours), or raise storage.budgetGb or its storage.shares entry.";

/** The rules file; `intervalSeconds` is the meter's (a stale meter is one that missed three). */
export function diskRules(intervalSeconds: number): RulesFile {
  const fill = `${USED_METRIC} / on (volume, service) ${BUDGET_METRIC}`;
  return {
    groups: [
      {
        name: "scaibu-disk-budget",
        rules: [
          {
            alert: "VolumeNearBudget",
            expr: `${fill} > 0.8`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Volume {{ $labels.volume }} is over 80% of its disk budget",
              description: `{{ $labels.volume }} ({{ $labels.service }}) holds {{ $value | humanizePercentage }} of its share of storage.budgetGb. ${FIX}`,
            },
          },
          {
            alert: "VolumeOverBudget",
            expr: `${fill} > 0.95`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
              summary: "Volume {{ $labels.volume }} is at its disk budget",
              description: `{{ $labels.volume }} ({{ $labels.service }}) holds {{ $value | humanizePercentage }} of its share of storage.budgetGb; the host's disk is next. ${FIX}`,
            },
          },
          {
            alert: "DiskMeterStale",
            expr: `time() - max(${LAST_RUN_METRIC}{job="${DISK_METER_JOB}"}) > ${intervalSeconds * 3}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
              summary: "The disk meter has not measured the volumes lately",
              description:
                "The last measurement of the data volumes is {{ $value | humanizeDuration }} old: the budget alerts are blind. See `docker logs` of the disk-usage container.",
            },
          },
        ],
      },
    ],
  };
}

/** The rules file, every `for` capped at `maxFor` when given (`alerting.maxFor`). */
export function diskRulesFile(intervalSeconds: number, maxFor?: string): ConfigFile {
  return { path: DISK_RULES_PATH, content: toYaml(capFor(diskRules(intervalSeconds), maxFor)) };
}
