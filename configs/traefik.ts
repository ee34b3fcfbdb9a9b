import { CATALOG } from "./catalog";
import type { ConfigFile, HealthcheckSpec } from "./types";
import { toYaml } from "./yaml";

export const TRAEFIK_STATIC_PATH = "/etc/traefik/traefik.yml";
export const TRAEFIK_DYNAMIC_DIR = "/etc/traefik/dynamic";
export const TRAEFIK_CERT_PATH = "/etc/traefik/certs/server.crt";
export const TRAEFIK_KEY_PATH = "/etc/traefik/certs/server.key";
/** The logins its metrics take (configs/web-auth.ts `traefikMetrics`): an uploaded secret, `name:hash` lines. */
export const TRAEFIK_METRICS_USERS_PATH = "/etc/traefik/auth/metrics.htpasswd";

export interface TraefikConfigInput {
  /** Network Traefik reaches containers over (the observability network). */
  networkName: string;
  /** Docker API to watch: the socket proxy (`tcp://<host>:2375`). */
  dockerEndpoint: string;
  /** Label key/value a container must carry to be routed (this stack only). */
  constraintLabel: { key: string; value: string };
  /** A second label (same value) that routes containers of other stacks (consumers). */
  consumerLabel?: string;
  /** In a swarm (fleet.mode swarm): Swarm services on this overlay network are routed too. */
  swarmNetwork?: string;
  /**
   * Its metrics ask for a login (TRAEFIK_METRICS_USERS_PATH): whenever its route is guarded. They
   * name every router and service with their hosts, and the entrypoint is on the stack's network,
   * which consumer apps join (and in a swarm, any node's containers).
   */
  metricsAuth?: boolean;
}

export interface TraefikStaticConfig {
  global: { checkNewVersion: boolean; sendAnonymousUsage: boolean };
  log: { level: string };
  accessLog: Record<string, never>;
  entryPoints: {
    web: {
      address: string;
      http: { redirections: { entryPoint: { to: string; scheme: string; permanent: boolean } } };
    };
    websecure: { address: string; http: { tls: Record<string, never>; middlewares: string[] } };
    traefik: { address: string };
  };
  api: { dashboard: boolean; insecure: boolean };
  ping: { entryPoint: string };
  metrics: {
    prometheus: { entryPoint: string; addRoutersLabels: boolean; addServicesLabels: boolean; manualRouting?: boolean };
  };
  providers: {
    docker: { endpoint: string; exposedByDefault: boolean; network: string; constraints: string; watch: boolean };
    /** Polls the Swarm API every `refreshSeconds` (pkg/provider/docker/pswarm.go, v3.7.13). */
    swarm?: {
      endpoint: string;
      exposedByDefault: boolean;
      network: string;
      constraints: string;
      refreshSeconds: string;
    };
    file: { directory: string; watch: boolean };
  };
}

export function traefikStaticConfig(input: TraefikConfigInput): TraefikStaticConfig {
  const { key, value } = input.constraintLabel;
  const { web, websecure, internal } = CATALOG.traefik.ports;
  // Only this stack's containers and services and the consumers that name it, even on a shared
  // host or swarm where others set traefik.enable (pkg/provider/constraints: Label(), || at v3.7.13).
  const constraints = [key, ...(input.consumerLabel ? [input.consumerLabel] : [])]
    .map((k) => `Label(\`${k}\`,\`${value}\`)`)
    .join(" || ");
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false }, // no phoning home from a closed host
    log: { level: "INFO" },
    accessLog: {},
    entryPoints: {
      web: {
        address: `:${web}`,
        http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
      },
      // Every HTTPS response carries HSTS (the middleware is in the dynamic file).
      websecure: { address: `:${websecure}`, http: { tls: {}, middlewares: [`${HSTS_MIDDLEWARE}@file`] } },
      // Ping and metrics; never published on the host.
      traefik: { address: `:${internal}` },
    },
    api: { dashboard: true, insecure: false }, // the dashboard is only served through its authenticated router
    ping: { entryPoint: "traefik" }, // what `traefik healthcheck --ping` asks
    metrics: {
      prometheus: {
        entryPoint: "traefik",
        addRoutersLabels: true,
        addServicesLabels: true,
        // Served only by the guarded router of the dynamic file (traefikDynamicConfig).
        ...(input.metricsAuth ? { manualRouting: true } : {}),
      },
    },
    providers: {
      docker: {
        endpoint: input.dockerEndpoint,
        exposedByDefault: false,
        network: input.networkName,
        constraints,
        watch: true,
      },
      // A swarm's app services, on any node, reached over the fleet network at their tasks'
      // addresses (the default without `traefik.swarm.lbswarm`, so no virtual IP, which needs IPVS).
      ...(input.swarmNetwork
        ? {
            swarm: {
              endpoint: input.dockerEndpoint,
              exposedByDefault: false,
              network: input.swarmNetwork,
              constraints,
              refreshSeconds: "15s",
            },
          }
        : {}),
      file: { directory: TRAEFIK_DYNAMIC_DIR, watch: false },
    },
  };
}

const HSTS_MIDDLEWARE = "hsts";
/** One year: browsers then refuse plain HTTP for the host (which only redirects anyway). */
export const HSTS_SECONDS = 31536000;

const METRICS_AUTH_MIDDLEWARE = "metrics-auth";

/**
 * Dynamic config: the generated certificate as default for every TLS router, TLS 1.2+, HSTS; with
 * `metricsAuth`, the metrics router Traefik would otherwise add itself (same entrypoint, rule and
 * internal service: pkg/provider/traefik/internal.go at v3.7.13), behind basic auth.
 */
export function traefikDynamicConfig(metricsAuth = false) {
  const metrics = metricsAuth
    ? {
        routers: {
          metrics: {
            entryPoints: ["traefik"],
            rule: "PathPrefix(`/metrics`)",
            service: "prometheus@internal",
            middlewares: [METRICS_AUTH_MIDDLEWARE],
          },
        },
      }
    : {};
  return {
    http: {
      ...metrics,
      middlewares: {
        [HSTS_MIDDLEWARE]: { headers: { stsSeconds: HSTS_SECONDS } },
        ...(metricsAuth
          ? { [METRICS_AUTH_MIDDLEWARE]: { basicAuth: { usersFile: TRAEFIK_METRICS_USERS_PATH, removeHeader: true } } }
          : {}),
      },
    },
    tls: {
      stores: { default: { defaultCertificate: { certFile: TRAEFIK_CERT_PATH, keyFile: TRAEFIK_KEY_PATH } } },
      options: { default: { minVersion: "VersionTLS12" } },
    },
  };
}

/** Static and dynamic config of the Traefik container. */
export function traefikFiles(input: TraefikConfigInput): ConfigFile[] {
  return [
    { path: TRAEFIK_STATIC_PATH, content: toYaml(traefikStaticConfig(input)) },
    { path: `${TRAEFIK_DYNAMIC_DIR}/dynamic.yml`, content: toYaml(traefikDynamicConfig(input.metricsAuth)) },
  ];
}

/**
 * The served certificate and its key, and the metrics' logins when they ask for one; the key and
 * the logins are secrets the caller passes through.
 */
export function traefikSecretFiles(certPem: string, keyPem: string, metricsUsers?: string): ConfigFile[] {
  return [
    { path: TRAEFIK_CERT_PATH, content: certPem },
    { path: TRAEFIK_KEY_PATH, content: keyPem },
    ...(metricsUsers === undefined ? [] : [{ path: TRAEFIK_METRICS_USERS_PATH, content: metricsUsers }]),
  ];
}

export function traefikCommand(): string[] {
  return ["traefik", `--configFile=${TRAEFIK_STATIC_PATH}`];
}

/** The traefik binary probes its own ping endpoint (internal entrypoint); needs no shell. */
export const traefikHealthcheck: HealthcheckSpec = {
  test: ["CMD", "traefik", "healthcheck", "--ping", `--configFile=${TRAEFIK_STATIC_PATH}`],
};
