/**
 * The service catalog: one entry per service, keyed by its one name. That name is also its key
 * under the `services` config; `host` is the `<service>` in `https://<domain>.<service>` and the
 * key of the `urls` output. Every port a service listens on inside the Docker network, and every
 * datasource uid, is written here once and read by the builders and components.
 */

/** `image` is the default image: the version this program is tested against. */
export const CATALOG = {
  prometheus: {
    host: "prometheus",
    image: "prom/prometheus:v3.14.0",
    memoryMb: 1024,
    job: "prometheus",
    routed: true,
    ports: { http: 9090 },
    metricsPort: 9090,
    datasourceUid: "prometheus",
  },
  loki: {
    host: "loki",
    image: "grafana/loki:3.7.7",
    memoryMb: 1024,
    job: "loki",
    routed: true,
    ports: { http: 3100, grpc: 9096 },
    metricsPort: 3100,
    datasourceUid: "loki",
  },
  jaeger: {
    host: "jaeger",
    // 2.20.0, not newer: later releases drop the legacy query API (/api/services, /api/traces
    // search; jaegertracing/jaeger#9260), which Grafana's Jaeger datasource still uses for
    // search (grafana-jaeger-datasource v13.0.1 pkg/jaeger/querydata.go). See docs/upstream.md.
    image: "jaegertracing/jaeger:2.20.0",
    // npm run bench:load: Jaeger (badger) peaked at 470 of 512 MiB taking 3,470 spans/s here, and
    // was OOM-killed near 4,300 spans/s; the collector stayed under 30 MiB.
    memoryMb: 1024,
    job: "jaeger",
    routed: true,
    // Jaeger v2 is a collector distribution: same internal-telemetry reader on 8888.
    ports: { otlpGrpc: 4317, otlpHttp: 4318, ui: 16686, queryGrpc: 16685, health: 13133, metrics: 8888 },
    metricsPort: 8888,
    datasourceUid: "jaeger",
  },
  grafana: {
    host: "grafana",
    image: "grafana/grafana:13.2.1",
    // Idles near 330 MiB and runs each bundled datasource as its own process; 512 MiB gets OOM-killed.
    memoryMb: 1024,
    job: "grafana",
    routed: true,
    ports: { http: 3000 },
    metricsPort: 3000,
  },
  otelCollector: {
    host: "otel",
    image: "otel/opentelemetry-collector-contrib:0.161.0",
    // memory_limiter stops at 400 MiB (seed); above it go the Go runtime's slack and the health
    // check, a second collector process (`validate`, 35 MiB RSS measured with the local build,
    // more with the full contrib binary): 512 left too little.
    memoryMb: 640,
    job: "otel-collector",
    routed: true,
    // otlpRouted: OTLP/HTTP for Traefik only, behind the bearer token. otlpAgents: OTLP/gRPC from
    // the log agent (configs/otel-logs.ts), inside the network only. otlpFleet: OTLP/gRPC with
    // mutual TLS from the node agents of a swarm (configs/fleet.ts), on the fleet network only.
    ports: {
      otlpGrpc: 4317,
      otlpHttp: 4318,
      otlpRouted: 4319,
      otlpAgents: 4321,
      otlpFleet: 4322,
      health: 13133,
      metrics: 8888,
    },
    metricsPort: 8888,
  },
  traefik: {
    host: "traefik",
    image: "traefik:v3.7.13",
    memoryMb: 256,
    job: "traefik",
    routed: true,
    // `traefik` entrypoint: ping, metrics; never published (configs/traefik.ts).
    ports: { web: 80, websecure: 443, internal: 8080 },
    metricsPort: 8080,
  },
  alertmanager: {
    host: "alertmanager",
    // The newest release the Go module proxy serves (the local image is built from it).
    image: "prom/alertmanager:v0.35.0",
    memoryMb: 128,
    job: "alertmanager",
    routed: true,
    ports: { http: 9093 },
    metricsPort: 9093,
    datasourceUid: "alertmanager",
  },
  socketProxy: {
    host: "socket-proxy",
    // Tecnativa's HAProxy filter in front of the Docker socket (tags follow the git tags, v-prefixed
    // since v0.4.0): the only container that mounts docker.sock. See configs/socket-proxy.ts.
    image: "tecnativa/docker-socket-proxy:v0.4.1",
    memoryMb: 64,
    job: "socket-proxy",
    routed: false, // inside the Docker network only
    ports: { api: 2375 },
  },
} as const;

export type ServiceKey = keyof typeof CATALOG;
/** In the order the stack declares them. */
export const SERVICE_KEYS = Object.keys(CATALOG) as ServiceKey[];
/** The `<service>` part of a hostname, e.g. `otel`. */
export type ServiceHost = (typeof CATALOG)[ServiceKey]["host"];

/** Services Traefik serves at `https://<domain>.<service>`, in catalog order. */
export const ROUTED_KEYS = SERVICE_KEYS.filter((k) => CATALOG[k].routed);

/** In-network hostname of every service (also its container name and TLS name). */
export type Hosts = Record<ServiceKey, string>;

export function hostsFor(domain: string): Hosts {
  return Object.fromEntries(SERVICE_KEYS.map((k) => [k, `${domain}.${CATALOG[k].host}`])) as Hosts;
}
