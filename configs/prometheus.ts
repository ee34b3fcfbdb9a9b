/**
 * Prometheus (prom/prometheus:v3.14.0) configuration and command line.
 *
 * Metrics arrive two ways: pushed by the collector (OTLP, /api/v1/otlp/v1/metrics) and scraped
 * (the stack's own components, plus Docker containers that opt in with a label).
 */
import { z } from "zod";
import { CATALOG, SERVICE_KEYS, type Hosts } from "./catalog";
import { hostRulesFiles, type HostRulesInput } from "./host-rules";
import { prometheusRulesFiles, PROMETHEUS_RULES_DIR } from "./prometheus-rules";
import { OTEL_LOGS_METRICS_PORT } from "./otel-logs";
import { duration, durationMs } from "./schema";
import { prometheusRetentionSize } from "./disk-budget";
import { DISK_METER_JOB } from "./disk-meter";
import { diskRulesFile } from "./disk-rules";
import type { ConfigFile, HealthcheckSpec } from "./types";
import { wgetCheck } from "./types";
import { externalUrl } from "./urls";
import { toYaml } from "./yaml";
import {
  fleetRulesFile,
  nodeAgentsScrapeConfig,
  swarmServicesScrapeConfig,
  type FleetContainerStats,
  type FleetScrapeInput,
} from "./fleet";
import { optInRelabel, sanitizedLabel, type RelabelConfig } from "./scrape-labels";
import { stackClientAuth, stackClientFile } from "./web-auth";

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
/** Named volume mount point; the image creates /prometheus owned by nobody (65534, its USER), which a fresh named volume inherits. */
export const PROMETHEUS_DATA_DIR = "/prometheus";
export const PROMETHEUS_READY_PATH = "/-/ready";
/** exporter-toolkit's web config (`--web.config.file`): who may call Prometheus (configs/web-auth.ts). An uploaded secret. */
export const PROMETHEUS_WEB_CONFIG_PATH = "/etc/prometheus/web.yml";
/** The stack client's password (an uploaded secret): the self-scrape, the health check, alerts to Alertmanager. */
export const PROMETHEUS_CLIENT_PASSWORD_PATH = "/etc/prometheus/stack-client-password";
/** promtool's client config in the health check: the stack client's login, the password by file. */
export const PROMETHEUS_CLIENT_CONFIG_PATH = "/etc/prometheus/stack-client.yml";

/** The `prometheus` config key. */
export const prometheusSettings = z
  .strictObject({
    /** TSDB retention by age (prometheus.yml `storage.tsdb.retention.time`). */
    retention: duration.default("15d"),
    /**
     * Size cap (`storage.tsdb.retention.size`, base 2: 1GB = 2^30 bytes), e.g. `10GB`. Unset: 85 %
     * of Prometheus' share of `storage.budgetGb` (configs/disk-budget.ts).
     */
    retentionSize: z
      .string()
      .regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, "must be a size such as 10GB")
      .optional(),
    /** Global scrape and rule evaluation interval (seed: 30s). */
    scrapeInterval: duration.refine((d) => durationMs(d) >= 1000, "must be at least 1s").default("30s"),
    /** `--web.enable-admin-api` (the seed's API table lists the admin endpoints). */
    adminApi: z.boolean().default(true),
  })
  .prefault({});

export type PrometheusSettings = z.output<typeof prometheusSettings>;

export interface PrometheusInput extends PrometheusSettings {
  /** In-network hostnames of the enabled services; each gets a scrape job. */
  hosts: Partial<Hosts>;
  /** Public hostname Prometheus is served at (`--web.external-url=https://<host>`), e.g. `scaibu.prometheus`. */
  externalHost: string;
  /** Public HTTPS port when not 443 (goes into the external URL). */
  externalPort?: number;
  /** Keep only discovered containers on this Docker network (the one Prometheus can reach). */
  dockerNetwork: string;
  /** Docker API for discovery: the socket proxy (`tcp://<host>:2375`). */
  dockerEndpoint: string;
  /** Host and container alert rules (configs/host-rules.ts); none when omitted. */
  hostRules?: HostRulesInput;
  /** The log agent's hostname when it runs (job `otel-logs`). */
  logAgentHost?: string;
  /** Alertmanager's hostname when it runs: alerts go there (`alerting.alertmanagers`). */
  alertmanagerHost?: string;
  /** Caps every alert rule's `for` (`alerting.maxFor`). */
  maxFor?: string;
  /** Prometheus' share of the disk budget in bytes (size retention: 85 % of it, unless retentionSize is set). */
  shareBytes?: number;
  /** The disk meter when it runs (job `disk-usage`, configs/disk-meter.ts), and its budget alerts. */
  diskMeter?: { target: string; intervalSeconds: number };
  /** A swarm's node agents (fleet.mode swarm): job `node-agents` and the NodeAgentDown alert. */
  fleet?: Omit<FleetScrapeInput, "dockerEndpoint"> & {
    /** When the metrics agents read their nodes' containers: the NodeContainerMetricsMissing alert. */
    containerStats?: FleetContainerStats;
  };
  /** Prometheus asks every caller for credentials (configs/web-auth.ts): its route is guarded. */
  selfAuth?: boolean;
  /** Alertmanager asks for them too: alerts and its scrape send the stack client's login. */
  alertmanagerAuth?: boolean;
  /** Traefik's metrics ask for them (configs/traefik.ts): its scrape sends the stack client's login. */
  traefikAuth?: boolean;
}

export interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  /** For targets that send no Prometheus Content-Type (Prometheus 3 refuses them otherwise). */
  fallback_scrape_protocol?: "PrometheusText0.0.4";
  static_configs?: { targets: string[] }[];
  basic_auth?: ReturnType<typeof stackClientAuth>["basic_auth"];
  docker_sd_configs?: { host: string; refresh_interval: string }[];
  dockerswarm_sd_configs?: ReturnType<typeof swarmServicesScrapeConfig>["dockerswarm_sd_configs"];
  relabel_configs?: RelabelConfig[];
}

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string; scrape_timeout: string };
  rule_files: string[];
  /** v3: how OTLP-ingested resource attributes become labels. */
  otlp: { promote_all_resource_attributes: boolean };
  /**
   * `retention` replaces the deprecated `--storage.tsdb.retention.*` flags, and replaces them
   * whole: a field left out is 0 (config/config.go TSDBRetentionConfig.UnmarshalYAML at v3.14.0).
   */
  storage: { tsdb: { out_of_order_time_window: string; retention: { time: string; size?: string } } };
  /** Where firing alerts go (config/config.go AlertingConfig at v3.14.0: only API v2 exists). */
  alerting?: {
    alertmanagers: {
      api_version: "v2";
      static_configs: { targets: string[] }[];
      basic_auth?: ReturnType<typeof stackClientAuth>["basic_auth"];
    }[];
  };
  scrape_configs: ScrapeConfig[];
}

/** Docker SD turns label `prometheus.io/scrape` into meta label `__meta_docker_container_label_prometheus_io_scrape`. */
function metaLabel(dockerLabel: string): string {
  return `__meta_docker_container_label_${sanitizedLabel(dockerLabel)}`;
}

export function prometheusConfig(input: PrometheusInput): PrometheusConfig {
  const interval = input.scrapeInterval;
  // scrape_timeout must not exceed scrape_interval.
  const timeout = durationMs(interval) >= 10_000 ? "10s" : interval;
  // One job per enabled service, on the port its own metrics are served at; Prometheus itself on localhost.
  const jobs: ScrapeConfig[] = SERVICE_KEYS.flatMap((key) => {
    const entry = CATALOG[key];
    if (!("metricsPort" in entry)) return [];
    const self = key === "prometheus";
    const host = self ? "localhost" : input.hosts[key];
    if (!host) return [];
    const job: ScrapeConfig = { job_name: entry.job, static_configs: [{ targets: [`${host}:${entry.metricsPort}`] }] };
    // The servers that check credentials themselves (configs/web-auth.ts) get the stack client's login.
    const guarded = self
      ? input.selfAuth
      : (key === "alertmanager" && input.alertmanagerAuth) || (key === "traefik" && input.traefikAuth);
    if (guarded) job.basic_auth = stackClientAuth("prometheus", PROMETHEUS_CLIENT_PASSWORD_PATH).basic_auth;
    return [job];
  });
  if (input.logAgentHost) {
    jobs.push({
      job_name: "otel-logs",
      static_configs: [{ targets: [`${input.logAgentHost}:${OTEL_LOGS_METRICS_PORT}`] }],
    });
  }
  if (input.diskMeter) {
    // busybox httpd serves the file as application/octet-stream.
    jobs.push({
      job_name: DISK_METER_JOB,
      fallback_scrape_protocol: "PrometheusText0.0.4",
      static_configs: [{ targets: [input.diskMeter.target] }],
    });
  }
  // On the container's address on the stack's network.
  const [optIn, onNetwork, address, path] = optInRelabel({
    meta: metaLabel,
    networkLabel: "__meta_docker_network_name",
    network: input.dockerNetwork,
    address: { label: "__meta_docker_network_ip", hostRegex: "(.+)" },
  });
  // In the order the rules have always had, so the rendered file (and the container) stays as it was.
  const relabel: RelabelConfig[] = [
    optIn!,
    onNetwork!,
    // Docker names start with "/".
    {
      source_labels: ["__meta_docker_container_name"],
      regex: "/?(.*)",
      target_label: "container_name",
      replacement: "$1",
    },
    address!,
    path!,
  ];
  if (input.fleet) {
    const fleet = { ...input.fleet, dockerEndpoint: input.dockerEndpoint };
    jobs.push(nodeAgentsScrapeConfig(fleet), swarmServicesScrapeConfig(fleet));
  }
  jobs.push({
    job_name: "docker",
    docker_sd_configs: [{ host: input.dockerEndpoint, refresh_interval: "30s" }],
    relabel_configs: relabel,
  });

  return {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: timeout },
    rule_files: [`${PROMETHEUS_RULES_DIR}/*.yml`],
    // Every resource attribute (service.name, deployment.environment, the stack's own
    // `resourceAttributes`, ...) becomes a label, as the remote-write exporter's
    // resource_to_telemetry_conversion did before metrics moved to OTLP (config/config.go
    // OTLPConfig at v3.14.0). service.name and service.instance.id also make `job` and `instance`.
    otlp: { promote_all_resource_attributes: true },
    // The collector batches for up to 10 s, and its queue delivers what it held through an outage
    // with the points' own timestamps: accept samples up to 30 min late.
    storage: { tsdb: { out_of_order_time_window: "30m", retention: retentionOf(input) } },
    ...(input.alertmanagerHost
      ? {
          alerting: {
            alertmanagers: [
              {
                api_version: "v2",
                static_configs: [{ targets: [`${input.alertmanagerHost}:${CATALOG.alertmanager.ports.http}`] }],
                ...(input.alertmanagerAuth ? stackClientAuth("prometheus", PROMETHEUS_CLIENT_PASSWORD_PATH) : {}),
              },
            ],
          },
        }
      : {}),
    scrape_configs: jobs,
  };
}

/** Age and size retention; the size from the budget unless `retentionSize` says otherwise. */
function retentionOf(input: PrometheusInput): { time: string; size?: string } {
  const size =
    input.retentionSize ?? (input.shareBytes === undefined ? undefined : prometheusRetentionSize(input.shareBytes));
  return { time: input.retention, ...(size ? { size } : {}) };
}

/** prometheus.yml plus every rules file, at their in-container paths. */
export function prometheusFiles(input: PrometheusInput): ConfigFile[] {
  return [
    { path: PROMETHEUS_CONFIG_PATH, content: toYaml(prometheusConfig(input)) },
    ...prometheusRulesFiles({}, input.maxFor),
    ...(input.hostRules ? hostRulesFiles(input.hostRules, input.maxFor) : []),
    ...(input.diskMeter ? [diskRulesFile(input.diskMeter.intervalSeconds, input.maxFor)] : []),
    ...(input.fleet ? [fleetRulesFile(input.maxFor, input.fleet.containerStats)] : []),
    ...(input.selfAuth
      ? [stackClientFile("prometheus", PROMETHEUS_CLIENT_CONFIG_PATH, PROMETHEUS_CLIENT_PASSWORD_PATH)]
      : []),
  ];
}

/**
 * Replaces the image CMD (ENTRYPOINT `/bin/prometheus` stays).
 * `--web.enable-lifecycle` is deliberately NOT set: it would let anyone who reaches
 * https://<prometheus host> POST /-/quit; config changes are re-uploaded by Pulumi, which
 * recreates the container, so hot reload buys nothing here.
 */
export function prometheusCommand(input: PrometheusInput): string[] {
  return [
    `--config.file=${PROMETHEUS_CONFIG_PATH}`,
    `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
    "--web.enable-remote-write-receiver",
    "--web.enable-otlp-receiver",
    ...(input.adminApi ? ["--web.enable-admin-api"] : []),
    ...(input.selfAuth ? [`--web.config.file=${PROMETHEUS_WEB_CONFIG_PATH}`] : []),
    `--web.external-url=${externalUrl(input.externalHost, input.externalPort)}`,
    // Keeps the exemplars the collector's spanmetrics attach, so Grafana can jump to traces.
    "--enable-feature=exemplar-storage",
  ];
}

/**
 * Prometheus' own readiness endpoint. Open, the image's busybox wget asks it. Behind the web
 * config, the image's promtool does (`check ready`, cmd/promtool/main.go at v3.14.0), with the
 * stack client's login and its password read from a file: wget would need it on its command line,
 * which `docker inspect` shows.
 */
export function prometheusHealthcheck(selfAuth: boolean | undefined): HealthcheckSpec {
  const url = `http://127.0.0.1:${CATALOG.prometheus.ports.http}`;
  if (!selfAuth) return wgetCheck(`${url}${PROMETHEUS_READY_PATH}`, "20s");
  return {
    test: [
      "CMD",
      "/bin/promtool",
      "check",
      "ready",
      `--url=${url}`,
      `--http.config.file=${PROMETHEUS_CLIENT_CONFIG_PATH}`,
    ],
    startPeriod: "20s",
  };
}
