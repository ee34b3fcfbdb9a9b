/** The throwaway stack the e2e tests and the benchmark deploy: local images, loopback, no clashes. */
import { join, resolve } from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { NETWORK_ROLES } from "../../../settings/schema";

/** The root of this repository (the Pulumi project the throwaway stacks deploy). */
export const repo = resolve(__dirname, "../../..");
export const project = "scaibu-observability";
// Its own domain, ports, networks and subnet, so it can run beside a real `dev` stack.
export const domain = "e2e";
export const bind = "127.0.0.1";
export const ports = { http: 18080, https: 18443, otlpGrpc: 14317, otlpHttp: 14318 };
export const services = ["prometheus", "loki", "jaeger", "grafana", "otel", "traefik", "alertmanager"] as const;
// Outside Docker's default address pools (172.17-31.0.0/16, 192.168.0.0/16), so a network
// Docker auto-allocates for something else on the host can never take it first.
export const E2E_SUBNET = "172.16.238.0/24";
/** Every container of the stack: the routed services, the socket proxy, the collector's log agent and the disk meter. */
export const containerNames = [...services, "socket-proxy", "otel-logs", "disk-usage"].map((s) => `${domain}.${s}`);
const roles = NETWORK_ROLES;
export const networkNames = roles.map((n) => `${domain}-${n}-network`);
/** The socket proxy's internal network (configs/render.ts dockerApiNetworkName): the stack's own, in no output. */
export const dockerApiNetwork = `${domain}-docker-api-network`;
/** Loki's internal network (configs/render.ts servedNetworks): the stack's own, in no output. */
export const lokiNetwork = `${domain}-loki-network`;
/** Local image per service (toolchain/images/build-all.sh); no registry is reachable in CI. */
export const IMAGE_SERVICES = [
  "traefik",
  "otel-collector",
  "loki",
  "prometheus",
  "jaeger",
  "grafana",
  "socket-proxy",
  "alertmanager",
] as const;
export const image = (svc: (typeof IMAGE_SERVICES)[number]) => `scaibu-e2e/${svc}:local`;

/**
 * The services of a throwaway swarm stack (the swarm tier, bench:fleet): the gateway, the three
 * stores, Traefik (which routes the swarm's app services) and the socket proxy on the local
 * images; the routed UIs are the single-host tier's.
 */
/** The images of SWARM_STACK_SERVICES, which the manager (node 1) needs. */
export const SWARM_MANAGER_IMAGES = (
  ["otel-collector", "prometheus", "jaeger", "loki", "socket-proxy", "traefik"] as const
).map(image);
export const SWARM_STACK_SERVICES = {
  traefik: { image: image("traefik") },
  grafana: { enabled: false },
  alertmanager: { enabled: false },
  otelCollector: { image: image("otel-collector") },
  loki: { image: image("loki") },
  prometheus: { image: image("prometheus") },
  jaeger: { image: image("jaeger") },
  socketProxy: { image: image("socket-proxy") },
};

/** The e2e alert sinks: containers on the stack's network, reachable by these names. */
export const SINKS = { webhook: `${domain}-webhook-sink`, mail: `${domain}-mailpit` } as const;

export const config: Record<string, unknown> = {
  domain,
  // Its own volume names too, so it never meets a real stack's data.
  instanceName: domain,
  bindAddress: bind,
  ports,
  keepDataVolumes: false,
  // examples/app-stack is served at https://e2e.app (the consumer test).
  consumerHosts: ["app"],
  // Host and container metrics every 10 s, so the tests see them soon.
  hostMetrics: { intervalSeconds: 10 },
  // Scrapes and rule evaluations every 10 s, so an alert's condition is seen soon.
  prometheus: { scrapeInterval: "10s" },
  // Alerts to the e2e sinks (tests/e2e/suites/alerting.ts starts them on the stack's network):
  // webhooks and email, a heartbeat, short waits, and every rule's `for` capped at 10 s.
  alerting: {
    receivers: {
      team: { webhooks: [{ url: `http://${SINKS.webhook}:8080/team` }], emails: [{ to: "team@e2e.example" }] },
    },
    route: { receiver: "team", groupWait: "1s", groupInterval: "5s", repeatInterval: "1h" },
    smtp: { smarthost: `${SINKS.mail}:1025`, from: "alerts@e2e.example", requireTls: false },
    heartbeat: { url: `http://${SINKS.webhook}:8080/heartbeat`, interval: "1m" },
    maxFor: "10s",
  },
  networks: Object.fromEntries(
    roles.map((n) => [
      n,
      n === "observability"
        ? { name: `${domain}-${n}-network`, subnet: E2E_SUBNET }
        : { name: `${domain}-${n}-network` },
    ]),
  ),
  services: {
    traefik: { image: image("traefik") },
    otelCollector: { image: image("otel-collector") },
    loki: { image: image("loki") },
    prometheus: { image: image("prometheus") },
    jaeger: { image: image("jaeger") },
    grafana: { image: image("grafana") },
    socketProxy: { image: image("socket-proxy") },
    alertmanager: { image: image("alertmanager") },
  },
};

/**
 * Overrides that move the e2e stack to its own domain, volumes, host ports, network names and
 * observability subnet, so a benchmark can run beside (never on top of) an e2e stack.
 */
export function movedTo(movedDomain: string, movedPorts: typeof ports, subnet: string): Record<string, unknown> {
  return {
    domain: movedDomain,
    instanceName: movedDomain,
    ports: movedPorts,
    networks: Object.fromEntries(
      roles.map((r) => [
        r,
        r === "observability"
          ? { name: `${movedDomain}-${r}-network`, subnet }
          : { name: `${movedDomain}-${r}-network` },
      ]),
    ),
  };
}

export const caFileIn = (dir: string) => join(dir, "ca.pem");

/** A stack of the Pulumi project in `workDir` (default: this one) on a local file backend in `stateDir`. */
export function localStack(stackName: string, stateDir: string, workDir = repo): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack(
    { stackName, workDir },
    {
      envVars: {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-only-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
      },
    },
  );
}

/** A stack of this project on a local file backend in `stateDir`, configured as above plus `overrides`. */
export async function e2eWorkspace(
  stackName: string,
  stateDir: string,
  overrides: Record<string, unknown> = {},
): Promise<Stack> {
  const stack = await localStack(stackName, stateDir);
  await stack.setAllConfig(
    Object.fromEntries(
      Object.entries({ ...config, ...overrides }).map(([key, value]) => [
        `${project}:${key}`,
        { value: typeof value === "string" ? value : JSON.stringify(value) },
      ]),
    ),
  );
  return stack;
}
