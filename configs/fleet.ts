/**
 * The fleet: how the stack observes more than the one Docker host it runs on (`fleet` config).
 *
 * `single` (the default) is the stack as it always was: the collector reads its own host.
 * `swarm` adds node agents on every node of the Docker Swarm the stack is deployed to (global
 * services, so a node that joins later gets them without another `pulumi up`), sending to the
 * collector (the gateway) over an overlay network with mutual TLS from the stack's CA. They read
 * their node's host metrics and container logs, the job of the collector's host_metrics and of
 * the log agent on a single host, so the collector stops both. docs/fleet.md has the design.
 *
 * Upstream facts (cited in docs/upstream.md "Fleet"): the collector's TLS settings
 * (config/configtls: `ca_file`, `cert_file`, `key_file`, `client_ca_file`, which makes a server
 * require and verify a client certificate), `${env:NAME}` expansion (confmap), and Swarm's task
 * templates `{{.Node.ID}}`/`{{.Node.Hostname}}` in a service's env (swarmkit template/context.go).
 */
import { z } from "zod";
import { CATALOG } from "./catalog";
import { dockerName } from "./schema";
import {
  dockerStatsReceiver,
  hostMetricsReceiver,
  OTEL_DOCKER_LOGS_DIR,
  OTEL_HOSTFS,
  STACK_MARKER_ATTRIBUTE,
} from "./otel-collector";
import { agentExporter, agentTelemetry, dockerLogReceiver, dockerLogServiceName } from "./otel-logs";
import { capFor, PROMETHEUS_RULES_DIR, type AlertingRule, type RulesFile } from "./prometheus-rules";
import type { ConfigFile, HealthcheckSpec } from "./types";
import { toYaml } from "./yaml";
import { escapeRegex } from "./regex";
import { optInRelabel, sanitizedLabel } from "./scrape-labels";

export const FLEET_MODES = ["single", "swarm"] as const;
type FleetMode = (typeof FLEET_MODES)[number];

/**
 * A Swarm placement constraint as swarmkit parses it (manager/constraint/constraint.go at the
 * engine's swarmkit: the keys it knows, `==` or `!=`, its value pattern); a key it does not know
 * matches no node, so the service would never be placed: refused here instead.
 */
const CONSTRAINT_KEY =
  /^(node\.(id|hostname|ip|role|platform\.os|platform\.arch)|(node|engine)\.labels\.[a-z0-9\-_.]+)$/i;
const CONSTRAINT_VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
export const placementConstraint = z.string().superRefine((c, ctx) => {
  const m = /^(.*?)(==|!=)(.*)$/.exec(c);
  const key = m?.[1]?.trim() ?? "";
  const value = m?.[3]?.trim() ?? "";
  if (!m || !CONSTRAINT_KEY.test(key) || !value || !CONSTRAINT_VALUE.test(value)) {
    ctx.addIssue({
      code: "custom",
      message:
        `"${c}" is not a Swarm placement constraint; allowed: <key> == <value> or <key> != <value>, the key one of ` +
        "node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name>, engine.labels.<name>",
    });
  }
});

/** The `fleet` config key. */
export const fleetSettings = z
  .strictObject({
    /** `single`: this Docker host only. `swarm`: a node agent on every node of the Swarm the provider's engine manages. */
    mode: z.enum(FLEET_MODES).default("single"),
    /** Memory limit (MiB) of each node agent; its memory_limiter stops at 80 % of it. */
    agentMemoryMb: z.number().int().min(64).max(4096).default(192),
    /** The overlay network the agents send over (default `<instanceName>-fleet-network`). */
    networkName: dockerName.optional(),
    /**
     * Encrypt the overlay between nodes (IPsec ESP, Docker's `encrypted` option). The agents' data is
     * mTLS either way; this also covers what apps on other nodes send the gateway in plain OTLP, and
     * stops anyone on the hosts' network injecting VXLAN packets. Needs ESP in the nodes' kernels.
     */
    encryptOverlay: z.boolean().default(true),
    /**
     * Where the backends that run as Swarm services (SWARM_BACKENDS) are placed: Swarm placement
     * constraints, all of which a node must meet (`node.labels.scaibu.data == true`). Empty (the
     * default): the manager Pulumi deploys through, whose engine holds their volumes.
     */
    backendPlacement: z.array(placementConstraint).max(16).default([]),
  })
  .prefault({});

/**
 * The backends that run as Swarm services in swarm mode, each one replicated task placed by
 * `backendPlacement` with `stop-first` updates (docs/fleet.md "Backends as services"). Only Jaeger
 * so far: it is on the stack's network alone, an attachable overlay in this mode; the others are
 * on Loki's or the socket proxy's internal bridges, which a Swarm task cannot join.
 */
export const SWARM_BACKENDS = ["jaeger"] as const;
export type SwarmBackend = (typeof SWARM_BACKENDS)[number];

/** A backend's Swarm service name: `<domain>-<host>` (a service name takes no dot, so not its `<domain>.<host>`). */
export function backendServiceName(domain: string, k: SwarmBackend): string {
  return `${domain}-${CATALOG[k].host}`;
}

/** Whether `k` runs as a Swarm service rather than a container. */
export function runsAsSwarmService(s: { fleet: { mode: FleetMode } }, k: string): k is SwarmBackend {
  return s.fleet.mode === "swarm" && isSwarmBackend(k);
}

/** Whether `k` is a backend that runs as a Swarm service in swarm mode (SWARM_BACKENDS). */
export function isSwarmBackend(k: string): k is SwarmBackend {
  return (SWARM_BACKENDS as readonly string[]).includes(k);
}

/**
 * Whether the backends' volumes are on a node the stack may not reach: placed by constraints, not
 * on the manager Pulumi deploys through. Swarm then creates each volume on the node its task
 * lands on, and nothing of the stack can remove it there at destroy (docs/fleet.md).
 */
export function backendsOffManager(s: { fleet: { mode: FleetMode; backendPlacement: string[] } }): boolean {
  return s.fleet.mode === "swarm" && s.fleet.backendPlacement.length > 0;
}

/** The backends' placement: the user's constraints, or the manager Pulumi talks to by its node id. */
export function backendConstraints(placement: readonly string[], managerNodeId: string): string[] {
  return placement.length ? [...placement] : [`node.id==${managerNodeId}`];
}

/** Where the agent finds its files: its config (a Swarm config) and its certificate and CA. */
export const AGENT_CONFIG_PATH = "/etc/otelcol-contrib/agent.yaml";
export const AGENT_CERT_PATH = "/etc/otelcol-contrib/fleet/agent.crt";
export const AGENT_CA_PATH = "/etc/otelcol-contrib/fleet/ca.crt";
/** A Swarm secret is a file under /run/secrets (its own tmpfs, never in the image or `inspect`). */
export const AGENT_KEY_SECRET = "scaibu-agent.key";
export const AGENT_KEY_PATH = `/run/secrets/${AGENT_KEY_SECRET}`;
/** The agent's own telemetry (Prometheus scrapes every agent through the overlay's DNS). */
export const AGENT_METRICS_PORT = 8888;

/** Environment the agent reads its node from: Swarm fills it per task (swarmkit template/context.go). */
export const NODE_ENV = {
  SCAIBU_NODE_HOSTNAME: "{{.Node.Hostname}}",
  SCAIBU_NODE_ID: "{{.Node.ID}}",
} as const;
/** Resource attribute with the Swarm node id (host.name carries the node's hostname). */
export const SWARM_NODE_ATTRIBUTE = "docker.swarm.node.id";

/**
 * Two agents on every node, split by what they need, as on a single host (configs/privileges.ts):
 * `metrics` reads the node's `/` at /hostfs as a uid of its own with nothing; `logs` reads Docker's
 * json logs as uid 0 with DAC_READ_SEARCH alone and sees nothing else of the node. A uid 0 process
 * with the node's `/` in view could connect() to any root-owned socket the masks miss.
 */
export const NODE_AGENT_KINDS = ["metrics", "logs"] as const;
export type NodeAgentKind = (typeof NODE_AGENT_KINDS)[number];

export interface NodeAgentInput {
  kind: NodeAgentKind;
  /** The gateway's name on the fleet network (the collector's container name), e.g. `scaibu.otel`. */
  gatewayHost: string;
  /** Container memory limit (MiB); memory_limiter stops at 80 % of it. */
  memoryMb: number;
  /** Seconds between two host_metrics collections (`hostMetrics.intervalSeconds`). */
  intervalSeconds: number;
  /** The `scaibu.stack` marker (`<project>/<stack>`); the gateway stamps it too. */
  stackName: string;
  /** The metrics agent: the node's host metrics (`hostMetrics.enabled`). */
  hostMetrics?: boolean;
  /** The metrics agent: its node's containers through the node's own proxy (`hostMetrics.containers`). */
  dockerStats?: { stackLabelKey: string };
}

/**
 * A swarm node's own Docker API proxy (a global service on an internal overlay that only it and
 * the metrics agents join): its hostname carries the node's id, and a task's hostname is one of
 * its DNS names on its networks (moby daemon/container_operations.go buildEndpointDNSNames),
 * which the swarm gossips to every node on the network (daemon/libnetwork/agent.go
 * addServiceInfoToCluster, `TaskAliases`). So the agent on a node asks for the proxy by its own
 * node's id, which Swarm gives it too (NODE_ENV): its node's engine, never another's by mistake.
 */
const nodeProxyHost = (nodeId: string) => `node-api-${nodeId}`;
export const NODE_PROXY_HOSTNAME = nodeProxyHost("{{.Node.ID}}");
export const NODE_PROXY_ENDPOINT = `tcp://${nodeProxyHost("${env:SCAIBU_NODE_ID}")}:${CATALOG.socketProxy.ports.api}`;

/**
 * A Swarm service on every node (Swarm allows no dots): `<domain>-node-metrics`, `<domain>-node-logs`
 * and the node proxy, `<domain>-node-api`.
 */
export function nodeServiceName(domain: string, part: NodeAgentKind | "api"): string {
  return `${domain}-node-${part}`;
}

export function nodeAgentConfig(input: NodeAgentInput) {
  const mib = Math.floor(input.memoryMb * 0.8);
  const node = [
    { key: "host.name", value: `\${env:SCAIBU_NODE_HOSTNAME}`, action: "upsert" as const },
    { key: SWARM_NODE_ATTRIBUTE, value: `\${env:SCAIBU_NODE_ID}`, action: "upsert" as const },
    { key: STACK_MARKER_ATTRIBUTE, value: input.stackName, action: "upsert" as const },
  ];
  const metrics = input.kind === "metrics";
  const interval = `${input.intervalSeconds}s`;
  const receivers = metrics
    ? {
        ...(input.hostMetrics !== false ? { host_metrics: hostMetricsReceiver(interval) } : {}),
        ...(input.dockerStats
          ? { docker_stats: dockerStatsReceiver(NODE_PROXY_ENDPOINT, interval, input.dockerStats.stackLabelKey) }
          : {}),
      }
    : { file_log: dockerLogReceiver() };
  return {
    receivers,
    processors: {
      memory_limiter: { check_interval: "1s", limit_mib: mib, spike_limit_mib: Math.floor(mib / 5) },
      "resource/node": { attributes: metrics ? node : [...node, ...dockerLogServiceName()] },
      batch: { timeout: "5s", send_batch_size: 1024, send_batch_max_size: 2048 },
    },
    exporters: {
      // The gateway queues on disk; this hop retries in memory while the gateway restarts.
      "otlp_grpc/gateway": agentExporter(`${input.gatewayHost}:${CATALOG.otelCollector.ports.otlpFleet}`, {
        ca_file: AGENT_CA_PATH,
        cert_file: AGENT_CERT_PATH,
        key_file: AGENT_KEY_PATH,
        min_version: "1.3",
      }),
    },
    service: {
      telemetry: agentTelemetry(AGENT_METRICS_PORT),
      pipelines: {
        [metrics ? "metrics" : "logs"]: {
          receivers: Object.keys(receivers),
          processors: ["memory_limiter", "resource/node", "batch"],
          exporters: ["otlp_grpc/gateway"],
        },
      },
    },
  };
}

export function nodeAgentYaml(input: NodeAgentInput): string {
  return toYaml(nodeAgentConfig(input));
}

/** The image has no shell: `validate` proves the binary runs and the config (with its env) loads. */
export const nodeAgentHealthcheck: HealthcheckSpec = {
  test: ["CMD", "/otelcol-contrib", "validate", `--config=${AGENT_CONFIG_PATH}`],
  interval: "30s",
};

/** Host paths a node agent mounts read-only (on every node): the metrics agent's `/` only for host metrics. */
export function nodeAgentHostMounts(kind: NodeAgentKind, hostMetrics = true): { source: string; target: string }[] {
  if (kind === "logs") return [{ source: OTEL_DOCKER_LOGS_DIR, target: OTEL_DOCKER_LOGS_DIR }];
  return hostMetrics ? [{ source: "/", target: OTEL_HOSTFS }] : [];
}

/** The Prometheus job that scrapes every node agent's own telemetry, found through the Swarm API. */
export const NODE_AGENTS_JOB = "node-agents";
export const PROMETHEUS_FLEET_RULES_PATH = `${PROMETHEUS_RULES_DIR}/fleet-alerts.yml`;

export interface FleetScrapeInput {
  /** The agents' Swarm service names. */
  services: string[];
  /** The overlay network Prometheus reaches them on. */
  network: string;
  /** Docker API for discovery: the socket proxy (`tcp://<host>:2375`), with SERVICES, TASKS and NODES on. */
  dockerEndpoint: string;
}

/**
 * dockerswarm_sd_configs, role `tasks` (Prometheus v3.14.0 discovery/moby/dockerswarm.go: `host`,
 * `role`, `port`, `filters`, `refresh_interval`; tasks.go: one target per task and network address
 * on `port` when the service publishes none, with `__meta_dockerswarm_node_hostname`,
 * `__meta_dockerswarm_service_name`, `__meta_dockerswarm_network_name`). Only running tasks are
 * asked for, so a drained node's agents leave the targets instead of showing as down.
 */
export function nodeAgentsScrapeConfig(input: FleetScrapeInput) {
  return {
    job_name: NODE_AGENTS_JOB,
    dockerswarm_sd_configs: [
      {
        host: input.dockerEndpoint,
        role: "tasks" as const,
        port: AGENT_METRICS_PORT,
        refresh_interval: "15s",
        filters: [
          { name: "service", values: input.services },
          { name: "desired-state", values: ["running"] },
        ],
      },
    ],
    relabel_configs: [
      placedTasksOnly,
      // One target per task: its address on the fleet network.
      {
        source_labels: ["__meta_dockerswarm_network_name"],
        regex: escapeRegex(input.network),
        action: "keep" as const,
      },
      { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "host_name" },
      { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "instance" },
      { source_labels: ["__meta_dockerswarm_service_name"], target_label: "service" },
      nodeLabelMap,
    ],
  };
}

/**
 * Drops a task the scheduler has not placed on a node yet. Swarm gives a new task its overlay
 * address before a node (tasks.go adds the node's labels only when `NodeID` names one), so the
 * discovery can list it with no `host_name`; if its container starts before the next refresh, that
 * label-less target scrapes fine and its series carry no node (the swarm tier saw it, and
 * tests/tools/swarm-discovery.test.ts shows it with the real discovery). A placed task is scraped
 * from its first refresh, under its node.
 */
const placedTasksOnly = {
  source_labels: ["__meta_dockerswarm_node_hostname"],
  regex: ".+",
  action: "keep" as const,
};

/**
 * A Swarm node's labels (`docker node update --label-add zone=b`) on the series of every target on
 * it, as `node_label_<name>`: the agents' telemetry cannot carry them (Swarm's task templates do
 * not expose node labels: swarmkit template/context.go), so this is what host metrics are joined
 * to, on `host_name`. The tasks role reads them from /nodes (discovery/moby/tasks.go, nodes.go).
 */
const nodeLabelMap = {
  regex: "__meta_dockerswarm_node_label_(.+)",
  replacement: "node_label_$1",
  action: "labelmap" as const,
};

/** The Prometheus job for the apps of a swarm: every Swarm service that opts in with its labels. */
export const SWARM_SERVICES_JOB = "swarm-services";

/**
 * The swarm's counterpart of the `docker` job: the running tasks of every Swarm service labelled
 * `prometheus.io/scrape=true` (a service label: `docker service create --label`, compose
 * `deploy.labels`), scraped on its address on the fleet network at `prometheus.io/port` (else 80,
 * the discovery's default) and `prometheus.io/path`. Service labels reach the targets as
 * `__meta_dockerswarm_service_label_<name>`, sanitised (discovery/moby/services.go at v3.14.0); a
 * task with no published port gets one target per network address on `port` (tasks.go).
 */
export function swarmServicesScrapeConfig(input: FleetScrapeInput) {
  const service = (label: string) => `__meta_dockerswarm_service_label_${sanitizedLabel(label)}`;
  return {
    job_name: SWARM_SERVICES_JOB,
    dockerswarm_sd_configs: [
      {
        host: input.dockerEndpoint,
        role: "tasks" as const,
        port: 80,
        refresh_interval: "15s",
        filters: [{ name: "desired-state", values: ["running"] }],
      },
    ],
    relabel_configs: [
      // The task's address on the fleet network, whose port the discovery set to `port`.
      ...optInRelabel({
        meta: service,
        networkLabel: "__meta_dockerswarm_network_name",
        network: input.network,
        address: { label: "__address__", hostRegex: "(.+):[0-9]+" },
      }),
      placedTasksOnly,
      { source_labels: ["__meta_dockerswarm_service_name"], target_label: "service" },
      { source_labels: ["__meta_dockerswarm_node_hostname"], target_label: "host_name" },
      { source_labels: ["__meta_dockerswarm_task_slot"], target_label: "task_slot" },
      nodeLabelMap,
    ],
  };
}

/** The agent that reads each node's containers (docker_stats) and the node's proxy it reads through. */
export interface FleetContainerStats {
  agentService: string;
  proxyService: string;
}

/** The points each node agent's docker_stats scraped, as Prometheus holds them (counter, by host_name). */
export const AGENT_CONTAINER_POINTS = `{__name__=~"otelcol_scraper_scraped_metric_points(_total)?", job="${NODE_AGENTS_JOB}", receiver="docker_stats"}`;

/**
 * NodeAgentDown: an agent Swarm means to run (its task is running) that Prometheus cannot scrape.
 * NodeContainerMetricsMissing: a metrics agent that answers but measures no container of its node.
 * Each agent's docker_stats counts what it scraped (scraperhelper's `scraper_scraped_metric_points`,
 * labelled `receiver`: scraper/scraperhelper v0.161.0 metadata.yaml and obs_metrics.go, the version
 * contrib v0.161.0's dockerstatsreceiver requires). A failed stats call counts nothing, not even as
 * an error (dockerstatsreceiver v0.161.0 receiver.go `scrapeV2`: a partial error of 0 points; the
 * same in the local image's v0.149.0), so zero is what a node shows when its proxy is down or
 * crash-looping, or when the agent found none of the node's containers at its start (the start
 * race, docs/fleet.md): every node runs at least the agent, the log agent and the proxy, so zero is
 * never a quiet node.
 */
export function fleetRules(containerStats?: FleetContainerStats): RulesFile {
  const containers: AlertingRule[] = containerStats
    ? [
        {
          alert: "NodeContainerMetricsMissing",
          expr: `sum by (host_name) (rate(${AGENT_CONTAINER_POINTS}[5m])) == 0`,
          for: "5m",
          labels: { severity: "warning" },
          annotations: {
            summary: "No container of {{ $labels.host_name }} is measured",
            description: `${containerStats.agentService} on {{ $labels.host_name }} answers but has measured no container of its node for 10 minutes: that node's container metrics and container alerts are missing. Its node's Docker API proxy may be down (docker service ps ${containerStats.proxyService}), or the agent found no container when it started; docker service update --force ${containerStats.agentService} restarts it.`,
          },
        },
      ]
    : [];
  return {
    groups: [
      {
        name: "scaibu-fleet",
        rules: [
          {
            alert: "NodeAgentDown",
            expr: `up{job="${NODE_AGENTS_JOB}"} == 0`,
            for: "3m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Node agent {{ $labels.service }} on {{ $labels.host_name }} is not answering",
              description:
                "Swarm runs {{ $labels.service }} on {{ $labels.host_name }}, and Prometheus has not reached it for 3 minutes: that node's host metrics or container logs are not arriving. The node may be down or cut off (docker node ls), or the agent stuck (docker service ps {{ $labels.service }}).",
            },
          },
          ...containers,
        ],
      },
    ],
  };
}

export function fleetRulesFile(maxFor?: string, containerStats?: FleetContainerStats): ConfigFile {
  return { path: PROMETHEUS_FLEET_RULES_PATH, content: toYaml(capFor(fleetRules(containerStats), maxFor)) };
}
