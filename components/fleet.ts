import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";
import {
  AGENT_CA_PATH,
  AGENT_CERT_PATH,
  AGENT_KEY_PATH,
  nodeAgentHostMounts,
  type NodeAgentInput,
} from "../configs/fleet";
import { OTEL_HOSTFS } from "../configs/otel-collector";
import type { Privileges } from "../configs/privileges";
import type { Rendered } from "../configs/render";
import type { SignedPair } from "./certificates";
import { SwarmService } from "./swarm-service";

export interface FleetArgs {
  /** Docker name of the overlay network the agents and the gateway share. */
  networkName: string;
  stackLabel: string;
  /** Checks before anything changes (index.ts: the data-loss check); the network waits for it. */
  preflight?: Promise<void>;
  agent: {
    /** Swarm service name, e.g. `scaibu-node-agent`. */
    serviceName: string;
    /** The collector's image reference (the agent is the same binary). */
    image: pulumi.Input<string>;
    memoryMb: number;
    logRotation: { maxSize: pulumi.Input<string>; maxFile: pulumi.Input<number> };
    privileges: Privileges;
    rendered: Rendered;
    collects: Pick<NodeAgentInput, "hostMetrics" | "dockerLogs">;
    /** Its client certificate and key, and the CA that signed the gateway's. */
    tls: SignedPair & { caPem: pulumi.Input<string> };
  };
}

/**
 * Every node of a Docker Swarm, observed (`fleet.mode: swarm`): an attachable overlay network,
 * which the collector (the gateway) joins, and a node agent on every node of the swarm.
 */
export class Fleet extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly agents: SwarmService;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Fleet", name, {}, opts);
    this.network = new docker.Network(
      `${name}-network`,
      {
        name: args.preflight ? pulumi.output(args.preflight.then(() => args.networkName)) : args.networkName,
        driver: "overlay",
        // The gateway is a container, not a service: only an attachable overlay lets it join.
        attachable: true,
        labels: [{ label: STACK_LABEL, value: args.stackLabel }],
      },
      // The name is fixed; the label marks the owner at creation (as components/networks.ts).
      { parent: this, deleteBeforeReplace: true, ignoreChanges: ["labels"] },
    );
    const { agent } = args;
    this.agents = new SwarmService(
      `${name}-agents`,
      {
        serviceName: agent.serviceName,
        image: agent.image,
        stackLabel: args.stackLabel,
        network: this.network.id,
        memoryMb: agent.memoryMb,
        logRotation: agent.logRotation,
        privileges: agent.privileges,
        command: agent.rendered.command,
        env: agent.rendered.env,
        files: [
          ...agent.rendered.files,
          // Public: the agent's certificate and the CA that signed the gateway's.
          { path: AGENT_CERT_PATH, content: agent.tls.certPem },
          { path: AGENT_CA_PATH, content: agent.tls.caPem },
        ],
        secretFiles: [{ path: AGENT_KEY_PATH, content: agent.tls.keyPem }],
        hostMounts: nodeAgentHostMounts(agent.collects, OTEL_HOSTFS),
        healthcheck: agent.rendered.healthcheck,
      },
      { parent: this },
    );
    this.registerOutputs({ network: this.network.name, agents: this.agents.serviceName });
  }
}
