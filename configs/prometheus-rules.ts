/**
 * Alert rules for the observability stack itself (its components watching each other).
 * Metric names: collector internal telemetry (`otelcol_*`, also emitted by Jaeger v2, which is a
 * collector), Loki (`loki_*`), Prometheus (`prometheus_*`) and the generic `up`.
 */
import { durationMs } from "./schema";
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";

export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
export const PROMETHEUS_STACK_RULES_PATH = `${PROMETHEUS_RULES_DIR}/stack-alerts.yml`;

export type Severity = "critical" | "warning" | "info";

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity; [label: string]: string };
  annotations: { summary: string; description: string };
}

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (AlertingRule | RecordingRule)[];
}

export interface RulesFile {
  groups: RuleGroup[];
}

export interface PrometheusRulesInput {
  /** Disk the TSDB may use before `PrometheusTsdbFillingUp` fires, in bytes. Default 20 GiB. */
  tsdbDiskBudgetBytes?: number;
}

const GIB = 1024 ** 3;

function alert(a: AlertingRule): AlertingRule {
  return a;
}

export function stackAlertRules(input: PrometheusRulesInput = {}): RulesFile {
  const budget = input.tsdbDiskBudgetBytes ?? 20 * GIB;
  if (!Number.isInteger(budget) || budget <= 0)
    throw new Error(`prometheus-rules: tsdbDiskBudgetBytes must be a positive integer, got ${budget}`);
  // Collector counters are exposed with or without the `_total` suffix depending on the release's
  // Prometheus translation (0.165 exposes them without): match both.
  const signals = "(spans|metric_points|log_records)(_total)?";
  return {
    groups: [
      { name: "scaibu-watchdog", rules: [WATCHDOG] },
      {
        name: "scaibu-targets",
        rules: [
          alert({
            alert: "TargetDown",
            expr: "up == 0",
            for: "3m",
            labels: { severity: "critical" },
            annotations: {
              summary: "Scrape target {{ $labels.job }}/{{ $labels.instance }} is down",
              description:
                "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for 3 minutes.",
            },
          }),
        ],
      },
      {
        name: "scaibu-otel-collector",
        rules: [
          alert({
            alert: "OtelCollectorExportFailures",
            expr: `sum by (job, instance, exporter) (rate({__name__=~"otelcol_exporter_send_failed_${signals}"}[5m])) > 0`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
              summary: "{{ $labels.job }}: exporter {{ $labels.exporter }} is failing to send data",
              description:
                "{{ $labels.exporter }} on {{ $labels.instance }} has failed to send {{ $value | humanize }} items/s for 5 minutes; the backend is down or rejecting data.",
            },
          }),
          alert({
            alert: "OtelCollectorEnqueueFailures",
            expr: `sum by (job, instance, exporter) (rate({__name__=~"otelcol_exporter_enqueue_failed_${signals}"}[5m])) > 0`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
              summary: "{{ $labels.job }}: exporter {{ $labels.exporter }} drops data (sending queue full)",
              description:
                "{{ $labels.exporter }} on {{ $labels.instance }} cannot enqueue {{ $value | humanize }} items/s: its sending queue is full and data is being dropped.",
            },
          }),
          alert({
            alert: "OtelCollectorQueueNearlyFull",
            expr: "max by (job, instance, exporter) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity) > 0.8",
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.job }}: exporter {{ $labels.exporter }} queue above 80%",
              description:
                "The sending queue of {{ $labels.exporter }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} full; data will be dropped when it fills.",
            },
          }),
          alert({
            alert: "OtelCollectorRefusingData",
            expr: `sum by (job, instance, receiver) (rate({__name__=~"otelcol_receiver_refused_${signals}"}[5m])) > 0`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.job }}: receiver {{ $labels.receiver }} refuses data",
              description:
                "{{ $labels.receiver }} on {{ $labels.instance }} refuses {{ $value | humanize }} items/s (memory_limiter back-pressure or invalid data); senders must retry or lose it.",
            },
          }),
          alert({
            alert: "OtelCollectorReceiverFailures",
            expr: `sum by (job, instance, receiver) (rate({__name__=~"otelcol_receiver_failed_${signals}"}[5m])) > 0`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.job }}: receiver {{ $labels.receiver }} fails to accept data",
              description:
                "{{ $labels.receiver }} on {{ $labels.instance }} failed on {{ $value | humanize }} items/s for 5 minutes.",
            },
          }),
        ],
      },
      {
        name: "scaibu-loki",
        rules: [
          alert({
            alert: "LokiRequestErrors",
            expr:
              'sum by (job, route) (rate(loki_request_duration_seconds_count{status_code=~"5.."}[5m]))' +
              " / sum by (job, route) (rate(loki_request_duration_seconds_count[5m])) > 0.05",
            for: "10m",
            labels: { severity: "critical" },
            annotations: {
              summary: "Loki route {{ $labels.route }} answers 5xx",
              description:
                "{{ $value | humanizePercentage }} of Loki requests on {{ $labels.route }} fail with a server error.",
            },
          }),
          alert({
            alert: "LokiDiscardedSamples",
            expr: "sum by (job, reason) (increase(loki_discarded_samples_total[10m])) > 0",
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Loki discards log lines ({{ $labels.reason }})",
              description:
                "Loki discarded {{ $value | humanize }} log lines in 10 minutes, reason {{ $labels.reason }} (e.g. rate_limited: raise limits_config.ingestion_rate_mb).",
            },
          }),
        ],
      },
      {
        name: "scaibu-prometheus",
        rules: [
          alert({
            alert: "PrometheusRuleEvaluationFailures",
            expr: "increase(prometheus_rule_evaluation_failures_total[5m]) > 0",
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Prometheus fails to evaluate rules in {{ $labels.rule_group }}",
              description:
                "{{ $value | humanize }} rule evaluations failed in 5 minutes in group {{ $labels.rule_group }}.",
            },
          }),
          alert({
            alert: "PrometheusRemoteWriteReceiveErrors",
            expr: 'sum by (job, handler) (rate(prometheus_http_requests_total{handler=~"/api/v1/write|/api/v1/otlp/v1/metrics", code=~"5.."}[5m])) > 0',
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
              summary: "Prometheus rejects pushed metrics on {{ $labels.handler }}",
              description:
                "{{ $labels.handler }} answers 5xx ({{ $value | humanize }} req/s): metrics pushed by the collector are being lost.",
            },
          }),
          alert({
            alert: "PrometheusRemoteWriteSendFailures",
            expr: "sum by (job, remote_name, url) (rate(prometheus_remote_storage_samples_failed_total[5m])) > 0",
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Prometheus fails to remote-write to {{ $labels.url }}",
              description:
                "{{ $value | humanize }} samples/s fail to be sent to {{ $labels.remote_name }} (only relevant when remote_write is configured).",
            },
          }),
          alert({
            alert: "PrometheusConfigReloadFailed",
            expr: "max by (job, instance) (prometheus_config_last_reload_successful) == 0",
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Prometheus configuration reload failed",
              description:
                "The last configuration reload of {{ $labels.instance }} failed; it keeps running the previous configuration.",
            },
          }),
          alert({
            alert: "PrometheusTsdbCompactionsFailing",
            expr: "increase(prometheus_tsdb_compactions_failed_total[3h]) > 0",
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Prometheus TSDB compactions are failing",
              description:
                "{{ $value | humanize }} TSDB compactions failed in 3 hours on {{ $labels.instance }} (disk full or corrupted block?).",
            },
          }),
          alert({
            alert: "PrometheusTsdbFillingUp",
            expr: `predict_linear(prometheus_tsdb_storage_blocks_bytes[6h], 4 * 86400) > ${budget}`,
            for: "30m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Prometheus TSDB will exceed its disk budget within 4 days",
              description: `At the current growth the TSDB blocks of {{ $labels.instance }} reach {{ $value | humanize1024 }}B in 4 days, above the budget of ${budget} bytes: shorten retention or grow the volume.`,
            },
          }),
        ],
      },
    ],
  };
}

export function prometheusRulesFiles(input: PrometheusRulesInput = {}, maxFor?: string): ConfigFile[] {
  return [{ path: PROMETHEUS_STACK_RULES_PATH, content: toYaml(capFor(stackAlertRules(input), maxFor)) }];
}

/** Every alert rule's `for`, capped at `maxFor` (`alerting.maxFor`); unchanged without it. */
export function capFor(rules: RulesFile, maxFor?: string): RulesFile {
  if (!maxFor) return rules;
  const cap = durationMs(maxFor);
  return {
    groups: rules.groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => ("alert" in r && durationMs(r.for) > cap ? { ...r, for: maxFor } : r)),
    })),
  };
}

/**
 * The dead-man's switch (as kube-prometheus's Watchdog): always firing. Alertmanager sends it to
 * the heartbeat receiver every `alerting.heartbeat.interval`; when the pings stop, the alerting
 * pipeline (Prometheus, its rules, Alertmanager, the route out) is broken somewhere.
 */
export const WATCHDOG: AlertingRule = {
  alert: "Watchdog",
  expr: "vector(1)",
  for: "0s",
  labels: { severity: "info" },
  annotations: {
    summary: "The alerting pipeline is alive",
    description:
      "Always firing, on purpose: its heartbeat (alerting.heartbeat) stopping means Prometheus, its rules or Alertmanager are down.",
  },
};
