/**
 * Jaeger v2 (jaegertracing/jaeger:2.21.0) configuration. Jaeger v2 is an OpenTelemetry Collector
 * distribution: receivers/processors/exporters/extensions plus the jaeger_storage and jaeger_query
 * extensions. The image's ENTRYPOINT is the jaeger binary; `--config` replaces its built-in
 * all-in-one (memory) config.
 */
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";

export const JAEGER_CONFIG_PATH = "/etc/jaeger/config.yaml";
export const JAEGER_OTLP_GRPC_PORT = 4317;
export const JAEGER_OTLP_HTTP_PORT = 4318;
/** UI and HTTP query API (/api/traces, /api/services, /api/dependencies, /api/v3/...). */
export const JAEGER_UI_PORT = 16686;
export const JAEGER_QUERY_GRPC_PORT = 16685;
/** healthcheckv2 extension (use_v2): `GET :13133/status` answers 200 when all components are OK. */
export const JAEGER_HEALTH_PORT = 13133;
export const JAEGER_HEALTH_PATH = "/status";
export const JAEGER_METRICS_PORT = 8888;
export const JAEGER_METRICS_PATH = "/metrics";
/**
 * Badger data directory: mount the named volume here. The image runs as UID/GID 10001 and has no
 * such directory, so Docker creates the mount point of a fresh named volume owned by root:root
 * and Jaeger fails with "permission denied". The volume root must be chowned to
 * `JAEGER_UID:JAEGER_GID` once, before Jaeger starts (e.g. a one-shot container as root running
 * `JAEGER_VOLUME_INIT_COMMAND` with the volume mounted at the same path). Alternative: run the
 * container as root (user "0"), which this project does not recommend.
 */
export const JAEGER_DATA_DIR = "/badger";
export const JAEGER_UID = 10001;
export const JAEGER_GID = 10001;
export const JAEGER_VOLUME_INIT_COMMAND = [
  "sh",
  "-c",
  `mkdir -p ${JAEGER_DATA_DIR}/keys ${JAEGER_DATA_DIR}/values && chown -R ${JAEGER_UID}:${JAEGER_GID} ${JAEGER_DATA_DIR}`,
] as const;

export const JAEGER_STORAGE_BACKENDS = ["badger", "memory"] as const;
export type JaegerStorage = (typeof JAEGER_STORAGE_BACKENDS)[number];
/** Name of the storage backend inside jaeger_storage (referenced by query and exporter). */
export const JAEGER_STORE_NAME = "traces_store";

export interface JaegerInput {
  /** `badger` (persistent, default) or `memory` (lost on restart). */
  storage?: JaegerStorage;
  /** Span time-to-live for badger, in hours (default 72). */
  retentionHours?: number;
  /** Max traces kept by the memory backend (default 100000). */
  memoryMaxTraces?: number;
  logLevel?: "debug" | "info" | "warn" | "error";
}

type Endpoint = { endpoint: string };

export type JaegerStorageBackend =
  | {
      badger: {
        directories: { keys: string; values: string };
        ephemeral: false;
        ttl: { spans: string };
        maintenance_interval: string;
      };
    }
  | { memory: { max_traces: number } };

export interface JaegerConfig {
  service: {
    extensions: string[];
    pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
    telemetry: {
      resource: { "service.name": string };
      metrics: {
        level: "basic" | "normal" | "detailed";
        readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[];
      };
      logs: { level: string };
    };
  };
  extensions: {
    healthcheckv2: { use_v2: true; http: Endpoint & { status: { enabled: boolean; path: string } } };
    jaeger_query: { storage: { traces: string }; http: Endpoint; grpc: Endpoint };
    jaeger_storage: { backends: Record<string, JaegerStorageBackend> };
  };
  receivers: { otlp: { protocols: { grpc: Endpoint; http: Endpoint } } };
  processors: { batch: Record<string, never> };
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

function validate(input: JaegerInput): JaegerStorage {
  const storage = input.storage ?? "badger";
  if (!(JAEGER_STORAGE_BACKENDS as readonly string[]).includes(storage)) {
    throw new Error(
      `jaeger: storage must be one of ${JAEGER_STORAGE_BACKENDS.join(", ")}, got ${JSON.stringify(storage)}`,
    );
  }
  if (input.retentionHours !== undefined && (!Number.isInteger(input.retentionHours) || input.retentionHours < 1)) {
    throw new Error(`jaeger: retentionHours must be a positive integer, got ${input.retentionHours}`);
  }
  if (input.memoryMaxTraces !== undefined && (!Number.isInteger(input.memoryMaxTraces) || input.memoryMaxTraces < 1)) {
    throw new Error(`jaeger: memoryMaxTraces must be a positive integer, got ${input.memoryMaxTraces}`);
  }
  return storage;
}

export function jaegerConfig(input: JaegerInput = {}): JaegerConfig {
  const storage = validate(input);
  const backend: JaegerStorageBackend =
    storage === "badger"
      ? {
          badger: {
            directories: { keys: `${JAEGER_DATA_DIR}/keys`, values: `${JAEGER_DATA_DIR}/values` },
            ephemeral: false,
            ttl: { spans: `${input.retentionHours ?? 72}h` },
            maintenance_interval: "5m",
          },
        }
      : { memory: { max_traces: input.memoryMaxTraces ?? 100000 } };
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: {
          level: "detailed",
          readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: JAEGER_METRICS_PORT } } } }],
        },
        logs: { level: input.logLevel ?? "info" },
      },
    },
    extensions: {
      healthcheckv2: {
        use_v2: true,
        http: { endpoint: `0.0.0.0:${JAEGER_HEALTH_PORT}`, status: { enabled: true, path: JAEGER_HEALTH_PATH } },
      },
      jaeger_query: {
        storage: { traces: JAEGER_STORE_NAME },
        http: { endpoint: `0.0.0.0:${JAEGER_UI_PORT}` },
        grpc: { endpoint: `0.0.0.0:${JAEGER_QUERY_GRPC_PORT}` },
      },
      jaeger_storage: { backends: { [JAEGER_STORE_NAME]: backend } },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${JAEGER_OTLP_GRPC_PORT}` },
          http: { endpoint: `0.0.0.0:${JAEGER_OTLP_HTTP_PORT}` },
        },
      },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: JAEGER_STORE_NAME } },
  };
}

export function jaegerFiles(input: JaegerInput = {}): ConfigFile[] {
  return [{ path: JAEGER_CONFIG_PATH, content: toYaml(jaegerConfig(input)) }];
}

/** Replaces the image CMD (ENTRYPOINT is the jaeger binary). */
export function jaegerCommand(input: JaegerInput = {}): string[] {
  validate(input);
  return [`--config=${JAEGER_CONFIG_PATH}`];
}

/** Whether the container needs the data volume (and its one-time chown) for this input. */
export function jaegerNeedsDataVolume(input: JaegerInput = {}): boolean {
  return validate(input) === "badger";
}
