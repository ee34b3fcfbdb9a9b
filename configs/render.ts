/**
 * Every config file, command line and environment the stack's containers run with, rendered
 * from the validated settings, with each one's health check. The program deploys exactly this,
 * and tests/tools/validate-configs.sh hands exactly this to the real validators.
 */
import { CATALOG, hostsFor, type Hosts, type ServiceKey, SERVICE_KEYS } from "./catalog";
import type { CredentialSurface, StackClient } from "./web-auth";
import { alertmanagerCommand, alertmanagerFiles, alertmanagerHealthcheck } from "./alertmanager";
import { grafanaEnv, grafanaFiles, grafanaHealthcheck } from "./grafana";
import { JAEGER_SWARM_DATA_DIR, jaegerCommand, jaegerFiles, jaegerHealthcheck } from "./jaeger";
import { lokiCommand, lokiFiles, lokiHealthcheck } from "./loki";
import { otelCollectorCommand, otelCollectorFiles, otelCollectorHealthcheck } from "./otel-collector";
import { OTEL_LOGS_HOST, otelLogsCommand, otelLogsHealthcheck } from "./otel-logs";
import { prometheusCommand, prometheusFiles, prometheusHealthcheck } from "./prometheus";
import {
  nodeProxyConfig,
  SOCKET_PROXY_CONFIG_PATH,
  socketProxyConfig,
  socketProxyEndpoint,
  socketProxyHealthcheck,
} from "./socket-proxy";
import { traefikCommand, traefikFiles, traefikHealthcheck } from "./traefik";
import type { ConfigFile, HealthcheckSpec } from "./types";
import { externalUrl } from "./urls";
import { volumeName, volumesOf, type NamedVolumeSpec } from "./volumes";
import { BUDGETED, diskShares, keepsData, type Budgeted } from "./disk-budget";
import {
  DISK_METER_HOST,
  DISK_METER_PORT,
  diskMeterCommand,
  diskMeterHealthcheck,
  type MeteredVolume,
} from "./disk-meter";
import { ROUTE_LABEL, STACK_LABEL } from "@scaibu/observability-routing";
import { goMemoryLimitEnv } from "./go-runtime";
import {
  AGENT_CONFIG_PATH,
  NODE_AGENT_KINDS,
  NODE_ENV,
  nodeAgentHealthcheck,
  nodeAgentYaml,
  nodeServiceName,
  backendServiceName,
  runsAsSwarmService,
  type NodeAgentKind,
} from "./fleet";
import { isGuarded, type Settings } from "../settings/schema";

export interface Rendered {
  files: ConfigFile[];
  /** Replaces the image CMD; empty keeps it. */
  command: string[];
  env: Record<string, string>;
  healthcheck: HealthcheckSpec;
  /** Files holding credentials: uploaded as secrets. */
  secretFiles?: ConfigFile[];
  /** Named volumes (configs/volumes.ts). */
  volumes: NamedVolumeSpec[];
}

export type RenderedStack = Partial<Record<ServiceKey, Rendered>>;

/** Renders every enabled service. `stackLabel` is `<project>/<stack>`. */
export function renderAll(s: Settings, stackLabel: string): RenderedStack {
  const hosts = hostsFor(s.domain);
  const enabled = SERVICE_KEYS.filter((k) => s.services[k].enabled);
  const enabledHosts = Object.fromEntries(enabled.map((k) => [k, hosts[k]])) as Partial<Hosts>;
  const external = { externalPort: s.ports.https };
  const dockerEndpoint = socketProxyEndpoint(hosts.socketProxy);
  // What the collector's host_metrics and docker_stats collect: alert rules and dashboards follow.
  const hostRules = {
    host: s.services.otelCollector.enabled && s.hostMetrics.enabled,
    containers: dockerStatsOn(s),
    stackLabel,
    stackContainers: [
      ...enabled.map((k) =>
        runsAsSwarmService(s, k) ? { name: hosts[k], taskOf: backendServiceName(s.domain, k) } : hosts[k],
      ),
      ...(logAgentOn(s) ? [logAgentHost(s)] : []),
      ...(diskMeterOn(s) ? [diskMeterHost(s)] : []),
    ],
  };
  const render: Record<ServiceKey, () => Omit<Rendered, "volumes">> = {
    prometheus: () => {
      const input = {
        ...s.prometheus,
        ...external,
        hosts: enabledHosts,
        externalHost: hosts.prometheus,
        dockerNetwork: s.networks.observability.name,
        dockerEndpoint,
        hostRules,
        logAgentHost: logAgentOn(s) ? logAgentHost(s) : undefined,
        alertmanagerHost: s.services.alertmanager.enabled ? hosts.alertmanager : undefined,
        maxFor: s.alerting.maxFor,
        shareBytes: shares(s).prometheus,
        fleet: fleetOn(s)
          ? {
              services: nodeAgentKinds(s).map((k) => nodeAgentServiceName(s, k)),
              network: fleetNetworkName(s),
              containerStats: nodeProxyOn(s)
                ? { agentService: nodeAgentServiceName(s, "metrics"), proxyService: nodeProxyServiceName(s) }
                : undefined,
            }
          : undefined,
        diskMeter: diskMeterOn(s)
          ? { target: `${diskMeterHost(s)}:${DISK_METER_PORT}`, intervalSeconds: s.storage.meterIntervalSeconds }
          : undefined,
        selfAuth: selfAuthOn(s, "prometheus"),
        alertmanagerAuth: selfAuthOn(s, "alertmanager"),
        traefikAuth: selfAuthOn(s, "traefik"),
      };
      return {
        files: prometheusFiles(input),
        command: prometheusCommand(input),
        env: {},
        healthcheck: prometheusHealthcheck(input.selfAuth),
      };
    },
    loki: () => {
      const alertmanagerUrl = s.services.alertmanager.enabled
        ? `http://${hosts.alertmanager}:${CATALOG.alertmanager.ports.http}`
        : undefined;
      return {
        files: lokiFiles({ ...s.loki, alertmanagerUrl, alertmanagerAuth: selfAuthOn(s, "alertmanager") }),
        command: lokiCommand(),
        env: {},
        healthcheck: lokiHealthcheck,
      };
    },
    jaeger: () => ({
      files: jaegerFiles({
        ...s.jaeger,
        queryAuth: selfAuthOn(s, "jaeger"),
        dataDir: runsAsSwarmService(s, "jaeger") ? JAEGER_SWARM_DATA_DIR : undefined,
      }),
      command: jaegerCommand(),
      env: {},
      healthcheck: jaegerHealthcheck,
    }),
    grafana: () => {
      const input = {
        ...external,
        hosts,
        externalHost: hosts.grafana,
        jaegerUrl: externalUrl(hosts.jaeger, s.ports.https),
        adminUser: s.grafana.adminUser,
        hostMetrics: hostRules,
        alertmanager: s.services.alertmanager.enabled,
        prometheusAuth: selfAuthOn(s, "prometheus"),
        alertmanagerAuth: selfAuthOn(s, "alertmanager"),
        jaegerAuth: selfAuthOn(s, "jaeger"),
      };
      return { files: grafanaFiles(input), command: [], env: grafanaEnv(input), healthcheck: grafanaHealthcheck };
    },
    otelCollector: () => {
      const input = {
        hosts,
        dockerLogs: s.collectDockerLogs,
        resourceAttributes: s.resourceAttributes,
        stackName: stackLabel,
        tokenOnRouted: isGuarded(s, "otelCollector"),
        tokenOnHost: s.auth.otlpTokenOnHost,
        ...s.collector,
        queueShareBytes: shares(s).otelCollector,
        // In a swarm the node agents read every node's host and containers, the manager's included.
        hostMetrics: fleetOn(s) ? { ...s.hostMetrics, enabled: false, containers: false } : s.hostMetrics,
        fleetGateway: fleetOn(s),
        prometheusAuth: selfAuthOn(s, "prometheus"),
        jaegerAuth: selfAuthOn(s, "jaeger"),
        dockerEndpoint,
        stackLabelKey: STACK_LABEL,
      };
      return {
        files: otelCollectorFiles(input),
        command: otelCollectorCommand(),
        env: {},
        healthcheck: otelCollectorHealthcheck,
      };
    },
    alertmanager: () => {
      const input = {
        alerting: s.alerting,
        externalUrl: externalUrl(hosts.alertmanager, s.ports.https),
        selfAuth: selfAuthOn(s, "alertmanager"),
      };
      const { files, secretFiles } = alertmanagerFiles(input);
      const healthcheck = alertmanagerHealthcheck(input.selfAuth);
      return { files, secretFiles, command: alertmanagerCommand(input), env: {}, healthcheck };
    },
    socketProxy: () => ({
      files: [{ path: SOCKET_PROXY_CONFIG_PATH, content: socketProxyConfig(fleetOn(s)) }],
      command: [],
      env: {},
      healthcheck: socketProxyHealthcheck,
    }),
    traefik: () => {
      const input = {
        networkName: s.networks.observability.name,
        dockerEndpoint,
        constraintLabel: { key: STACK_LABEL, value: stackLabel },
        consumerLabel: ROUTE_LABEL,
        swarmNetwork: fleetOn(s) ? fleetNetworkName(s) : undefined,
        metricsAuth: selfAuthOn(s, "traefik"),
      };
      return { files: traefikFiles(input), command: traefikCommand(), env: {}, healthcheck: traefikHealthcheck };
    },
  };
  return Object.fromEntries(
    enabled.map((k) => {
      const r = render[k]();
      return [k, { ...r, env: { ...r.env, ...goMemoryLimitEnv(k, s.services[k].memoryMb) }, volumes: volumesOf(k, s) }];
    }),
  ) as RenderedStack;
}

/** Each budgeted backend's share of `storage.budgetGb`, in bytes. */
export function shares(s: Settings): Partial<Record<Budgeted, number>> {
  return diskShares(s.storage, keepsData(s));
}

/** The servers that check credentials themselves, not only at their routes (configs/web-auth.ts). */
export type SelfAuthKey = "prometheus" | "alertmanager" | "jaeger" | "traefik";

/** The server behind each credential-checking surface (configs/web-auth.ts CALLERS). */
export const SURFACE_SERVER: Record<CredentialSurface, SelfAuthKey> = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  jaeger: "jaeger",
  jaegerOtlp: "jaeger",
  traefikMetrics: "traefik",
};
export const CREDENTIAL_SURFACES = Object.keys(SURFACE_SERVER) as CredentialSurface[];

/** The service each machine client runs in. */
export const CLIENT_SERVICE: Record<StackClient, ServiceKey> = {
  collector: "otelCollector",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  loki: "loki",
  grafana: "grafana",
};

/**
 * Whether `key` (Jaeger: its query API and UI) asks every caller for credentials itself: whenever
 * its route does. Left open by `auth`, it is open on the network too, as asked.
 */
export function selfAuthOn(s: Settings, key: SelfAuthKey): boolean {
  return s.services[key].enabled && isGuarded(s, key);
}

/**
 * Services that serve on an internal network of their own (no route out), joined by their clients
 * alone, because they must not be reachable from the stack's network, where consumer apps join:
 * - `dockerApi`: the socket proxy, whose CONTAINERS section answers every GET under /containers
 *   (a container's inspect, logs and files: `GET /containers/{id}/archive`);
 * - `loki`: Loki, which checks no credentials of its own (reads, pushes and deletes).
 */
export const SERVED_NETWORKS = ["dockerApi", "loki"] as const;
export type ServedNetwork = (typeof SERVED_NETWORKS)[number];

export interface ServedNetworkSpec {
  /** Docker network name: `<instanceName>-docker-api-network`, `<instanceName>-loki-network`. */
  name: string;
  /** The one service on it alone. */
  server: ServiceKey;
  /** What calls it, each also on the stack's network. */
  clients: ServiceKey[];
}

/** The internal networks this stack runs, for its enabled servers. */
export function servedNetworks(s: Settings): Partial<Record<ServedNetwork, ServedNetworkSpec>> {
  const on = (k: ServiceKey) => s.services[k].enabled;
  const specs: Record<ServedNetwork, ServedNetworkSpec> = {
    dockerApi: {
      name: `${s.instanceName}-docker-api-network`,
      server: "socketProxy",
      // Traefik's docker provider, Prometheus' docker_sd, the collector's docker_stats.
      clients: ["traefik", "prometheus", ...(collectorDockerStatsOn(s) ? (["otelCollector"] as const) : [])],
    },
    loki: {
      name: `${s.instanceName}-loki-network`,
      server: "loki",
      // The collector's push, Grafana's datasource, Prometheus' scrape, Traefik's route, and
      // Alertmanager, which Loki's ruler calls.
      clients: ["otelCollector", "grafana", "prometheus", "traefik", "alertmanager"],
    },
  };
  return Object.fromEntries(
    SERVED_NETWORKS.filter((k) => on(specs[k].server)).map((k) => [
      k,
      { ...specs[k], clients: specs[k].clients.filter(on) },
    ]),
  );
}

/** Whether the stack runs the disk meter: asked for, and a Prometheus to scrape it. */
export function diskMeterOn(s: Settings): boolean {
  return s.storage.meter && s.services.prometheus.enabled;
}

/** In-network hostname (and container name) of the disk meter: `<domain>.disk-usage`. */
export function diskMeterHost(s: Settings): string {
  return `${s.domain}.${DISK_METER_HOST}`;
}

/** Every named volume of the stack, as the disk meter mounts and labels it. */
export function meteredVolumes(s: Settings): MeteredVolume[] {
  const budget = shares(s);
  // A volume on another node of a swarm is out of the meter's reach (it mounts the manager's).
  return SERVICE_KEYS.flatMap((k) =>
    volumesOf(k, s)
      .filter((v) => !v.onNode)
      .map((v) => {
        const key = (BUDGETED as readonly string[]).includes(k) ? (k as Budgeted) : undefined;
        return {
          name: volumeName(s, k, v.role),
          service: k,
          role: v.role,
          dir: `${CATALOG[k].host}-${v.role}`,
          ...(key && budget[key] !== undefined ? { budgetBytes: budget[key], budgetKey: key } : {}),
        };
      }),
  );
}

/** The disk meter's container config: no files (its script is its command line). */
export function renderDiskMeter(s: Settings): Rendered | undefined {
  if (!diskMeterOn(s)) return undefined;
  const input = { volumes: meteredVolumes(s), intervalSeconds: s.storage.meterIntervalSeconds };
  return { files: [], command: diskMeterCommand(input), env: {}, healthcheck: diskMeterHealthcheck, volumes: [] };
}

/** Whether the stack reads its containers' metrics with docker_stats (`hostMetrics.containers`, with the collector on). */
export function dockerStatsOn(s: Settings): boolean {
  return s.services.otelCollector.enabled && s.hostMetrics.containers;
}

/** Whether the collector itself runs docker_stats: on one host (in a swarm each node's metrics agent does). */
export function collectorDockerStatsOn(s: Settings): boolean {
  return dockerStatsOn(s) && !fleetOn(s);
}

/** Whether every node of a swarm runs its own Docker API proxy for its metrics agent's docker_stats. */
export function nodeProxyOn(s: Settings): boolean {
  return dockerStatsOn(s) && fleetOn(s);
}

/** The node proxies' Swarm service: `<domain>-node-api`. */
export function nodeProxyServiceName(s: Settings): string {
  return nodeServiceName(s.domain, "api");
}

/** The internal overlay the node proxies serve on, joined by the metrics agents alone. */
export function nodeProxyNetworkName(s: Settings): string {
  return `${s.instanceName}-node-api-network`;
}

/** The node proxy's config (its filter, a Swarm config) and health check: the stack's socket proxy image. */
export function renderNodeProxy(s: Settings): Rendered | undefined {
  if (!nodeProxyOn(s)) return undefined;
  return {
    files: [{ path: SOCKET_PROXY_CONFIG_PATH, content: nodeProxyConfig() }],
    command: [],
    env: {},
    healthcheck: socketProxyHealthcheck,
    volumes: [],
  };
}

/** Whether the stack runs the log agent (the collector, with Docker's logs collected, on a single host). */
export function logAgentOn(s: Settings): boolean {
  return s.services.otelCollector.enabled && s.collectDockerLogs && !fleetOn(s);
}

/** Whether a node agent runs on every node of a swarm, with the collector as their gateway. */
export function fleetOn(s: Settings): boolean {
  return s.fleet.mode === "swarm" && s.services.otelCollector.enabled;
}

/** Docker name of the overlay network the node agents send over. */
export function fleetNetworkName(s: Settings): string {
  return s.fleet.networkName ?? `${s.instanceName}-fleet-network`;
}

/** The node agents a swarm runs: host metrics and container logs, as asked for. */
export function nodeAgentKinds(s: Settings): NodeAgentKind[] {
  if (!fleetOn(s)) return [];
  return NODE_AGENT_KINDS.filter((k) =>
    k === "metrics" ? s.hostMetrics.enabled || s.hostMetrics.containers : s.collectDockerLogs,
  );
}

/** A node agent's Swarm service name (Swarm allows no dots): `<domain>-node-metrics`, `<domain>-node-logs`. */
export function nodeAgentServiceName(s: Settings, kind: NodeAgentKind): string {
  return nodeServiceName(s.domain, kind);
}

/** A node agent's config (a Swarm config), environment and health check. */
export function renderNodeAgent(s: Settings, stackLabel: string, kind: NodeAgentKind): Rendered {
  const input = {
    kind,
    gatewayHost: hostsFor(s.domain).otelCollector,
    memoryMb: s.fleet.agentMemoryMb,
    intervalSeconds: s.hostMetrics.intervalSeconds,
    stackName: stackLabel,
    hostMetrics: s.hostMetrics.enabled,
    dockerStats: nodeProxyOn(s) ? { stackLabelKey: STACK_LABEL } : undefined,
  };
  return {
    files: [{ path: AGENT_CONFIG_PATH, content: nodeAgentYaml(input) }],
    command: [`--config=${AGENT_CONFIG_PATH}`],
    // Swarm fills the node's id and hostname in per task; the agent is the collector's binary.
    env: { ...NODE_ENV, ...goMemoryLimitEnv("otelCollector", input.memoryMb) },
    healthcheck: nodeAgentHealthcheck,
    volumes: [],
  };
}
/** In-network hostname (and container name) of the log agent: `<domain>.otel-logs`. */
export function logAgentHost(s: Settings): string {
  return `${s.domain}.${OTEL_LOGS_HOST}`;
}

/** The log agent's container config: no files (its config is its command line). */
export function renderLogAgent(s: Settings): Rendered | undefined {
  if (!logAgentOn(s)) return undefined;
  const input = { collectorHost: hostsFor(s.domain).otelCollector, memoryMb: s.collector.logAgentMemoryMb };
  return {
    files: [],
    command: otelLogsCommand(input),
    // The log agent is the collector's binary.
    env: goMemoryLimitEnv("otelCollector", input.memoryMb),
    healthcheck: otelLogsHealthcheck(input),
    volumes: [],
  };
}
