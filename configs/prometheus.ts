/**
 * Prometheus (prom/prometheus:v3.14.0) configuration and command line.
 *
 * Metrics arrive two ways: pushed by the collector (remote write, /api/v1/write) and scraped
 * (the stack's own components, plus Docker containers that opt in with a label).
 */
import type { ConfigFile } from "./types";
import { prometheusRulesFiles, PROMETHEUS_RULES_DIR, type PrometheusRulesInput } from "./prometheus-rules";
import { externalUrl } from "./urls";
import { toYaml } from "./yaml";

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
export { PROMETHEUS_RULES_DIR } from "./prometheus-rules";
export const PROMETHEUS_PORT = 9090;
/** Named volume mount point; the image creates /prometheus owned by nobody (65534, its USER), which a fresh named volume inherits. */
export const PROMETHEUS_DATA_DIR = "/prometheus";
export const PROMETHEUS_HEALTH_PATH = "/-/healthy";
export const PROMETHEUS_READY_PATH = "/-/ready";
/** Mount the Docker socket read-only here for docker_sd_configs. */
export const PROMETHEUS_DOCKER_SOCKET = "/var/run/docker.sock";
/**
 * Docker labels a container sets to be scraped by the `docker` job (prometheus.io/* style, like the
 * common Kubernetes annotations): only containers with `prometheus.io/scrape=true` are kept.
 */
export const DOCKER_SCRAPE_LABEL = "prometheus.io/scrape";
export const DOCKER_PORT_LABEL = "prometheus.io/port";
export const DOCKER_PATH_LABEL = "prometheus.io/path";

/** Internal ports scraped per component (checked against each program's defaults/config here). */
export const SCRAPE_PORTS = {
  otelCollector: 8888, // service.telemetry.metrics pull reader (configs/otel-collector.ts)
  loki: 3100,
  jaeger: 8888, // Jaeger v2 is a collector: same internal-telemetry reader (configs/jaeger.ts)
  grafana: 3000,
  traefik: 8080, // entrypoint "traefik" serves /metrics and /ping (configs/traefik.ts)
} as const;

export interface PrometheusHosts {
  otelCollector: string;
  loki: string;
  jaeger: string;
  grafana: string;
  traefik: string;
}

export interface PrometheusInput {
  /** In-network hostnames of the scraped components; omit one (e.g. disabled service) to drop its job. */
  hosts: Partial<PrometheusHosts>;
  /** Public hostname Prometheus is served at (`--web.external-url=https://<host>`), e.g. `scaibu.prometheus`. */
  externalHost: string;
  /** Public HTTPS port when not 443 (goes into the external URL). */
  externalPort?: number;
  /** Default 30s (seed). A Prometheus duration. */
  scrapeInterval?: string;
  /** TSDB retention (`--storage.tsdb.retention.time`), default 15d. */
  retention?: string;
  /** Optional size cap (`--storage.tsdb.retention.size`), e.g. `10GB`. */
  retentionSize?: string;
  /** `--web.enable-admin-api` (the seed's API table lists the admin endpoints). Default true. */
  adminApi?: boolean;
  /** Discover opt-in containers through the Docker socket. Default true. */
  dockerSd?: boolean;
  /** Keep only discovered targets on this Docker network (the one Prometheus can reach). */
  dockerNetwork?: string;
  /** Alert rules settings; see configs/prometheus-rules.ts. */
  rules?: PrometheusRulesInput;
}

type RelabelConfig = {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop" | "labelmap";
};

export interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets: string[] }[];
  docker_sd_configs?: { host: string; refresh_interval: string }[];
  relabel_configs?: RelabelConfig[];
}

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string; scrape_timeout: string };
  rule_files: string[];
  /** v3: how OTLP-ingested resource attributes become labels. */
  otlp: { promote_resource_attributes: string[] };
  storage: { tsdb: { out_of_order_time_window: string } };
  scrape_configs: ScrapeConfig[];
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SIZE = /^\d+(B|KB|MB|GB|TB|PB|EB)$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** Docker SD turns label `prometheus.io/scrape` into meta label `__meta_docker_container_label_prometheus_io_scrape`. */
function metaLabel(dockerLabel: string): string {
  return `__meta_docker_container_label_${dockerLabel.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function durationSeconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, n, u] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * (unit[u as string] ?? 0);
  return total;
}

function validate(input: PrometheusInput): void {
  for (const [k, v] of [
    ["scrapeInterval", input.scrapeInterval],
    ["retention", input.retention],
  ] as const) {
    if (v !== undefined && !DURATION.test(v))
      throw new Error(`prometheus: ${k} must be a Prometheus duration such as 30s or 15d, got ${JSON.stringify(v)}`);
  }
  if (input.retentionSize !== undefined && !SIZE.test(input.retentionSize)) {
    throw new Error(
      `prometheus: retentionSize must be a size such as 10GB, got ${JSON.stringify(input.retentionSize)}`,
    );
  }
  if (input.scrapeInterval !== undefined && durationSeconds(input.scrapeInterval) < 1) {
    throw new Error(`prometheus: scrapeInterval must be at least 1s, got ${input.scrapeInterval}`);
  }
  for (const [k, v] of Object.entries({ ...input.hosts, externalHost: input.externalHost })) {
    if (v !== undefined && !HOST.test(v))
      throw new Error(`prometheus: ${k} must be a hostname, got ${JSON.stringify(v)}`);
  }
}

export function prometheusConfig(input: PrometheusInput): PrometheusConfig {
  validate(input);
  const interval = input.scrapeInterval ?? "30s";
  // scrape_timeout must not exceed scrape_interval.
  const timeout = durationSeconds(interval) >= 10 ? "10s" : interval;
  const h = input.hosts;
  const jobs: ScrapeConfig[] = [
    { job_name: "prometheus", static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
  ];
  const add = (job: string, host: string | undefined, port: number) => {
    if (host) jobs.push({ job_name: job, static_configs: [{ targets: [`${host}:${port}`] }] });
  };
  add("otel-collector", h.otelCollector, SCRAPE_PORTS.otelCollector);
  add("loki", h.loki, SCRAPE_PORTS.loki);
  add("jaeger", h.jaeger, SCRAPE_PORTS.jaeger);
  add("grafana", h.grafana, SCRAPE_PORTS.grafana);
  add("traefik", h.traefik, SCRAPE_PORTS.traefik);

  if (input.dockerSd ?? true) {
    const relabel: RelabelConfig[] = [
      // Opt-in only: never scrape every container on a shared host.
      { source_labels: [metaLabel(DOCKER_SCRAPE_LABEL)], regex: "true", action: "keep" },
      ...(input.dockerNetwork
        ? [
            {
              source_labels: ["__meta_docker_network_name"],
              regex: escapeRegex(input.dockerNetwork),
              action: "keep" as const,
            },
          ]
        : []),
      // Docker names start with "/".
      {
        source_labels: ["__meta_docker_container_name"],
        regex: "/?(.*)",
        target_label: "container_name",
        replacement: "$1",
      },
      // prometheus.io/port: scrape that port on the container's network address.
      {
        source_labels: ["__meta_docker_network_ip", metaLabel(DOCKER_PORT_LABEL)],
        separator: ";",
        regex: "(.+);([0-9]+)",
        target_label: "__address__",
        replacement: "$1:$2",
      },
      // prometheus.io/path: metrics path other than /metrics.
      {
        source_labels: [metaLabel(DOCKER_PATH_LABEL)],
        regex: "(.+)",
        target_label: "__metrics_path__",
        replacement: "$1",
      },
    ];
    jobs.push({
      job_name: "docker",
      docker_sd_configs: [{ host: `unix://${PROMETHEUS_DOCKER_SOCKET}`, refresh_interval: "30s" }],
      relabel_configs: relabel,
    });
  }

  return {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: timeout },
    rule_files: [`${PROMETHEUS_RULES_DIR}/*.yml`],
    otlp: {
      promote_resource_attributes: [
        "service.name",
        "service.namespace",
        "service.instance.id",
        "deployment.environment",
        "deployment.environment.name",
      ],
    },
    // The collector batches for up to 10s and retries: accept slightly late samples.
    storage: { tsdb: { out_of_order_time_window: "30m" } },
    scrape_configs: jobs,
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** prometheus.yml plus every rules file, at their in-container paths. */
export function prometheusFiles(input: PrometheusInput): ConfigFile[] {
  return [
    { path: PROMETHEUS_CONFIG_PATH, content: toYaml(prometheusConfig(input)) },
    ...prometheusRulesFiles(input.rules),
  ];
}

/**
 * Replaces the image CMD (ENTRYPOINT `/bin/prometheus` stays).
 * `--web.enable-lifecycle` is deliberately NOT set: it would let anyone who reaches
 * https://<prometheus host> POST /-/quit; config changes are re-uploaded by Pulumi, which
 * recreates the container, so hot reload buys nothing here.
 */
export function prometheusCommand(input: PrometheusInput): string[] {
  validate(input);
  return [
    `--config.file=${PROMETHEUS_CONFIG_PATH}`,
    `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
    `--storage.tsdb.retention.time=${input.retention ?? "15d"}`,
    ...(input.retentionSize ? [`--storage.tsdb.retention.size=${input.retentionSize}`] : []),
    "--web.enable-remote-write-receiver",
    "--web.enable-otlp-receiver",
    ...((input.adminApi ?? true) ? ["--web.enable-admin-api"] : []),
    `--web.external-url=${externalUrl(input.externalHost, input.externalPort)}`,
    // Keeps the exemplars the collector's spanmetrics attach, so Grafana can jump to traces.
    "--enable-feature=exemplar-storage",
  ];
}
