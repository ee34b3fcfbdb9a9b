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
 *   With `ruler.storage.type: local` the rules are read from `<directory>/<tenant>/` (tenant `fake`
 *   while auth is disabled: pkg/loki/modules.go; layout: pkg/ruler/rulestore/local/local.go, v3.7.6).
 *   GET answers 400 while that directory is missing (grafana/loki#3953), so the stack ships its own
 *   rules there. Loki does not write through the API to local storage, so POST answers an error:
 *   drop rule files into the directory instead.
 * - POST /loki/api/v1/delete (and GET/DELETE): compactor with `retention_enabled`,
 *   `delete_request_store` and `limits_config.deletion_mode: filter-and-delete`.
 * - GET /loki/api/v1/status/buildinfo, GET /ready, GET /metrics: always served.
 * - POST /flush: ingester (`target: all`).
 */
import { z } from "zod";
import { CATALOG } from "./catalog";
import { hours } from "./schema";
import type { ConfigFile, HealthcheckSpec } from "./types";
import { toYaml } from "./yaml";

/** The official image's CMD is `-config.file=/etc/loki/local-config.yaml`. */
export const LOKI_CONFIG_PATH = "/etc/loki/local-config.yaml";
/** Named volume mount point. The image creates /loki owned by UID 10001 (its USER), so a fresh named volume inherits that owner. */
export const LOKI_DATA_DIR = "/loki";
export const LOKI_CHUNKS_DIR = `${LOKI_DATA_DIR}/chunks`;
/**
 * Uploaded rules live outside the /loki volume: a file uploaded into it would make a fresh volume
 * non-empty, which skips Docker's copy of the image's ownership (10001) onto it.
 */
export const LOKI_RULES_DIR = "/etc/loki/rules";
/** Tenant used when `auth_enabled: false`; ruler files go in `${LOKI_RULES_DIR}/${LOKI_TENANT}/`. */
const LOKI_TENANT = "fake";
export const LOKI_STACK_RULES_PATH = `${LOKI_RULES_DIR}/${LOKI_TENANT}/scaibu-stack.yml`;
/**
 * OTLP resource attributes promoted to index labels (dots become underscores: service_name, ...),
 * and nothing else: without `ignore_defaults`, Loki prepends its own list (pkg/loghttp/push/
 * otlp_config.go, v3.7.6), which includes service.instance.id, a new value per process: a
 * cardinality blow-up. Every other attribute stays queryable as structured metadata.
 */
export const LOKI_OTLP_INDEX_LABELS = [
  "service.name",
  "service.namespace",
  "deployment.environment",
  "deployment.environment.name",
  "container.name",
] as const;

type SchemaPeriod = LokiConfig["schema_config"]["configs"][number];

/**
 * The schema periods. Never edit or remove one: Loki reads each day's data with the period in
 * force that day, and a period cannot be rolled back once data is written under it. A new one is
 * appended with a `from` after the release that adds it, at 00:00 UTC (grafana/loki v3.7.6
 * docs/sources/operations/storage/schema/_index.md; docs/upgrading.md). configs/loki.test.ts pins
 * the list, so a change to it is deliberate.
 */
export const LOKI_SCHEMA: readonly SchemaPeriod[] = [
  {
    from: "2024-04-01",
    store: "tsdb",
    object_store: "filesystem",
    schema: "v13",
    index: { prefix: "index_", period: "24h" },
  },
];

/**
 * What is wrong with schema periods, at `now`: a `from` that is not a real YYYY-MM-DD date (a
 * typo made indexes unreadable in grafana/loki#4755), dates that do not increase, a first period
 * not yet in force (Loki then has no schema for today and stores nothing), an index period other
 * than 24h (retention needs it: docs/sources/operations/storage/retention.md).
 */
export function lokiSchemaProblems(periods: readonly SchemaPeriod[], now = new Date()): string[] {
  const problems: string[] = [];
  const day = (d: string) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return /^\d{4}-\d{2}-\d{2}$/.test(d) && new Date(t).toISOString().slice(0, 10) === d ? t : undefined;
  };
  periods.forEach((p, i) => {
    const t = day(p.from);
    if (t === undefined) problems.push(`period ${i}: from "${p.from}" is not a date (YYYY-MM-DD)`);
    const prev = i > 0 ? day(periods[i - 1]!.from) : undefined;
    if (t !== undefined && prev !== undefined && t <= prev)
      problems.push(`period ${i}: from ${p.from} is not after ${periods[i - 1]!.from}`);
    if (p.index.period !== "24h") problems.push(`period ${i}: index period ${p.index.period}, retention needs 24h`);
  });
  const first = periods[0] && day(periods[0].from);
  if (!periods.length) problems.push("no schema period");
  else if (first !== undefined && first > now.getTime())
    problems.push(`period 0: from ${periods[0]!.from} is in the future: Loki would have no schema for today`);
  return problems;
}

function checkedSchema(periods: readonly SchemaPeriod[]): SchemaPeriod[] {
  const problems = lokiSchemaProblems(periods);
  if (problems.length) throw new Error(`loki schema_config: ${problems.join("; ")}`);
  return [...periods];
}

/** The `loki` config key. */
export const lokiSettings = z
  .strictObject({
    // Loki's compactor works in whole index periods (24h), so retention must be one too.
    retentionHours: hours(24)
      .refine((h) => h % 24 === 0, "must be a multiple of 24 (Loki's index period is 24h)")
      .default(720),
    /** Per-tenant ingestion rate limit in MB/s (seed: 10). */
    ingestionRateMb: z.number().int().min(1).max(1024).default(10),
    /** Burst above the rate, in MB. */
    ingestionBurstSizeMb: z.number().int().min(1).max(2048).default(20),
  })
  .prefault({});

export type LokiInput = z.output<typeof lokiSettings> & {
  /** Alertmanager for the ruler's alerts (inside the network), when the stack runs one. */
  alertmanagerUrl?: string;
  /** Alertmanager asks for the stack client's login (configs/web-auth.ts): the ruler sends it. */
  alertmanagerAuth?: boolean;
};

/** `base64(user:password)` of the stack client (configs/web-auth.ts basicCredentials), an uploaded secret. */
export const LOKI_ALERTMANAGER_CREDENTIALS_PATH = "/etc/loki/alertmanager-credentials";

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
    otlp_config: {
      resource_attributes: {
        ignore_defaults: true;
        attributes_config: { action: "index_label"; attributes: string[] }[];
      };
    };
  };
  ruler: {
    enable_api: boolean;
    /** Where the ruler sends alerts (Alertmanager API v2; its path is the prefix): unset, nowhere. */
    alertmanager_url?: string;
    /** `Authorization: <type> <file>` on the alerts (pkg/util/http.go HeaderAuth, inlined in NotifierConfig). */
    alertmanager_client?: { type: "Basic"; credentials_file: string };
    storage: { type: "local"; local: { directory: string } };
    rule_path: string;
    ring: { kvstore: { store: "inmemory" } };
  };
  analytics: { reporting_enabled: boolean };
}

export function lokiConfig(input: LokiInput): LokiConfig {
  const { http, grpc } = CATALOG.loki.ports;
  return {
    target: "all",
    auth_enabled: false,
    server: { http_listen_port: http, grpc_listen_port: grpc, log_level: "info" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: LOKI_DATA_DIR,
      storage: { filesystem: { chunks_directory: LOKI_CHUNKS_DIR, rules_directory: LOKI_RULES_DIR } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: { configs: checkedSchema(LOKI_SCHEMA) },
    compactor: {
      working_directory: `${LOKI_DATA_DIR}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: `${input.retentionHours}h`,
      ingestion_rate_mb: input.ingestionRateMb,
      ingestion_burst_size_mb: input.ingestionBurstSizeMb,
      allow_structured_metadata: true,
      volume_enabled: true,
      deletion_mode: "filter-and-delete",
      otlp_config: {
        resource_attributes: {
          ignore_defaults: true,
          attributes_config: [{ action: "index_label", attributes: [...LOKI_OTLP_INDEX_LABELS] }],
        },
      },
    },
    ruler: {
      enable_api: true,
      // The default is empty, which sends nowhere (pkg/ruler/base/ruler.go RegisterFlags, v3.7.6);
      // the URL's path is the API prefix, so it has none (pkg/ruler/base/notifier.go amConfigFromURL).
      ...(input.alertmanagerUrl ? { alertmanager_url: input.alertmanagerUrl } : {}),
      // Alertmanager checks the stack client's login (configs/web-auth.ts): the header from a file,
      // so no password in the config (pkg/ruler/base/notifier.go amConfigFromURL, v3.7.6:
      // HeaderAuth with credentials_file becomes the client's Authorization). NOT VERIFIED here:
      // the Loki image is a placeholder.
      ...(input.alertmanagerUrl && input.alertmanagerAuth
        ? { alertmanager_client: { type: "Basic" as const, credentials_file: LOKI_ALERTMANAGER_CREDENTIALS_PATH } }
        : {}),
      storage: { type: "local", local: { directory: LOKI_RULES_DIR } },
      rule_path: `${LOKI_DATA_DIR}/rules-temp`,
      ring: { kvstore: { store: "inmemory" } },
    },
    // No phoning home from a closed host.
    analytics: { reporting_enabled: false },
  };
}

/**
 * LogQL alert rules over the logs the stack itself collects. The line filter is plain LogQL
 * (the same since Loki 2.0), since no Loki can run here to check a newer construct.
 */
export function lokiStackRules() {
  return {
    groups: [
      {
        name: "scaibu-logs",
        rules: [
          {
            alert: "ServiceErrorLogBurst",
            expr: 'sum by (service_name) (count_over_time({service_name=~".+"} |~ "(?i)(error|fatal|panic)" [5m])) > 100',
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "{{ $labels.service_name }} logs more than 100 error lines in 5 minutes",
              description: "Lines matching error|fatal|panic, counted by Loki's ruler over 5 minutes.",
            },
          },
        ],
      },
    ],
  };
}

export function lokiFiles(input: LokiInput): ConfigFile[] {
  return [
    { path: LOKI_CONFIG_PATH, content: toYaml(lokiConfig(input)) },
    { path: LOKI_STACK_RULES_PATH, content: toYaml(lokiStackRules()) },
  ];
}

/** Replaces the image CMD (ENTRYPOINT `/usr/bin/loki` stays). */
export function lokiCommand(): string[] {
  return [`-config.file=${LOKI_CONFIG_PATH}`, "-target=all"];
}

/** The image is distroless (no shell, no wget since 3.6); `loki -health` probes /ready itself. */
export const lokiHealthcheck: HealthcheckSpec = { test: ["CMD", "/usr/bin/loki", "-health"], startPeriod: "30s" };
