/**
 * Loki (grafana/loki:3.7.7) single-binary configuration: filesystem storage on the /loki volume,
 * TSDB + schema v13, compactor-enforced retention, OTLP ingestion, ruler and deletion API.
 *
 * Which setting makes each API of the seed's table (§4.2) reachable:
 * - POST /loki/api/v1/push, POST /otlp/v1/logs: distributor+ingester (`target: all`); OTLP needs
 *   `allow_structured_metadata: true` and schema v13 / tsdb (both below).
 * - GET /loki/api/v1/query, query_range, tail, labels, label/<name>/values, series, index/stats:
 *   querier + query-frontend (`target: all`), no extra setting.
 * - GET /loki/api/v1/rules, GET/POST /loki/api/v1/rules/{namespace}: `ruler.enable_api: true`.
 *   With `ruler.storage.type: local` the rules are read from `/loki/rules/<tenant>/` (tenant `fake`
 *   while auth is disabled); Loki does not write through the API to local storage, so POST answers
 *   an error there: drop rule files into the directory instead.
 * - POST /loki/api/v1/delete (and GET/DELETE): compactor with `retention_enabled`,
 *   `delete_request_store` and `limits_config.deletion_mode: filter-and-delete`.
 * - GET /loki/api/v1/status/buildinfo, GET /ready, GET /metrics: always served.
 * - POST /flush: ingester (`target: all`).
 */
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";

/** The official image's CMD is `-config.file=/etc/loki/local-config.yaml`. */
export const LOKI_CONFIG_PATH = "/etc/loki/local-config.yaml";
export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9096;
/** Named volume mount point. The image creates /loki owned by UID 10001 (its USER), so a fresh named volume inherits that owner. */
export const LOKI_DATA_DIR = "/loki";
export const LOKI_CHUNKS_DIR = `${LOKI_DATA_DIR}/chunks`;
export const LOKI_RULES_DIR = `${LOKI_DATA_DIR}/rules`;
export const LOKI_HEALTH_PATH = "/ready";
export const LOKI_METRICS_PATH = "/metrics";
/** Tenant used when `auth_enabled: false`; ruler files go in `${LOKI_RULES_DIR}/${LOKI_TENANT}/`. */
export const LOKI_TENANT = "fake";
/** OTLP resource attributes promoted to index labels (dots become underscores: service_name, ...). */
export const LOKI_OTLP_INDEX_LABELS = [
  "service.name",
  "service.namespace",
  "deployment.environment",
  "deployment.environment.name",
  "container.name",
] as const;

export interface LokiInput {
  /** Retention enforced by the compactor, in hours (default 720 = 30 days). */
  retentionHours?: number;
  /** Per-tenant ingestion rate limit in MB/s (seed: 10) and burst (default 2x rate). */
  ingestionRateMb?: number;
  ingestionBurstSizeMb?: number;
  /** Alertmanager for ruler alerts; none in this stack by default (alerts are evaluated, visible in the API). */
  alertmanagerUrl?: string;
  logLevel?: "debug" | "info" | "warn" | "error";
}

export interface LokiConfig {
  target: "all";
  auth_enabled: false;
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  common: {
    instance_addr: string;
    path_prefix: string;
    storage: { filesystem: { chunks_directory: string; rules_directory: string } };
    replication_factor: number;
    ring: { kvstore: { store: "inmemory" } };
  };
  schema_config: {
    configs: {
      from: string;
      store: "tsdb";
      object_store: "filesystem";
      schema: "v13";
      index: { prefix: string; period: string };
    }[];
  };
  compactor: {
    working_directory: string;
    compaction_interval: string;
    retention_enabled: boolean;
    retention_delete_delay: string;
    delete_request_store: "filesystem";
  };
  limits_config: {
    retention_period: string;
    ingestion_rate_mb: number;
    ingestion_burst_size_mb: number;
    allow_structured_metadata: boolean;
    volume_enabled: boolean;
    deletion_mode: "filter-and-delete";
    otlp_config: { resource_attributes: { attributes_config: { action: "index_label"; attributes: string[] }[] } };
  };
  ruler: {
    enable_api: boolean;
    storage: { type: "local"; local: { directory: string } };
    rule_path: string;
    ring: { kvstore: { store: "inmemory" } };
    alertmanager_url?: string;
  };
  analytics: { reporting_enabled: boolean };
}

function validate(input: LokiInput): void {
  const checks: [string, number | undefined, number][] = [
    ["retentionHours", input.retentionHours, 24],
    ["ingestionRateMb", input.ingestionRateMb, 1],
    ["ingestionBurstSizeMb", input.ingestionBurstSizeMb, 1],
  ];
  for (const [name, v, min] of checks) {
    if (v !== undefined && (!Number.isInteger(v) || v < min))
      throw new Error(`loki: ${name} must be an integer >= ${min}, got ${v}`);
  }
  // The compactor applies retention per index period (24h): a non-multiple would be rounded by Loki.
  if (input.retentionHours !== undefined && input.retentionHours % 24 !== 0) {
    throw new Error(`loki: retentionHours must be a multiple of 24 (the index period), got ${input.retentionHours}`);
  }
}

export function lokiConfig(input: LokiInput = {}): LokiConfig {
  validate(input);
  const rate = input.ingestionRateMb ?? 10;
  return {
    target: "all",
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: input.logLevel ?? "info" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: LOKI_DATA_DIR,
      storage: { filesystem: { chunks_directory: LOKI_CHUNKS_DIR, rules_directory: LOKI_RULES_DIR } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      // Fixed date in the past: changing it later would re-key existing data.
      configs: [
        {
          from: "2024-04-01",
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    compactor: {
      working_directory: `${LOKI_DATA_DIR}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: `${input.retentionHours ?? 720}h`,
      ingestion_rate_mb: rate,
      ingestion_burst_size_mb: input.ingestionBurstSizeMb ?? rate * 2,
      allow_structured_metadata: true,
      volume_enabled: true,
      deletion_mode: "filter-and-delete",
      otlp_config: {
        resource_attributes: {
          attributes_config: [{ action: "index_label", attributes: [...LOKI_OTLP_INDEX_LABELS] }],
        },
      },
    },
    ruler: {
      enable_api: true,
      storage: { type: "local", local: { directory: LOKI_RULES_DIR } },
      rule_path: `${LOKI_DATA_DIR}/rules-temp`,
      ring: { kvstore: { store: "inmemory" } },
      ...(input.alertmanagerUrl ? { alertmanager_url: input.alertmanagerUrl } : {}),
    },
    // No phoning home from a closed host.
    analytics: { reporting_enabled: false },
  };
}

export function lokiFiles(input: LokiInput = {}): ConfigFile[] {
  return [{ path: LOKI_CONFIG_PATH, content: toYaml(lokiConfig(input)) }];
}

/** Replaces the image CMD (ENTRYPOINT `/usr/bin/loki` stays). */
export function lokiCommand(input: LokiInput = {}): string[] {
  validate(input);
  return [`-config.file=${LOKI_CONFIG_PATH}`, "-target=all"];
}
