import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { NETWORK_GUARD_TYPE } from "../providers/network-guard";
import type { Networks } from "./networks";

export interface NetworkGuardsArgs {
  networks: Networks;
  /** Networks beside `networks`: a swarm's fleet overlay. */
  more?: docker.Network[];
  /** Every container and Swarm service of the stack: the guard depends on all of them. */
  containers: pulumi.Resource[];
  stackLabel: string;
  /** The Docker endpoint the docker provider uses: the guard asks it, never a CLI. */
  dockerHost: string;
}

/** The guard resource, served by the stack's own provider plugin (providers/plugin). */
class NetworkGuard extends pulumi.CustomResource {
  constructor(
    name: string,
    args: { networks: pulumi.Input<string>[]; stackLabel: string; dockerHost: string },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(NETWORK_GUARD_TYPE, name, args, opts);
  }
}

/**
 * One guard for every network, depending on the networks and on every container (and, in a swarm,
 * every service) of the stack.
 * Pulumi deletes a resource before what it depends on, so `destroy` runs the guard's check
 * (providers/network-guard.ts) before it removes a single container: when other stacks'
 * containers still use a network, it stops, naming them, and leaves this stack running.
 * Declared after the containers.
 */
export class NetworkGuards extends pulumi.ComponentResource {
  readonly guard: pulumi.CustomResource;

  constructor(name: string, args: NetworkGuardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:NetworkGuards", name, {}, opts);
    const networks: docker.Network[] = [
      ...args.networks.byRole.map(([, network]) => network),
      ...Object.values(args.networks.served),
      ...(args.more ?? []),
    ];
    this.guard = new NetworkGuard(
      name,
      { networks: networks.map((n) => n.name), stackLabel: args.stackLabel, dockerHost: args.dockerHost },
      { parent: this, dependsOn: [...networks, ...args.containers] },
    );
    this.registerOutputs({});
  }
}
