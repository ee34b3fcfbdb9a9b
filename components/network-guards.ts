import * as pulumi from "@pulumi/pulumi";
import type { NetworkRole } from "../settings/schema";
import { NetworkGuard } from "../providers/network-guard";
import type { Networks } from "./networks";

export interface NetworkGuardsArgs {
  networks: Networks;
  /** Every container of the stack: each guard depends on all of them. */
  containers: pulumi.Resource[];
  stackLabel: string;
  /** The Docker endpoint the docker provider uses: the guards ask it, never a CLI. */
  dockerHost: string;
}

/**
 * One guard per network, depending on the network and on every container of the stack. Pulumi
 * deletes a resource before what it depends on, so `destroy` runs every guard's check before it
 * removes a single container: when other stacks' containers still use a network, it stops,
 * naming them, and leaves this stack running. Declared after the containers.
 */
export class NetworkGuards extends pulumi.ComponentResource {
  readonly guards: Partial<Record<NetworkRole, NetworkGuard>> = {};

  constructor(name: string, args: NetworkGuardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:NetworkGuards", name, {}, opts);
    for (const [role, network] of args.networks.byRole) {
      this.guards[role] = new NetworkGuard(
        `${name}-${role}`,
        { network: network.name, stackLabel: args.stackLabel, dockerHost: args.dockerHost },
        {
          parent: this,
          dependsOn: [network, ...args.containers],
          // Before this component, the guards were children of the Networks component.
          aliases: [{ name: `${args.networks.baseName}-${role}-guard`, parent: args.networks }],
        },
      );
    }
    this.registerOutputs({});
  }
}
