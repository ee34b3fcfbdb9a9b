import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  OTEL_CONFIG_PATH,
  OTEL_STACK_CA_PATH,
  OTEL_STACK_CLIENT_CREDENTIALS_PATH,
  SPANMETRICS_BUCKETS_MS,
  otelCollectorCommand,
  otelCollectorFiles,
  hostMetricsSettings,
  resourceAttributesSettings,
  type OtelCollectorInput,
} from "./otel-collector";
import { hostsFor } from "./catalog";
import { otelLogsConfigArg } from "./otel-logs";
import { fileAt, parseYaml } from "../tests/support/config-files";

const base: OtelCollectorInput = {
  hosts: hostsFor("scaibu"),
  dockerLogs: true,
  stackName: "scaibu-observability/dev",
  resourceAttributes: { "deployment.environment": "dev", "service.namespace": "scaibu" },
  tokenOnRouted: true,
  tokenOnHost: false,
  persistentQueue: true,
  queueBatches: 5000,
  memoryLimitMib: 400,
  hostMetrics: hostMetricsSettings.parse({}),
  dockerEndpoint: "tcp://scaibu.socket-proxy:2375",
  stackLabelKey: "io.scaibu.stack",
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const doc = (input: OtelCollectorInput): Doc => parseYaml(fileAt(otelCollectorFiles(input), OTEL_CONFIG_PATH).content);

describe("otel collector config", () => {
  it("writes one file at the contrib image's config path and points the command at it", () => {
    assert.deepEqual(
      otelCollectorFiles(base).map((f) => f.path),
      ["/etc/otelcol-contrib/config.yaml"],
    );
    assert.deepEqual(otelCollectorCommand(), ["--config=/etc/otelcol-contrib/config.yaml"]);
  });

  it("receives OTLP on all interfaces, gRPC 4317 and HTTP 4318", () => {
    const c = doc(base);
    assert.equal(c.receivers.otlp.protocols.grpc.endpoint, "0.0.0.0:4317");
    assert.equal(c.receivers.otlp.protocols.http.endpoint, "0.0.0.0:4318");
  });

  it("takes Docker's logs from the log agent on an in-network receiver, only when dockerLogs is on", () => {
    const c = doc(base);
    assert.equal(c.receivers.file_log, undefined, "the collector itself never reads the host's logs");
    assert.deepEqual(c.receivers["otlp/agents"], { protocols: { grpc: { endpoint: "0.0.0.0:4321" } } });
    assert.deepEqual(c.service.pipelines.logs.receivers, ["otlp", "otlp/routed", "otlp/agents"]);
    const off = doc({ ...base, dockerLogs: false });
    assert.equal(off.receivers["otlp/agents"], undefined);
    assert.deepEqual(off.service.pipelines.logs.receivers, ["otlp", "otlp/routed"]);
  });

  it("the log agent tails Docker json logs with the container parser and sends them to the collector", () => {
    const c = parseYaml<Doc>(
      otelLogsConfigArg({ collectorHost: "scaibu.otel", memoryMb: 128 }).replace(/^--config=yaml:/, ""),
    );
    const fl = c.receivers.file_log;
    assert.deepEqual(fl.include, ["/var/lib/docker/containers/*/*-json.log"]);
    assert.equal(fl.start_at, "end");
    assert.equal(fl.include_file_path, true);
    assert.equal(fl.operators[0].type, "container");
    assert.equal(fl.operators[0].format, "docker");
    assert.equal(fl.operators[0].add_metadata_from_filepath, false);
    assert.ok(fl.operators.some((o: Doc) => o.to === 'resource["container.id"]'));
    assert.ok(fl.operators.some((o: Doc) => o.to === 'resource["container.name"]'));
    assert.deepEqual(c.service.pipelines.logs, {
      receivers: ["file_log"],
      processors: ["memory_limiter", "resource/docker", "batch"],
      exporters: ["otlp_grpc/collector"],
    });
    assert.equal(c.exporters["otlp_grpc/collector"].endpoint, "scaibu.otel:4321");
    assert.equal(c.processors.memory_limiter.limit_mib, 102, "80 % of its 128 MiB");
    assert.deepEqual(
      Object.keys(c).sort(),
      ["exporters", "processors", "receivers", "service"],
      "no extension, no listener but its metrics",
    );
  });

  it("limits memory, batches 10s/1024 and stamps resource attributes plus the stack marker", () => {
    const c = doc(base);
    assert.equal(c.processors.memory_limiter.limit_mib, 400);
    assert.ok(c.processors.memory_limiter.spike_limit_mib > 0 && c.processors.memory_limiter.spike_limit_mib < 400);
    assert.equal(c.processors.memory_limiter.check_interval, "1s");
    assert.deepEqual(doc({ ...base, memoryLimitMib: 64 }).processors.memory_limiter, {
      check_interval: "1s",
      limit_mib: 64,
      spike_limit_mib: 12,
    });
    assert.equal(c.processors.batch.timeout, "10s");
    assert.equal(c.processors.batch.send_batch_size, 1024);
    assert.deepEqual(c.processors.resource.attributes, [
      { key: "deployment.environment", value: "dev", action: "insert" },
      { key: "service.namespace", value: "scaibu", action: "insert" },
      { key: "scaibu.stack", value: "scaibu-observability/dev", action: "upsert" },
    ]);
    for (const [name, p] of Object.entries(c.service.pipelines) as [string, Doc][]) {
      assert.equal(p.processors[0], "memory_limiter", `${name}: memory_limiter first`);
      assert.equal(p.processors.at(-1), "batch", `${name}: batch last`);
    }
  });

  it("exports every signal over OTLP: logs to Loki's /otlp, metrics to Prometheus's OTLP receiver, traces to Jaeger", () => {
    const c = doc(base);
    assert.deepEqual(Object.keys(c.exporters).sort(), ["otlp_grpc/jaeger", "otlp_http/loki", "otlp_http/prometheus"]);
    assert.equal(c.exporters["otlp_http/loki"].endpoint, "http://scaibu.loki:3100/otlp");
    // otlp_http appends /v1/metrics: POST /api/v1/otlp/v1/metrics (Prometheus web/api/v1/api.go).
    assert.equal(c.exporters["otlp_http/prometheus"].endpoint, "http://scaibu.prometheus:9090/api/v1/otlp");
    assert.equal(c.exporters["otlp_grpc/jaeger"].endpoint, "scaibu.jaeger:4317");
    assert.equal(c.exporters["otlp_grpc/jaeger"].tls.insecure, true);
    assert.deepEqual(c.service.pipelines.logs.exporters, ["otlp_http/loki"]);
    assert.deepEqual(c.service.pipelines.metrics.exporters, ["otlp_http/prometheus"]);
    assert.deepEqual(c.service.pipelines.traces.exporters, ["otlp_grpc/jaeger", "span_metrics"]);
  });

  it("derives RED metrics with span_metrics feeding the metrics pipeline", () => {
    const c = doc(base);
    const sm = c.connectors.span_metrics;
    assert.equal(sm.namespace, "traces.span.metrics");
    assert.equal(sm.histogram.unit, "ms");
    assert.deepEqual(
      sm.histogram.explicit.buckets,
      SPANMETRICS_BUCKETS_MS.map((b) => `${b}ms`),
    );
    const dims = sm.dimensions.map((d: Doc) => d.name);
    for (const d of ["http.route", "http.request.method", "http.response.status_code"]) assert.ok(dims.includes(d), d);
    assert.ok(c.service.pipelines.metrics.receivers.includes("span_metrics"));
  });

  it("serves health on 13133 and its own metrics on 0.0.0.0:8888 (pull reader)", () => {
    const c = doc(base);
    assert.equal(c.extensions.health_check.endpoint, "0.0.0.0:13133");
    assert.deepEqual(c.service.extensions, ["health_check", "bearertokenauth/otlp", "file_storage/queue"]);
    assert.deepEqual(c.service.telemetry.metrics.readers, [
      { pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } },
    ]);
  });

  it("uses only component names current in 0.161 (no deprecated aliases)", () => {
    const text = fileAt(otelCollectorFiles(base), OTEL_CONFIG_PATH).content;
    // The deprecated exporter type `otlp` (now otlp_grpc); the receiver type is still `otlp`.
    assert.ok(Object.keys(doc(base).exporters).every((e) => !/^otlp(\/|$)/.test(e)));
    for (const old of [
      /\botlphttp\b/,
      /prometheusremotewrite/,
      /\bfilelog\b/,
      /\bspanmetrics\b/,
      /\bhostmetrics\b/,
      /^\s+loki:/m,
    ]) {
      assert.doesNotMatch(text, old);
    }
  });

  it("asks for the bearer token on the routed receiver, and on the host ports only when told", () => {
    const c = doc(base);
    assert.deepEqual(c.extensions["bearertokenauth/otlp"], { filename: "/etc/otelcol-contrib/otlp-token" });
    assert.deepEqual(c.receivers["otlp/routed"].protocols.http, {
      endpoint: "0.0.0.0:4319",
      auth: { authenticator: "bearertokenauth/otlp" },
    });
    assert.equal(c.receivers.otlp.protocols.http.auth, undefined);
    assert.equal(c.receivers.otlp.protocols.grpc.auth, undefined);
    const strict = doc({ ...base, tokenOnHost: true });
    assert.deepEqual(strict.receivers.otlp.protocols.grpc.auth, { authenticator: "bearertokenauth/otlp" });
    assert.deepEqual(strict.receivers.otlp.protocols.http.auth, { authenticator: "bearertokenauth/otlp" });
    const open = doc({ ...base, tokenOnRouted: false });
    assert.equal(open.receivers["otlp/routed"].protocols.http.auth, undefined);
    assert.equal(open.extensions["bearertokenauth/otlp"], undefined);
    for (const p of Object.values(c.service.pipelines) as { receivers: string[] }[]) {
      if (p.receivers.includes("otlp")) assert.ok(p.receivers.includes("otlp/routed"));
    }
  });

  it("sends the stack client's login to Prometheus, from a file, only when Prometheus asks for it", () => {
    const c = doc({ ...base, prometheusAuth: true });
    // bearertokenauth as a client sends `Authorization: <scheme> <file>` (v0.161.0 bearertokenauth.go).
    assert.deepEqual(c.extensions["bearertokenauth/stack_client"], {
      scheme: "Basic",
      filename: OTEL_STACK_CLIENT_CREDENTIALS_PATH,
    });
    assert.deepEqual(c.exporters["otlp_http/prometheus"].auth, { authenticator: "bearertokenauth/stack_client" });
    assert.ok(c.service.extensions.includes("bearertokenauth/stack_client"));
    // Only that exporter: Loki and Jaeger do not ask for the login here.
    assert.equal(c.exporters["otlp_http/loki"].auth, undefined);
    assert.equal(c.exporters["otlp_grpc/jaeger"].auth, undefined);
    assert.deepEqual(c.exporters["otlp_grpc/jaeger"].tls, { insecure: true });
    const open = doc(base);
    assert.equal(open.extensions["bearertokenauth/stack_client"], undefined);
    assert.equal(open.exporters["otlp_http/prometheus"].auth, undefined);
    assert.ok(!open.service.extensions.includes("bearertokenauth/stack_client"));
  });

  it("sends the same login to Jaeger over TLS checked against the stack's CA, when Jaeger asks for it", () => {
    const c = doc({ ...base, jaegerAuth: true });
    const jaeger = c.exporters["otlp_grpc/jaeger"];
    // gRPC per-RPC credentials need a secure transport: no `insecure` next to the login.
    assert.deepEqual(jaeger.tls, { ca_file: OTEL_STACK_CA_PATH });
    assert.deepEqual(jaeger.auth, { authenticator: "bearertokenauth/stack_client" });
    // The certificate is issued for the name the exporter dials.
    assert.equal(jaeger.endpoint, `${base.hosts.jaeger}:4317`);
    assert.ok(c.service.extensions.includes("bearertokenauth/stack_client"));
    assert.equal(c.exporters["otlp_http/prometheus"].auth, undefined);
    // The queue is the same exporter's: its name, and with it its on-disk queue, is unchanged.
    assert.equal(jaeger.sending_queue.storage, "file_storage/queue");
  });

  it("queues each OTLP exporter on disk with bounded retries", () => {
    const c = doc(base);
    assert.equal(c.extensions["file_storage/queue"].directory, "/var/lib/otelcol/queue");
    for (const e of ["otlp_grpc/jaeger", "otlp_http/loki", "otlp_http/prometheus"]) {
      assert.deepEqual(c.exporters[e].sending_queue, {
        enabled: true,
        queue_size: 5000,
        storage: "file_storage/queue",
      });
      assert.equal(c.exporters[e].retry_on_failure.max_elapsed_time, "6h");
    }
    const memory = doc({ ...base, persistentQueue: false });
    assert.equal(memory.exporters["otlp_grpc/jaeger"].sending_queue.storage, undefined);
    assert.ok(!memory.service.extensions.includes("file_storage/queue"));
  });

  it("reads host and container metrics by default, into their own pipeline to Prometheus", () => {
    const c = doc(base);
    assert.equal(c.receivers.host_metrics.root_path, "/hostfs");
    assert.equal(c.receivers.host_metrics.collection_interval, "30s");
    assert.deepEqual(Object.keys(c.receivers.host_metrics.scrapers), [
      "cpu",
      "memory",
      "load",
      "filesystem",
      "disk",
      "paging",
      "processes",
    ]);
    const ds = c.receivers.docker_stats;
    assert.equal(ds.endpoint, "tcp://scaibu.socket-proxy:2375");
    assert.equal(ds.api_version, "1.44");
    assert.deepEqual(ds.container_labels_to_metric_labels, { "io.scaibu.stack": "container.label.io.scaibu.stack" });
    assert.equal(ds.metrics["container.restarts"].enabled, true);
    assert.deepEqual(c.service.pipelines["metrics/host"], {
      receivers: ["host_metrics", "docker_stats"],
      processors: ["memory_limiter", "resource", "batch"],
      exporters: ["otlp_http/prometheus"],
    });
  });

  it("leaves out each receiver that is switched off, and the pipeline when both are", () => {
    const only = (enabled: boolean, containers: boolean) =>
      doc({ ...base, hostMetrics: { enabled, containers, intervalSeconds: 60 } });
    const hostOnly = only(true, false);
    assert.equal(hostOnly.receivers.docker_stats, undefined);
    assert.equal(hostOnly.receivers.host_metrics.collection_interval, "60s");
    assert.deepEqual(hostOnly.service.pipelines["metrics/host"].receivers, ["host_metrics"]);
    assert.deepEqual(only(false, true).service.pipelines["metrics/host"].receivers, ["docker_stats"]);
    const none = only(false, false);
    assert.equal(none.receivers.host_metrics, undefined);
    assert.equal(none.service.pipelines["metrics/host"], undefined);
  });

  it("rejects an interval outside 10-3600 s, naming it", () => {
    for (const intervalSeconds of [5, 3601, 1.5]) {
      const r = hostMetricsSettings.safeParse({ intervalSeconds });
      assert.equal(r.success, false, String(intervalSeconds));
      assert.deepEqual(r.error?.issues[0]?.path, ["intervalSeconds"]);
    }
  });

  it("is deterministic, whatever the order of the attribute keys", () => {
    const a = otelCollectorFiles(base);
    const b = otelCollectorFiles({
      ...base,
      resourceAttributes: { "service.namespace": "scaibu", "deployment.environment": "dev" },
    });
    assert.deepEqual(a, b);
    assert.deepEqual(otelCollectorFiles(base), a);
  });

  it("accepts only valid attribute keys, never the stack's own marker", () => {
    assert.equal(resourceAttributesSettings.safeParse({ "a b": "x" }).success, false);
    const marker = resourceAttributesSettings.safeParse({ "scaibu.stack": "x" });
    assert.equal(marker.success, false);
    assert.deepEqual(marker.error?.issues[0]?.path, ["scaibu.stack"]);
  });
});
