/**
 * The two provisioned dashboards. PromQL uses the names the collector writes through
 * prometheus_remote_write (resource/span attributes with dots become underscores).
 */
import { SPANMETRICS_CALLS_METRIC as CALLS, SPANMETRICS_DURATION_BUCKET_METRIC as DURATION } from "../otel-collector";
import { dashboard, Layout, promTarget, promVariable, type Dashboard } from "./dashboard";

export const REQUEST_DASHBOARD_UID = "scaibu-requests";
export const STACK_HEALTH_DASHBOARD_UID = "scaibu-stack-health";

const SEL = 'service_name=~"$service", span_kind=~"$span_kind"';
const RATE = "$__rate_interval";

/** Share of error spans among all spans, grouped by `by`, over the spans matching `extra`. */
function errorRatio(by: string, extra = ""): string {
  const sel = `${SEL}${extra}`;
  return `sum by (${by}) (rate(${CALLS}{${sel}, status_code="STATUS_CODE_ERROR"}[${RATE}])) / sum by (${by}) (rate(${CALLS}{${sel}}[${RATE}]))`;
}

function quantile(q: number, by: string): string {
  return `histogram_quantile(${q}, sum by (le, ${by}) (rate(${DURATION}{${SEL}}[${RATE}])))`;
}

/** "Request rates & latencies": RED metrics from the collector's spanmetrics connector. */
export function requestDashboard(): Dashboard {
  const panels = new Layout()
    .row("Per service")
    .panel({
      title: "Request rate",
      description: "Spans per second per service (spanmetrics calls counter).",
      unit: "reqps",
      targets: [
        {
          ...promTarget("A", `sum by (service_name) (rate(${CALLS}{${SEL}}[${RATE}]))`, "{{service_name}}"),
          exemplar: true,
        },
      ],
    })
    .panel({
      title: "Error rate",
      description: "Share of spans with status Error, per service.",
      unit: "percentunit",
      min: 0,
      max: 1,
      targets: [promTarget("A", errorRatio("service_name"), "{{service_name}}")],
    })
    .panel({
      title: "Latency p50 / p95 / p99",
      description: "Span duration quantiles per service, from the duration histogram.",
      unit: "ms",
      width: 24,
      targets: [
        promTarget("A", quantile(0.5, "service_name"), "p50 {{service_name}}"),
        promTarget("B", quantile(0.95, "service_name"), "p95 {{service_name}}"),
        promTarget("C", quantile(0.99, "service_name"), "p99 {{service_name}}"),
      ],
    })
    .row("Per route")
    .panel({
      title: "Request rate by route",
      description: "Requests per second per service and HTTP route.",
      unit: "reqps",
      targets: [
        promTarget(
          "A",
          `sum by (service_name, http_route) (rate(${CALLS}{${SEL}, http_route!=""}[${RATE}]))`,
          "{{service_name}} {{http_route}}",
        ),
      ],
    })
    .panel({
      title: "Error rate by route",
      description: "Share of error spans per service and HTTP route.",
      unit: "percentunit",
      min: 0,
      max: 1,
      targets: [
        promTarget("A", errorRatio("service_name, http_route", ', http_route!=""'), "{{service_name}} {{http_route}}"),
      ],
    })
    .panel({
      title: "p50 by route",
      description: "Median duration per service and route.",
      unit: "ms",
      width: 8,
      targets: [promTarget("A", quantile(0.5, "service_name, http_route"), "{{service_name}} {{http_route}}")],
    })
    .panel({
      title: "p95 by route",
      description: "95th percentile duration per service and route.",
      unit: "ms",
      width: 8,
      targets: [promTarget("A", quantile(0.95, "service_name, http_route"), "{{service_name}} {{http_route}}")],
    })
    .panel({
      title: "p99 by route",
      description: "99th percentile duration per service and route.",
      unit: "ms",
      width: 8,
      targets: [promTarget("A", quantile(0.99, "service_name, http_route"), "{{service_name}} {{http_route}}")],
    })
    .panel({
      title: "Responses by HTTP status",
      description:
        "Requests per second per service and HTTP status code (old and current semantic-convention attribute).",
      unit: "reqps",
      width: 24,
      targets: [
        promTarget(
          "A",
          `sum by (service_name, http_response_status_code) (rate(${CALLS}{${SEL}, http_response_status_code!=""}[${RATE}]))`,
          "{{service_name}} {{http_response_status_code}}",
        ),
        promTarget(
          "B",
          `sum by (service_name, http_status_code) (rate(${CALLS}{${SEL}, http_status_code!=""}[${RATE}]))`,
          "{{service_name}} {{http_status_code}}",
        ),
      ],
    })
    .build();
  return dashboard({
    uid: REQUEST_DASHBOARD_UID,
    title: "Request rates & latencies",
    description: "RED metrics (rate, errors, duration) derived from traces by the collector's spanmetrics connector.",
    tags: ["scaibu", "traces", "red"],
    time: { from: "now-1h", to: "now" },
    variables: [
      promVariable("service", "Service", `label_values(${CALLS}, service_name)`),
      promVariable("span_kind", "Span kind", `label_values(${CALLS}, span_kind)`),
    ],
    panels,
  });
}

const SIGNALS = [
  ["spans", "spans"],
  ["metric_points", "metric points"],
  ["log_records", "log records"],
] as const;

/**
 * One target per signal: `rate()` drops the metric name, so signals are summed separately.
 * Collector counters come with or without `_total` depending on the release (0.165: without).
 */
function perSignal(metric: (signal: string) => string, by: string, legend: string) {
  return SIGNALS.map(([s, label], i) =>
    promTarget(
      String.fromCharCode(65 + i),
      `sum by (${by}) (rate({__name__=~"${metric(s)}(_total)?"}[${RATE}]))`,
      `${label} ${legend}`,
    ),
  );
}

/** "Stack health": is every component up, ingesting, and not dropping data. */
export function stackHealthDashboard(): Dashboard {
  const panels = new Layout()
    .row("Targets")
    .panel({
      title: "Scrape targets up",
      description: "1 = the last scrape of the target succeeded.",
      type: "stat",
      unit: "none",
      width: 24,
      height: 5,
      thresholds: [
        { color: "red", value: null },
        { color: "green", value: 1 },
      ],
      mappings: { "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } },
      targets: [promTarget("A", "max by (job, instance) (up)", "{{job}} {{instance}}")],
    })
    .row("OpenTelemetry Collector")
    .panel({
      title: "Accepted by receivers",
      description:
        "Items per second accepted by the collector's receivers (job otel-collector; Jaeger's own receivers under job jaeger).",
      unit: "short",
      targets: perSignal((s) => `otelcol_receiver_accepted_${s}`, "job, receiver", "{{job}}/{{receiver}}"),
    })
    .panel({
      title: "Sent by exporters",
      description: "Items per second successfully sent to Loki, Prometheus and Jaeger.",
      unit: "short",
      targets: perSignal((s) => `otelcol_exporter_sent_${s}`, "job, exporter", "{{job}}/{{exporter}}"),
    })
    .panel({
      title: "Export failures",
      description: "Items per second the exporters failed to send (backend down or rejecting).",
      unit: "short",
      targets: perSignal((s) => `otelcol_exporter_send_failed_${s}`, "job, exporter", "{{job}}/{{exporter}}"),
    })
    .panel({
      title: "Refused / dropped",
      description:
        "Refused by receivers (memory_limiter back-pressure) and dropped because an exporter queue was full.",
      unit: "short",
      targets: [
        ...perSignal((s) => `otelcol_receiver_refused_${s}`, "job, receiver", "refused {{job}}/{{receiver}}"),
        ...perSignal(
          (s) => `otelcol_exporter_enqueue_failed_${s}`,
          "job, exporter",
          "queue full {{job}}/{{exporter}}",
        ).map((t, i) => ({
          ...t,
          refId: String.fromCharCode(68 + i),
        })),
      ],
    })
    .panel({
      title: "Exporter queue usage",
      description: "Sending queue size relative to its capacity.",
      unit: "percentunit",
      min: 0,
      max: 1,
      targets: [
        promTarget(
          "A",
          "max by (job, exporter) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)",
          "{{job}}/{{exporter}}",
        ),
      ],
    })
    .panel({
      title: "Collector memory",
      description: "Heap in use by the collector processes (the memory_limiter acts on this).",
      unit: "bytes",
      targets: [promTarget("A", "max by (job) (otelcol_process_runtime_heap_alloc_bytes)", "{{job}}")],
    })
    .row("Loki")
    .panel({
      title: "Loki ingestion",
      description: "Log lines per second received by the distributor.",
      unit: "short",
      targets: [promTarget("A", `sum(rate(loki_distributor_lines_received_total[${RATE}]))`, "lines/s")],
    })
    .panel({
      title: "Loki ingested bytes",
      description: "Bytes per second received by the distributor.",
      unit: "Bps",
      targets: [promTarget("A", `sum(rate(loki_distributor_bytes_received_total[${RATE}]))`, "bytes/s")],
    })
    .panel({
      title: "Loki discarded lines",
      description: "Log lines Loki refused, by reason (rate_limited, line_too_long, ...).",
      unit: "short",
      targets: [promTarget("A", `sum by (reason) (rate(loki_discarded_samples_total[${RATE}]))`, "{{reason}}")],
    })
    .panel({
      title: "Loki 5xx by route",
      description: "Server errors per second per Loki HTTP route.",
      unit: "reqps",
      targets: [
        promTarget(
          "A",
          `sum by (route) (rate(loki_request_duration_seconds_count{status_code=~"5.."}[${RATE}]))`,
          "{{route}}",
        ),
      ],
    })
    .row("Prometheus")
    .panel({
      title: "Samples appended",
      description: "Samples per second written to the TSDB head (scrapes + remote write + OTLP).",
      unit: "short",
      targets: [promTarget("A", `sum(rate(prometheus_tsdb_head_samples_appended_total[${RATE}]))`, "samples/s")],
    })
    .panel({
      title: "Remote write / OTLP requests",
      description: "Push requests received by Prometheus, by handler and status code.",
      unit: "reqps",
      targets: [
        promTarget(
          "A",
          `sum by (handler, code) (rate(prometheus_http_requests_total{handler=~"/api/v1/write|/api/v1/otlp/v1/metrics"}[${RATE}]))`,
          "{{handler}} {{code}}",
        ),
      ],
    })
    .panel({
      title: "Rejected samples",
      description: "Samples dropped by the TSDB as out of order / too old, and failed rule evaluations.",
      unit: "short",
      targets: [
        promTarget("A", `sum(rate(prometheus_tsdb_out_of_order_samples_total[${RATE}]))`, "out of order"),
        promTarget("B", `sum(rate(prometheus_tsdb_too_old_samples_total[${RATE}]))`, "too old"),
        promTarget("C", `sum(rate(prometheus_rule_evaluation_failures_total[${RATE}]))`, "rule evaluation failures"),
      ],
    })
    .panel({
      title: "TSDB size",
      description: "Bytes used by persisted TSDB blocks (alert PrometheusTsdbFillingUp predicts its growth).",
      unit: "bytes",
      targets: [promTarget("A", "max(prometheus_tsdb_storage_blocks_bytes)", "blocks")],
    })
    .build();
  return dashboard({
    uid: STACK_HEALTH_DASHBOARD_UID,
    title: "Stack health",
    description:
      "Health of the observability stack itself: targets up, ingestion rates, errors, dropped and refused data.",
    tags: ["scaibu", "health"],
    panels,
  });
}
