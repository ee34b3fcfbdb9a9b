/**
 * Jaeger v2 (jaegertracing/jaeger:2.20.0) configuration. Jaeger v2 is an OpenTelemetry Collector
 * distribution: receivers/processors/exporters/extensions plus the jaeger_storage and jaeger_query
 * extensions. The image's ENTRYPOINT is the jaeger binary; `--config` replaces its built-in
 * all-in-one (memory) config.
 */
import { z } from "zod";
import { CATALOG } from "./catalog";
import { hours } from "./schema";
import type { ConfigFile } from "./types";
import { wgetCheck } from "./types";
import { toYaml } from "./yaml";

export const JAEGER_CONFIG_PATH = "/etc/jaeger/config.yaml";
/** healthcheckv2 extension (use_v2): `GET :13133/status` answers 200 when all components are OK. */
export const JAEGER_HEALTH_PATH = "/status";
/**
 * Badger data directory: the named volume is mounted here. The image runs as UID 10001 and has no
 * such directory, so Docker creates a fresh volume's mount point owned by root: the component
 * runs Jaeger as root while badger is on (see components/jaeger.ts).
 */
export const JAEGER_DATA_DIR = "/badger";
/**
 * Where the volume is mounted when Jaeger runs as a Swarm service (configs/fleet.ts
 * SWARM_BACKENDS): a service has no uploads to hand a fresh volume's root to UID 10001, so the
 * volume goes where the image has a directory its user can write, `/tmp` (`VOLUME ["/tmp"]`,
 * mode 1777, in jaegertracing/jaeger cmd/jaeger/Dockerfile at v2.20.0). The engine copies an
 * empty volume's mount point from the image, its owner and mode with it (moby v2
 * daemon/container/container_unix.go copyExistingContents, continuity fs.CopyDir). A volume a
 * container wrote before holds the same `keys` and `values` at its root, so it carries over.
 */
export const JAEGER_SWARM_DATA_DIR = "/tmp";

export const JAEGER_STORAGE_BACKENDS = ["badger", "memory"] as const;
/** Name of the storage backend inside jaeger_storage (referenced by query and exporter). */
export const JAEGER_STORE_NAME = "traces_store";

/** The `jaeger` config key. */
export const jaegerSettings = z
  .strictObject({
    /** `badger` (persistent, default) or `memory` (lost on restart). */
    storage: z.enum(JAEGER_STORAGE_BACKENDS).default("badger"),
    /** Span time-to-live for badger, in hours. */
    retentionHours: hours(1).default(72),
    /** Traces kept by the memory backend. */
    memoryMaxTraces: z.number().int().min(1).max(10_000_000).default(100000),
  })
  .prefault({});

export type JaegerInput = z.output<typeof jaegerSettings> & {
  /** Where badger's volume is mounted (default JAEGER_DATA_DIR). */
  dataDir?: string;
  /**
   * The query API and UI ask every caller for credentials (configs/web-auth.ts), and the OTLP
   * receivers take only the stack client, over TLS: its route is guarded.
   */
  queryAuth?: boolean;
};

/** htpasswd of the query's basicauth (users and bcrypt hashes, configs/web-auth.ts htpasswd), an uploaded secret. */
export const JAEGER_HTPASSWD_PATH = "/etc/jaeger/htpasswd";
/**
 * contrib `basicauth` extension as a server (bundled with Jaeger: cmd/jaeger/internal/components.go
 * at v2.13.0 and v2.20.0; config.go `htpasswd.file`, read with tg123/go-htpasswd, which takes
 * bcrypt's $2a$/$2y$). jaeger_query hands the host's extensions to confighttp/configgrpc
 * `ToServer` (cmd/query/app/server.go at v2.13.0, extension/jaegerquery/internal/server.go at
 * v2.20.0), so `auth.authenticator` guards the UI and both query APIs.
 */
const QUERY_AUTH = "basicauth/query";

/** htpasswd of the OTLP receivers' basicauth: the stack client alone (the collector), an uploaded secret. */
export const JAEGER_OTLP_HTPASSWD_PATH = "/etc/jaeger/otlp-htpasswd";
/** The OTLP receivers' server certificate (from the stack's CA, for `<domain>.jaeger`) and its key (a secret). */
export const JAEGER_OTLP_CERT_PATH = "/etc/jaeger/otlp-cert.pem";
export const JAEGER_OTLP_KEY_PATH = "/etc/jaeger/otlp-key.pem";
/**
 * The same extension for the OTLP receivers, with its own file: only the collector writes traces.
 * The receivers are core otlpreceiver v0.155.0 (Jaeger v2.20.0's go.mod; its
 * components/ext/receiver/otlpreceiver re-exports the factory), whose gRPC and HTTP server configs
 * take `tls` (configtls ServerConfig) and `auth` (configauth). Over TLS, because the collector's
 * gRPC client sends per-RPC credentials only on a secure transport.
 */
const OTLP_AUTH = "basicauth/otlp";

type Endpoint = { endpoint: string };
type Auth = { auth?: { authenticator: string } };
type ServerTls = { tls?: { cert_file: string; key_file: string; min_version: "1.3" } };

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
    jaeger_query: { storage: { traces: string }; http: Endpoint & Auth; grpc: Endpoint & Auth };
    [QUERY_AUTH]?: { htpasswd: { file: string } };
    [OTLP_AUTH]?: { htpasswd: { file: string } };
    jaeger_storage: { backends: Record<string, JaegerStorageBackend> };
  };
  receivers: { otlp: { protocols: { grpc: Endpoint & Auth & ServerTls; http: Endpoint & Auth & ServerTls } } };
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

export function jaegerConfig(input: JaegerInput): JaegerConfig {
  const p = CATALOG.jaeger.ports;
  const dataDir = input.dataDir ?? JAEGER_DATA_DIR;
  const auth: Auth = input.queryAuth ? { auth: { authenticator: QUERY_AUTH } } : {};
  const otlpAuth: Auth & ServerTls = input.queryAuth
    ? {
        tls: { cert_file: JAEGER_OTLP_CERT_PATH, key_file: JAEGER_OTLP_KEY_PATH, min_version: "1.3" },
        auth: { authenticator: OTLP_AUTH },
      }
    : {};
  const backend: JaegerStorageBackend =
    input.storage === "badger"
      ? {
          badger: {
            directories: { keys: `${dataDir}/keys`, values: `${dataDir}/values` },
            ephemeral: false,
            ttl: { spans: `${input.retentionHours}h` },
            maintenance_interval: "5m",
          },
        }
      : { memory: { max_traces: input.memoryMaxTraces } };
  return {
    service: {
      extensions: [
        "jaeger_storage",
        "jaeger_query",
        "healthcheckv2",
        ...(input.queryAuth ? [QUERY_AUTH, OTLP_AUTH] : []),
      ],
      // No batch processor: the collector batches already, and without one the storage exporter
      // runs inside the receiver's call, so Jaeger answers the collector only once badger holds the
      // spans (jaeger_storage_exporter has no queue and no retry by default: storageexporter
      // factory.go `createDefaultConfig`, config.go `queue` optional, at v2.20.0 and v2.13.0).
      // A batch processor answered first, and a Jaeger killed before its flush lost what the
      // collector's durable queue had already let go.
      pipelines: { traces: { receivers: ["otlp"], processors: [], exporters: ["jaeger_storage_exporter"] } },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: {
          // Not upstream's example `detailed` (cmd/jaeger/config-badger.yaml): nothing the stack
          // reads needs it (its exporter and receiver counters are `normal`), and `detailed`
          // keeps per-call gRPC and HTTP instrumentation (service v0.155.0
          // internal/metricviews/views.go drops it below detailed).
          level: "normal",
          readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: p.metrics } } } }],
        },
        logs: { level: "info" },
      },
    },
    extensions: {
      healthcheckv2: {
        use_v2: true,
        http: { endpoint: `0.0.0.0:${p.health}`, status: { enabled: true, path: JAEGER_HEALTH_PATH } },
      },
      jaeger_query: {
        storage: { traces: JAEGER_STORE_NAME },
        http: { endpoint: `0.0.0.0:${p.ui}`, ...auth },
        grpc: { endpoint: `0.0.0.0:${p.queryGrpc}`, ...auth },
      },
      jaeger_storage: { backends: { [JAEGER_STORE_NAME]: backend } },
      ...(input.queryAuth
        ? {
            [QUERY_AUTH]: { htpasswd: { file: JAEGER_HTPASSWD_PATH } },
            [OTLP_AUTH]: { htpasswd: { file: JAEGER_OTLP_HTPASSWD_PATH } },
          }
        : {}),
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${p.otlpGrpc}`, ...otlpAuth },
          http: { endpoint: `0.0.0.0:${p.otlpHttp}`, ...otlpAuth },
        },
      },
    },
    exporters: { jaeger_storage_exporter: { trace_storage: JAEGER_STORE_NAME } },
  };
}

export function jaegerFiles(input: JaegerInput): ConfigFile[] {
  return [{ path: JAEGER_CONFIG_PATH, content: toYaml(jaegerConfig(input)) }];
}

/** Replaces the image CMD (ENTRYPOINT is the jaeger binary). */
export function jaegerCommand(): string[] {
  return [`--config=${JAEGER_CONFIG_PATH}`];
}

/** The image is Alpine-based: busybox wget asks the health check extension. */
export const jaegerHealthcheck = wgetCheck(
  `http://127.0.0.1:${CATALOG.jaeger.ports.health}${JAEGER_HEALTH_PATH}`,
  "20s",
);
