import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  AGENT_CA_PATH,
  AGENT_CERT_PATH,
  AGENT_KEY_PATH,
  NODE_PROXY_HOSTNAME,
  nodeAgentHostMounts,
  type NodeAgentKind,
} from "../configs/fleet";
import { SOCKET_PROXY_SOCKET, socketProxyEntrypoint } from "../configs/socket-proxy";
import type { Privileges } from "../configs/privileges";
import type { Rendered } from "../configs/render";
import type { SignedPair } from "./certificates";
import { overlayArgs, stackNetwork } from "./networks";
import { SwarmService } from "./swarm-service";

/** One kind of node agent: its service name, privileges and rendered config. */
export interface NodeAgentArgs {
  kind: NodeAgentKind;
  /** Swarm service name, e.g. `scaibu-node-metrics`. */
  serviceName: string;
  privileges: Privileges;
  rendered: Rendered;
  /** The metrics agent: whether it reads the node's `/` (hostMetrics.enabled). */
  hostMetrics?: boolean;
}

export interface FleetArgs {
  /** Docker name of the overlay network the agents and the gateway share. */
  networkName: string;
  /** IPsec between nodes (fleet.encryptOverlay). */
  encrypted: boolean;
  stackLabel: string;
  /** Checks before anything changes (index.ts: the data-loss check); the network waits for it. */
  preflight?: Promise<void>;
  /** The collector's image reference (the agents are the same binary). */
  image: pulumi.Input<string>;
  memoryMb: number;
  logRotation: { maxSize: pulumi.Input<string>; maxFile: pulumi.Input<number> };
  agents: NodeAgentArgs[];
  /**
   * Each node's own Docker API proxy for its metrics agent's docker_stats (hostMetrics.containers):
   * a global service on an internal overlay that only it and the metrics agents join.
   */
  nodeProxy?: {
    serviceName: string;
    networkName: string;
    image: pulumi.Input<string>;
    memoryMb: number;
    privileges: Privileges;
    rendered: Rendered;
    /** Host path of each node's Docker socket. */
    dockerSocket: string;
  };
  /**
   * What the agents are created after: the stack's containers, so that docker_stats of the agent on
   * the manager lists them when it starts, rather than race their start (as providers/stats-resync.ts
   * mends for the collector on one host).
   */
  after?: Promise<pulumi.Resource[]>;
  /** The agents' client certificate and key, and the CA that signed the gateway's. */
  tls: SignedPair & { caPem: pulumi.Input<string> };
}

/**
 * Every node of a Docker Swarm, observed (`fleet.mode: swarm`): an attachable overlay network,
 * which the collector (the gateway) joins, and node agents on every node of the swarm.
 */
export class Fleet extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly agents: SwarmService[];
  /** Each node's Docker API proxy and the overlay it serves on (hostMetrics.containers). */
  readonly nodeProxy?: SwarmService;
  readonly nodeApiNetwork?: docker.Network;

  /** Its overlays: the fleet's, and the node proxies' when they run. */
  get networks(): docker.Network[] {
    return [this.network, ...(this.nodeApiNetwork ? [this.nodeApiNetwork] : [])];
  }

  /** Its Swarm services: the agents', and the node proxies' when they run. */
  get services(): docker.Service[] {
    return [...this.agents, ...(this.nodeProxy ? [this.nodeProxy] : [])].map((s) => s.service);
  }

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Fleet", name, {}, opts);
    const overlay = (suffix: string, dockerName: string, extra: Partial<docker.NetworkArgs>) =>
      stackNetwork(this, `${name}-${suffix}`, dockerName, args, { ...overlayArgs(args.encrypted), ...extra });
    // The gateway is a container, not a service: only an attachable overlay lets it join.
    this.network = overlay("network", args.networkName, { attachable: true });
    const proxy = args.nodeProxy;
    if (proxy) {
      // Not attachable: no container, only the services the manager declares, joins it; no route out.
      this.nodeApiNetwork = overlay("node-api-network", proxy.networkName, { internal: true });
      this.nodeProxy = new SwarmService(
        `${name}-node-api`,
        {
          serviceName: proxy.serviceName,
          image: proxy.image,
          stackLabel: args.stackLabel,
          networks: [this.nodeApiNetwork.id],
          hostname: NODE_PROXY_HOSTNAME,
          entrypoint: socketProxyEntrypoint(),
          memoryMb: proxy.memoryMb,
          logRotation: args.logRotation,
          privileges: proxy.privileges,
          command: proxy.rendered.command,
          env: proxy.rendered.env,
          files: proxy.rendered.files,
          hostMounts: [{ source: proxy.dockerSocket, target: SOCKET_PROXY_SOCKET }],
          healthcheck: proxy.rendered.healthcheck,
        },
        { parent: this },
      );
    }
    // A promise: the containers are declared after the fleet, whose network they join.
    const agentsAfter: Promise<pulumi.Input<pulumi.Resource>[]> = (args.after ?? Promise.resolve([])).then((after) => [
      ...after,
      ...(this.nodeProxy ? [this.nodeProxy.service] : []),
    ]);
    this.agents = args.agents.map(
      (agent) =>
        new SwarmService(
          `${name}-${agent.kind}`,
          {
            serviceName: agent.serviceName,
            image: args.image,
            stackLabel: args.stackLabel,
            networks: [
              this.network.id,
              ...(agent.kind === "metrics" && this.nodeApiNetwork ? [this.nodeApiNetwork.id] : []),
            ],
            memoryMb: args.memoryMb,
            logRotation: args.logRotation,
            privileges: agent.privileges,
            command: agent.rendered.command,
            env: agent.rendered.env,
            files: [
              ...agent.rendered.files,
              // Public: the agents' certificate and the CA that signed the gateway's.
              { path: AGENT_CERT_PATH, content: args.tls.certPem },
              { path: AGENT_CA_PATH, content: args.tls.caPem },
            ],
            secretFiles: [{ path: AGENT_KEY_PATH, content: args.tls.keyPem }],
            hostMounts: nodeAgentHostMounts(agent.kind, agent.hostMetrics),
            healthcheck: agent.rendered.healthcheck,
            after: agentsAfter,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({
      network: this.network.name,
      agents: this.agents.map((a) => a.serviceName),
      nodeProxy: this.nodeProxy?.serviceName,
    });
  }
}
