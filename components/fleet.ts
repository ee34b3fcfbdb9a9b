import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";
import {
  AGENT_CA_PATH,
  AGENT_CERT_PATH,
  AGENT_KEY_PATH,
  nodeAgentHostMounts,
  type NodeAgentKind,
} from "../configs/fleet";
import type { Privileges } from "../configs/privileges";
import type { Rendered } from "../configs/render";
import type { SignedPair } from "./certificates";
import { SwarmService } from "./swarm-service";

/** One kind of node agent: its service name, privileges and rendered config. */
export interface NodeAgentArgs {
  kind: NodeAgentKind;
  /** Swarm service name, e.g. `scaibu-node-metrics`. */
  serviceName: string;
  privileges: Privileges;
  rendered: Rendered;
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

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Fleet", name, {}, opts);
    this.network = new docker.Network(
      `${name}-network`,
      {
        name: args.preflight ? pulumi.output(args.preflight.then(() => args.networkName)) : args.networkName,
        driver: "overlay",
        // The gateway is a container, not a service: only an attachable overlay lets it join.
        attachable: true,
        options: args.encrypted ? { encrypted: "" } : undefined,
        labels: [{ label: STACK_LABEL, value: args.stackLabel }],
      },
      // The name is fixed; the label marks the owner at creation (as components/networks.ts).
      { parent: this, deleteBeforeReplace: true, ignoreChanges: ["labels"] },
    );
    this.agents = args.agents.map(
      (agent) =>
        new SwarmService(
          `${name}-${agent.kind}`,
          {
            serviceName: agent.serviceName,
            image: args.image,
            stackLabel: args.stackLabel,
            network: this.network.id,
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
            hostMounts: nodeAgentHostMounts(agent.kind),
            healthcheck: agent.rendered.healthcheck,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ network: this.network.name, agents: this.agents.map((a) => a.serviceName) });
  }
}
