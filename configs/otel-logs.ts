/**
 * The log agent: a second process of the same collector image that only tails Docker's
 * json-file logs and hands them to the collector over OTLP inside the Docker network.
 *
 * Why apart: the logs are root:root 0640 in root:root 0710 directories, and listing them needs
 * CAP_DAC_READ_SEARCH, which Docker grants only to uid 0 (it sets no ambient capabilities, so a
 * non-root user gets none of those it adds). The collector faces untrusted OTLP from the network
 * and runs as a user of its own with nothing; the agent listens on no port, mounts only the log
 * directory (read-only), has a read-only root filesystem (its config is on its command line, the
 * collector's `yaml:` config provider: nothing is uploaded), and keeps that one capability.
 * configs/privileges.ts has both rows.
 */
import { CATALOG, type Hosts } from "./catalog";
import { DOCKER_LOG_NAME_LABEL, OTEL_DOCKER_LOGS_DIR, type AttributeAction } from "./otel-collector";
import type { HealthcheckSpec } from "./types";
import { toYaml } from "./yaml";

/** Its container name part: `<domain>.otel-logs`. */
export const OTEL_LOGS_HOST = "otel-logs";
/** Its own telemetry (scraped by Prometheus, job `otel-logs`). */
export const OTEL_LOGS_METRICS_PORT = 8888;

export interface FileLogOperator {
  type: "container" | "regex_parser" | "move" | "add";
  id: string;
  [setting: string]: string | boolean | number | undefined;
}

export interface OtelLogsInput {
  /** In-network hostname of the collector, e.g. `scaibu.otel`. */
  collectorHost: Hosts["otelCollector"];
  /** Container memory limit (MiB); memory_limiter stops at 80 % of it. */
  memoryMb: number;
}

/** file_log over Docker's json-file logs: each record with its container's id and, when labelled, name. */
export function dockerLogReceiver() {
  const operators: FileLogOperator[] = [
    // Docker json-file lines: {"log":..., "stream":..., "time":..., "attrs":{...}}.
    // The k8s path metadata does not apply to Docker paths (it would fail on every line).
    { type: "container", id: "docker", format: "docker", add_metadata_from_filepath: false },
    {
      type: "regex_parser",
      id: "container_id_from_path",
      regex: "^.*/containers/(?P<container_id>[0-9a-f]{64})/[^/]+$",
      parse_from: 'attributes["log.file.path"]',
      parse_to: "resource",
    },
    { type: "move", id: "container_id", from: 'resource["container_id"]', to: 'resource["container.id"]' },
    {
      type: "move",
      id: "container_name",
      if: `attributes.attrs != nil and attributes.attrs["${DOCKER_LOG_NAME_LABEL}"] != nil`,
      from: `attributes.attrs["${DOCKER_LOG_NAME_LABEL}"]`,
      to: 'resource["container.name"]',
    },
  ];
  return {
    include: [`${OTEL_DOCKER_LOGS_DIR}/*/*-json.log`],
    start_at: "end",
    include_file_path: true,
    include_file_name: false,
    operators,
  };
}

/** Loki's service_name label for a container's log: the container name when known, else "docker". */
export function dockerLogServiceName(): AttributeAction[] {
  return [
    { key: "service.name", from_attribute: "container.name", action: "insert" },
    { key: "service.name", value: "docker", action: "insert" },
  ];
}

/** An agent's hop to the collector: it retries in memory while the collector restarts (the collector queues on disk). */
export function agentExporter(endpoint: string, tls: Record<string, string | boolean>) {
  return {
    endpoint,
    tls,
    sending_queue: { enabled: true, queue_size: 1000 },
    retry_on_failure: { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "1h" },
  };
}

/** An agent's own telemetry: its logs, and its metrics for Prometheus on `port`. */
export function agentTelemetry(port: number) {
  return {
    logs: { level: "info" },
    metrics: { level: "normal", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port } } } }] },
  };
}

export function otelLogsConfig(input: OtelLogsInput) {
  const mib = Math.floor(input.memoryMb * 0.8);
  return {
    receivers: {
      file_log: dockerLogReceiver(),
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_mib: mib, spike_limit_mib: Math.floor(mib / 5) },
      "resource/docker": { attributes: dockerLogServiceName() },
      batch: { timeout: "5s", send_batch_size: 1024, send_batch_max_size: 2048 },
    },
    exporters: {
      // The collector queues on disk; this hop retries (in memory) while the collector restarts.
      "otlp_grpc/collector": agentExporter(`${input.collectorHost}:${CATALOG.otelCollector.ports.otlpAgents}`, {
        insecure: true,
      }),
    },
    service: {
      telemetry: agentTelemetry(OTEL_LOGS_METRICS_PORT),
      pipelines: {
        logs: {
          receivers: ["file_log"],
          processors: ["memory_limiter", "resource/docker", "batch"],
          exporters: ["otlp_grpc/collector"],
        },
      },
    },
  };
}

/**
 * The whole config as one command-line argument (the collector's `yaml:` config provider,
 * confmap/provider/yamlprovider, in the contrib distribution's manifest at 0.161.0).
 */
export function otelLogsConfigArg(input: OtelLogsInput): string {
  return `--config=yaml:${toYaml(otelLogsConfig(input))}`;
}

export function otelLogsCommand(input: OtelLogsInput): string[] {
  return [otelLogsConfigArg(input)];
}

/** As the collector's: `validate` proves the binary runs and the config loads (no shell inside). */
export function otelLogsHealthcheck(input: OtelLogsInput): HealthcheckSpec {
  return { test: ["CMD", "/otelcol-contrib", "validate", otelLogsConfigArg(input)], interval: "30s" };
}
