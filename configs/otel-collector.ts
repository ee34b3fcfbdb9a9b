/**
 * OpenTelemetry Collector (otel/opentelemetry-collector-contrib:0.161.0) configuration.
 *
 * Component type names are the lower_snake_case names current in 0.161.0: `otlp_grpc` and
 * `otlp_http` (core v0.144.0 renamed `otlp`/`otlphttp`, old names are deprecated aliases that log a
 * warning), `file_log` (was `filelog`) and `span_metrics` (was `spanmetrics`; the new name is in
 * contrib 0.157 already).
 * Every backend is reached over OTLP: Loki at its native `/otlp` (the contrib `loki` exporter was
 * removed), Prometheus at its OTLP receiver (`/api/v1/otlp`, `--web.enable-otlp-receiver`), Jaeger
 * over OTLP/gRPC. So all three exporters share one durable sending queue; the remote-write
 * exporter has none (its `wal` option is known to stall forwarding).
 */
import { z } from "zod";
import { CATALOG, type Hosts } from "./catalog";
import type { ConfigFile, HealthcheckSpec } from "./types";
import { sortedRecord, toYaml } from "./yaml";
import { MIB, queueFileMaxBytes } from "./disk-budget";

/** Where the contrib image reads its config (its default CMD is `--config /etc/otelcol-contrib/config.yaml`). */
export const OTEL_CONFIG_PATH = "/etc/otelcol-contrib/config.yaml";
/**
 * Host directory the collector tails when `dockerLogs` is on; mount it read-only at the same path.
 * The json-file logs there are `root:root 0640`: the collector reads them through root's group
 * (configs/privileges.ts).
 */
export const OTEL_DOCKER_LOGS_DIR = "/var/lib/docker/containers";
/**
 * Docker label carrying a container's name into its json-file log lines. Docker writes a
 * container's labels into each line's `attrs` only when the container runs with log option
 * `labels=<this key>` (json-file driver); set both (label `io.scaibu.container.name=<name>` and
 * log-opt `labels=io.scaibu.container.name`) and the collector sets `container.name` from it.
 * A json-file log line holds no container name otherwise; `container.id` always comes from the path.
 */
export const DOCKER_LOG_NAME_LABEL = "io.scaibu.container.name";
/** Resource attribute stamped on all telemetry so this stack's data can be told apart. */
export const STACK_MARKER_ATTRIBUTE = "scaibu.stack";

/** The `resourceAttributes` config key: extra attributes stamped on all telemetry. */
export const resourceAttributesSettings = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be an attribute key of letters, digits, _ . -"), z.string())
  .superRefine((attrs, ctx) => {
    if (STACK_MARKER_ATTRIBUTE in attrs)
      ctx.addIssue({
        code: "custom",
        path: [STACK_MARKER_ATTRIBUTE],
        message: "is reserved: the stack sets it on all telemetry itself",
      });
  })
  .default({});

/** spanmetrics settings; Grafana dashboards query the resulting Prometheus names below. */
export const SPANMETRICS_NAMESPACE = "traces.span.metrics";
/** Counter `traces.span.metrics.calls` as Prometheus's OTLP receiver names it (suffix `_total`). */
export const SPANMETRICS_CALLS_METRIC = "traces_span_metrics_calls_total";
/** Histogram `traces.span.metrics.duration` with unit ms (unit suffix + `_bucket`). */
export const SPANMETRICS_DURATION_BUCKET_METRIC = "traces_span_metrics_duration_milliseconds_bucket";
/** Buckets chosen so p50/p95/p99 interpolate sensibly from 5 ms to 10 s. */
export const SPANMETRICS_BUCKETS_MS = [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000] as const;
/** Extra span attributes kept as labels (old and current HTTP semantic-convention names). */
export const SPANMETRICS_DIMENSIONS = [
  "http.method",
  "http.request.method",
  "http.route",
  "http.status_code",
  "http.response.status_code",
] as const;

export interface OtelCollectorInput {
  /** In-network hostnames of the stores (e.g. `scaibu.loki`). */
  hosts: Pick<Hosts, "loki" | "prometheus" | "jaeger">;
  /** Tail the host's Docker json-file logs (needs the log dir mounted read-only, and root: see above). */
  dockerLogs: boolean;
  /** Extra resource attributes, e.g. `{ "deployment.environment": "prod" }`; inserted, never overwriting an app's own. */
  resourceAttributes: Readonly<Record<string, string>>;
  /** Value of the `scaibu.stack` marker attribute (e.g. `scaibu-observability/dev`). */
  stackName: string;
  /** Bearer token on the routed OTLP receiver (what Traefik forwards); false leaves it open. */
  tokenOnRouted: boolean;
  /** Bearer token on the host-published OTLP ports too (loopback apps then need it). */
  tokenOnHost: boolean;
  /** Exporter queues on disk (`file_storage`), surviving restarts of the collector. */
  persistentQueue: boolean;
  /** Batches each exporter's queue holds before it refuses more. */
  queueBatches: number;
  /** The queue volume's share of the disk budget (configs/disk-budget.ts): bounds its bbolt files. */
  queueShareBytes?: number;
  /** memory_limiter's hard limit (`collector.memoryLimitMib`). */
  memoryLimitMib: number;
  /** Host and container metrics (the `hostMetrics` key). */
  hostMetrics: HostMetricsSettings;
  /** Docker API docker_stats reads: the socket proxy, e.g. `tcp://scaibu.socket-proxy:2375`. */
  dockerEndpoint: string;
  /** Docker label marking this stack's containers (`io.scaibu.stack`). */
  stackLabelKey: string;
  /** The gateway of a swarm's node agents (`fleet.mode: swarm`): their mTLS receiver (configs/fleet.ts). */
  fleetGateway?: boolean;
  /** Prometheus asks for the stack client's login (configs/web-auth.ts): the push sends it. */
  prometheusAuth?: boolean;
  /**
   * Jaeger's OTLP receivers ask for it too, over TLS (configs/jaeger.ts): the push sends it and
   * checks Jaeger's certificate against the stack's CA.
   */
  jaegerAuth?: boolean;
}

/** memory_limiter hard limit by default (seed: 400 MiB); the container limit must stay above it. */
export const OTEL_MEMORY_LIMIT_MIB = 400;
/**
 * What the container needs beyond the memory_limiter's limit: the Go runtime's slack, and the
 * health check's second collector process (`validate`, 35 MiB RSS with the local build).
 */
export const OTEL_MEMORY_HEADROOM_MIB = 160;

/** The `collector` config key. */
export const collectorSettings = z
  .strictObject({
    /** Keep exporter queues on a named volume, so a collector restart loses nothing queued. */
    persistentQueue: z.boolean().default(true),
    /** Batches (up to 2048 items each) each exporter may queue while its backend is away. */
    queueBatches: z.number().int().min(10).max(1_000_000).default(5000),
    /**
     * Heap at which memory_limiter starts refusing data (OTLP senders get a retryable error);
     * at least OTEL_MEMORY_HEADROOM_MIB under `services.otelCollector.memoryMb` (checked in settings).
     */
    memoryLimitMib: z.number().int().min(32).max(65536).default(OTEL_MEMORY_LIMIT_MIB),
    /** Memory limit (MiB) of the log agent, the container that tails Docker's logs (collectDockerLogs). */
    logAgentMemoryMb: z.number().int().min(64).max(4096).default(128),
  })
  .prefault({});

/**
 * The `hostMetrics` config key: metrics of the Docker host and of every container on it.
 * Receiver facts, read at the pinned release v0.161.0 (module source from the Go proxy):
 * receiver/hostmetricsreceiver (type `host_metrics`, deprecated alias `hostmetrics`; `root_path`,
 * scrapers, README "Collecting host metrics from inside a container") and
 * receiver/dockerstatsreceiver (type `docker_stats`; `endpoint`, `api_version`,
 * `container_labels_to_metric_labels`, optional `container.restarts` and `container.memory.fails`),
 * cited in docs/upstream.md.
 */
export const hostMetricsSettings = z
  .strictObject({
    /** host_metrics: CPU, memory, load, filesystems, disks, paging and processes of the Docker host (mounts its `/` read-only). */
    enabled: z.boolean().default(true),
    /** docker_stats: CPU, memory against limit, network, block I/O and restarts of every container, through the socket proxy. */
    containers: z.boolean().default(true),
    /** Seconds between two collections of both (the collector's idle cost scales with it). */
    intervalSeconds: z.number().int().min(10).max(3600).default(30),
  })
  .prefault({});

export type HostMetricsSettings = z.output<typeof hostMetricsSettings>;

/** Where the host's root filesystem is mounted (read-only) in the collector: `root_path`. */
export const OTEL_HOSTFS = "/hostfs";
/**
 * The host's runtime and temporary directories, where its sockets live (docker.sock, containerd,
 * D-Bus, journald, X11...). A read-only bind does not stop `connect()` on a socket, so the
 * collector sees them under an empty read-only tmpfs (configs/privileges.ts HOSTFS_MASKS).
 */
export const MASKED_HOST_DIRS = ["/run", "/var/run", "/tmp", "/var/tmp"] as const;
/**
 * The Docker label of a container that goes onto its metrics as a resource attribute (and so a
 * Prometheus label, `container_label_io_scaibu_stack`, cAdvisor's naming): which stack it is part
 * of. The `scaibu.stack` attribute cannot say it: the collector stamps that one on everything it sends.
 */
export const CONTAINER_STACK_ATTRIBUTE = "container.label.io.scaibu.stack";
/** The Docker API version docker_stats asks for: its default at v0.161.0, served by Engine 25 and later. */
export const DOCKER_STATS_API_VERSION = "1.44";

/** File the routed OTLP receiver's bearer token is read from (an uploaded secret). */
export const OTEL_TOKEN_PATH = "/etc/otelcol-contrib/otlp-token";
/** Named volume mount point of the exporters' persistent queues. */
export const OTEL_QUEUE_DIR = "/var/lib/otelcol/queue";
const AUTH = "bearertokenauth/otlp";
/**
 * The same extension as a client: `Authorization: Basic <file>` on the pushes to Prometheus and
 * Jaeger, which check the stack client's login themselves (configs/web-auth.ts).
 */
const STACK_CLIENT_AUTH = "bearertokenauth/stack_client";
/** `base64(user:password)` of the stack client (configs/web-auth.ts basicCredentials), an uploaded secret. */
export const OTEL_STACK_CLIENT_CREDENTIALS_PATH = "/etc/otelcol-contrib/stack-client-credentials";
/** The stack's CA, which signed Jaeger's OTLP server certificate (public). */
export const OTEL_STACK_CA_PATH = "/etc/otelcol-contrib/stack-ca.pem";
const QUEUE_STORAGE = "file_storage/queue";

type Endpoint = { endpoint: string };
export type AttributeAction =
  | { key: string; value: string; action: "insert" | "upsert" | "update" }
  | { key: string; from_attribute: string; action: "insert" | "upsert" | "update" };

type Enabled = { enabled: boolean };

export interface HostMetricsReceiver {
  collection_interval: string;
  root_path: string;
  scrapers: {
    cpu: { metrics: { "system.cpu.utilization": Enabled } };
    memory: { metrics: { "system.memory.utilization": Enabled } };
    load: Record<string, never>;
    filesystem: {
      exclude_mount_points: { mount_points: string[]; match_type: "regexp" };
      metrics: { "system.filesystem.utilization": Enabled };
    };
    disk: Record<string, never>;
    paging: Record<string, never>;
    processes: Record<string, never>;
  };
}

export interface DockerStatsReceiver {
  endpoint: string;
  api_version: string;
  collection_interval: string;
  timeout: string;
  container_labels_to_metric_labels: Record<string, string>;
  metrics: { "container.restarts": Enabled; "container.memory.fails": Enabled };
}

type Auth = { auth?: { authenticator: string } };
type Queue = {
  sending_queue: { enabled: true; queue_size: number; storage?: string };
  retry_on_failure: { enabled: true; initial_interval: string; max_interval: string; max_elapsed_time: string };
};

export interface OtelCollectorConfig {
  extensions: {
    health_check: Endpoint;
    [AUTH]?: { filename: string };
    [STACK_CLIENT_AUTH]?: { scheme: "Basic"; filename: string };
    [QUEUE_STORAGE]?: {
      directory: string;
      create_directory: boolean;
      timeout: string;
      /** Bytes each bbolt file (one per exporter) may grow to; a full one refuses new batches. */
      max_size?: number;
      compaction: {
        on_start: boolean;
        on_rebound: boolean;
        directory: string;
        rebound_needed_threshold_mib?: number;
        rebound_trigger_threshold_mib?: number;
      };
    };
  };
  receivers: {
    otlp: { protocols: { grpc: Endpoint & Auth; http: Endpoint & Auth } };
    /** OTLP/HTTP for traffic routed through Traefik. */
    "otlp/routed": { protocols: { http: Endpoint & Auth } };
    host_metrics?: HostMetricsReceiver;
    docker_stats?: DockerStatsReceiver;
    /** OTLP/gRPC from the log agent, inside the Docker network only. */
    "otlp/agents"?: { protocols: { grpc: Endpoint } };
    /** OTLP/gRPC with mutual TLS from a swarm's node agents, on the fleet network only. */
    "otlp/fleet"?: ReturnType<typeof gatewayReceiver>;
  };
  processors: {
    memory_limiter: { check_interval: string; limit_mib: number; spike_limit_mib: number };
    batch: { timeout: string; send_batch_size: number; send_batch_max_size: number };
    resource: { attributes: AttributeAction[] };
  };
  connectors: {
    span_metrics: {
      namespace: string;
      histogram: { unit: "ms" | "s"; explicit: { buckets: string[] } };
      dimensions: { name: string }[];
      exemplars: { enabled: boolean };
      aggregation_temporality: "AGGREGATION_TEMPORALITY_CUMULATIVE";
      metrics_flush_interval: string;
    };
  };
  exporters: {
    "otlp_http/loki": { endpoint: string } & Queue;
    "otlp_http/prometheus": { endpoint: string } & Queue & Auth;
    "otlp_grpc/jaeger": {
      endpoint: string;
      compression: "none";
      tls: { insecure: true } | { ca_file: string };
    } & Auth &
      Queue;
  };
  service: {
    extensions: string[];
    telemetry: {
      logs: { level: string };
      metrics: {
        level: "basic" | "normal" | "detailed";
        readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[];
      };
    };
    pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
  };
}

/** Whether the collector sends the stack client's login to any server (the file then holds it). */
function stackClient(input: Pick<OtelCollectorInput, "prometheusAuth" | "jaegerAuth">): boolean {
  return Boolean(input.prometheusAuth || input.jaegerAuth);
}

export function otelCollectorConfig(input: OtelCollectorInput): OtelCollectorConfig {
  const mib = input.memoryLimitMib;
  const { ports } = CATALOG.otelCollector;
  const attrs = sortedRecord(input.resourceAttributes);
  const common = ["memory_limiter", "resource", "batch"];
  const otlp = ["otlp", "otlp/routed"];
  const pipelines: OtelCollectorConfig["service"]["pipelines"] = {
    traces: { receivers: otlp, processors: common, exporters: ["otlp_grpc/jaeger", "span_metrics"] },
    metrics: { receivers: [...otlp, "span_metrics"], processors: common, exporters: ["otlp_http/prometheus"] },
    logs: { receivers: otlp, processors: common, exporters: ["otlp_http/loki"] },
  };
  const auth = (on: boolean): Auth => (on ? { auth: { authenticator: AUTH } } : {});
  // Retries back off up to 30 s; a batch older than 6 h is dropped (and counted as failed).
  const queue: Queue = {
    sending_queue: {
      enabled: true,
      queue_size: input.queueBatches,
      ...(input.persistentQueue ? { storage: QUEUE_STORAGE } : {}),
    },
    retry_on_failure: { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "6h" },
  };
  const config: OtelCollectorConfig = {
    extensions: { health_check: { endpoint: `0.0.0.0:${ports.health}` } },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${ports.otlpGrpc}`, ...auth(input.tokenOnHost) },
          http: { endpoint: `0.0.0.0:${ports.otlpHttp}`, ...auth(input.tokenOnHost) },
        },
      },
      "otlp/routed": { protocols: { http: { endpoint: `0.0.0.0:${ports.otlpRouted}`, ...auth(input.tokenOnRouted) } } },
    },
    processors: {
      // First in every pipeline: refuses data (retryable for OTLP clients) before the heap blows up.
      memory_limiter: { check_interval: "1s", limit_mib: mib, spike_limit_mib: Math.floor(mib / 5) },
      // Last before export (seed: 10 s or 1024 items).
      batch: { timeout: "10s", send_batch_size: 1024, send_batch_max_size: 2048 },
      resource: {
        attributes: [
          ...Object.entries(attrs).map(([key, value]) => ({ key, value, action: "insert" as const })),
          { key: STACK_MARKER_ATTRIBUTE, value: input.stackName, action: "upsert" as const },
        ],
      },
    },
    connectors: {
      span_metrics: {
        // Explicit, so metric names do not move when upstream defaults change (the default unit is
        // being switched from ms to s behind a feature gate).
        namespace: SPANMETRICS_NAMESPACE,
        histogram: { unit: "ms", explicit: { buckets: SPANMETRICS_BUCKETS_MS.map((ms) => `${ms}ms`) } },
        dimensions: SPANMETRICS_DIMENSIONS.map((name) => ({ name })),
        exemplars: { enabled: true },
        // Prometheus's OTLP receiver rejects delta sums/histograms unless told to convert them.
        aggregation_temporality: "AGGREGATION_TEMPORALITY_CUMULATIVE",
        metrics_flush_interval: "15s",
      },
    },
    exporters: {
      // The exporter appends /v1/logs: Loki's OTLP ingestion is POST /otlp/v1/logs.
      "otlp_http/loki": { endpoint: `http://${input.hosts.loki}:${CATALOG.loki.ports.http}/otlp`, ...queue },
      // The exporter appends /v1/metrics (collector exporter/otlphttpexporter v0.161.0 config.go,
      // factory.go composeSignalURL; gzip by default): Prometheus takes OTLP at
      // POST /api/v1/otlp/v1/metrics (web/api/v1/api.go at v3.14.0). Which resource attributes become labels is Prometheus's
      // `otlp:` config (configs/prometheus.ts).
      "otlp_http/prometheus": {
        endpoint: `http://${input.hosts.prometheus}:${CATALOG.prometheus.ports.http}/api/v1/otlp`,
        ...queue,
        ...(input.prometheusAuth ? { auth: { authenticator: STACK_CLIENT_AUTH } } : {}),
      },
      // bearertokenauth's per-RPC credentials require a secure transport (its
      // RequireTransportSecurity is true at v0.161.0), so the login goes with TLS: the endpoint's
      // host is the name Jaeger's certificate is issued for (configtls ClientConfig `ca_file`).
      // Uncompressed: the exporter gzips by default (otlpexporter v0.161.0 factory.go), which on
      // the stack's own network only spends the collector's and Jaeger's CPU (docs/benchmark.md);
      // `none` is a configcompression v1.67.0 type (compressiontype.go).
      "otlp_grpc/jaeger": {
        endpoint: `${input.hosts.jaeger}:${CATALOG.jaeger.ports.otlpGrpc}`,
        compression: "none",
        ...(input.jaegerAuth
          ? { tls: { ca_file: OTEL_STACK_CA_PATH }, auth: { authenticator: STACK_CLIENT_AUTH } }
          : { tls: { insecure: true } }),
        ...queue,
      },
    },
    service: {
      extensions: [
        "health_check",
        ...(input.tokenOnHost || input.tokenOnRouted ? [AUTH] : []),
        ...(stackClient(input) ? [STACK_CLIENT_AUTH] : []),
        ...(input.persistentQueue ? [QUEUE_STORAGE] : []),
      ],
      telemetry: {
        logs: { level: "info" },
        metrics: {
          level: "normal",
          readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: ports.metrics } } } }],
        },
      },
      pipelines,
    },
  };

  if (input.tokenOnHost || input.tokenOnRouted) config.extensions[AUTH] = { filename: OTEL_TOKEN_PATH };
  if (stackClient(input)) {
    config.extensions[STACK_CLIENT_AUTH] = { scheme: "Basic", filename: OTEL_STACK_CLIENT_CREDENTIALS_PATH };
  }
  if (input.persistentQueue) {
    config.extensions[QUEUE_STORAGE] = {
      directory: OTEL_QUEUE_DIR,
      // The volume provides it in the container; `validate` elsewhere (the tests) has no volume.
      create_directory: true,
      timeout: "1s",
      // Reclaims the space of sent batches at start and once the queue has drained.
      compaction: { on_start: true, on_rebound: true, directory: OTEL_QUEUE_DIR },
    };
    if (input.queueShareBytes !== undefined) {
      const queued = Object.values(config.exporters).filter((e) => e.sending_queue.storage);
      const max = queueFileMaxBytes(input.queueShareBytes, queued.length);
      const storage = config.extensions[QUEUE_STORAGE];
      storage.max_size = max;
      // Both rebound thresholds must fit in max_size (filestorage config.go Validate): the
      // defaults (100 and 10 MiB) scaled down for a small share; below 4 MiB a file is only
      // compacted at start.
      const needed = Math.min(100, Math.floor(max / MIB / 2));
      if (needed < 2) storage.compaction.on_rebound = false;
      else {
        storage.compaction.rebound_needed_threshold_mib = needed;
        storage.compaction.rebound_trigger_threshold_mib = Math.max(1, Math.min(10, needed >> 2));
      }
    }
  }
  const host = input.hostMetrics;
  const interval = `${host.intervalSeconds}s`;
  if (host.enabled) config.receivers.host_metrics = hostMetricsReceiver(interval);
  if (host.containers)
    config.receivers.docker_stats = dockerStatsReceiver(input.dockerEndpoint, interval, input.stackLabelKey);
  const hostReceivers = [...(host.enabled ? ["host_metrics"] : []), ...(host.containers ? ["docker_stats"] : [])];
  if (hostReceivers.length) {
    pipelines["metrics/host"] = {
      receivers: hostReceivers,
      processors: ["memory_limiter", "resource", "batch"],
      exporters: ["otlp_http/prometheus"],
    };
  }
  if (input.dockerLogs) {
    // Docker's container logs arrive from the log agent (configs/otel-logs.ts), which alone may
    // read them; this receiver is reachable only inside the Docker network.
    config.receivers["otlp/agents"] = { protocols: { grpc: { endpoint: `0.0.0.0:${ports.otlpAgents}` } } };
    pipelines.logs!.receivers = [...otlp, "otlp/agents"];
  }
  if (input.fleetGateway) {
    // Every node's host metrics and container logs, from its agent (configs/fleet.ts).
    config.receivers["otlp/fleet"] = gatewayReceiver();
    pipelines.metrics!.receivers = [...pipelines.metrics!.receivers, "otlp/fleet"];
    pipelines.logs!.receivers = [...pipelines.logs!.receivers, "otlp/fleet"];
  }
  return config;
}

/** The docker_stats receiver of one engine (the collector's host, or a swarm node's agent), through a socket proxy. */
export function dockerStatsReceiver(endpoint: string, interval: string, stackLabelKey: string): DockerStatsReceiver {
  return {
    endpoint,
    api_version: DOCKER_STATS_API_VERSION,
    collection_interval: interval,
    timeout: "10s",
    container_labels_to_metric_labels: { [stackLabelKey]: CONTAINER_STACK_ATTRIBUTE },
    // Off by default upstream; the restart and OOM alerts read them. `container.memory.fails`
    // is the cgroup v2 `memory.events` oom count (Docker's daemon/stats_unix.go), or v1 failcnt.
    metrics: { "container.restarts": { enabled: true }, "container.memory.fails": { enabled: true } },
  };
}

/** The host_metrics receiver of the Docker host whose `/` is mounted at OTEL_HOSTFS (the collector's, or a node agent's). */
export function hostMetricsReceiver(interval: string): HostMetricsReceiver {
  return {
    collection_interval: interval,
    root_path: OTEL_HOSTFS,
    // No `network` scraper: it reads /proc/net, which shows the network namespace of the reader
    // (the collector's container), not the host's. Container traffic comes from docker_stats.
    scrapers: {
      cpu: { metrics: { "system.cpu.utilization": { enabled: true } } },
      memory: { metrics: { "system.memory.utilization": { enabled: true } } },
      load: {},
      filesystem: {
        // Docker's own bind mounts (/etc/hosts and friends of each container) repeat a real disk;
        // the host's runtime and temporary directories are masked in the collector
        // (HOSTFS_MASKS), so statfs there would read the mask, not the host.
        exclude_mount_points: {
          mount_points: ["^/var/lib/docker/.+", ...MASKED_HOST_DIRS.map((d) => `^${d}($|/)`)],
          match_type: "regexp",
        },
        metrics: { "system.filesystem.utilization": { enabled: true } },
      },
      disk: {},
      paging: {},
      processes: {},
    },
  };
}

/** The gateway's side: the collector's server certificate, key and the CA it checks agents against. */
export const GATEWAY_CERT_PATH = "/etc/otelcol-contrib/fleet/gateway.crt";
export const GATEWAY_KEY_PATH = "/etc/otelcol-contrib/fleet/gateway.key";
export const GATEWAY_CLIENT_CA_PATH = "/etc/otelcol-contrib/fleet/ca.crt";

/** The gateway's mTLS receiver, as the collector's config holds it (configs/otel-collector.ts). */
export function gatewayReceiver() {
  return {
    protocols: {
      grpc: {
        endpoint: `0.0.0.0:${CATALOG.otelCollector.ports.otlpFleet}`,
        // client_ca_file: a client must present a certificate the stack's CA signed, with the
        // clientAuth usage (configtls ServerConfig: tls.RequireAndVerifyClientCert).
        tls: {
          cert_file: GATEWAY_CERT_PATH,
          key_file: GATEWAY_KEY_PATH,
          client_ca_file: GATEWAY_CLIENT_CA_PATH,
          min_version: "1.3",
        },
      },
    },
  };
}

export function otelCollectorFiles(input: OtelCollectorInput): ConfigFile[] {
  return [{ path: OTEL_CONFIG_PATH, content: toYaml(otelCollectorConfig(input)) }];
}

/** Replaces the image CMD (the ENTRYPOINT `/otelcol-contrib` stays). */
export function otelCollectorCommand(): string[] {
  return [`--config=${OTEL_CONFIG_PATH}`];
}

/**
 * The image is FROM scratch: no shell and no HTTP client. The only program inside is the
 * collector, whose `validate` proves the binary runs and the uploaded config loads. Traefik routes
 * nothing to a container until it is healthy, and the first check runs one interval after start:
 * 10 s keeps that gap short (start_interval needs Engine 25+). A run costs about 0.02 s of CPU
 * (measured with the local build).
 */
export const otelCollectorHealthcheck: HealthcheckSpec = {
  test: ["CMD", "/otelcol-contrib", "validate", `--config=${OTEL_CONFIG_PATH}`],
  interval: "10s",
};
