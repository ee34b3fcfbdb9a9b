import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { STATS_RESYNC_TYPE } from "../providers/stats-resync";

export interface StatsResyncArgs {
  /** Every container of the stack, healthy before the resync runs. */
  containers: docker.Container[];
  /** The Docker endpoint the docker provider uses. */
  dockerHost: string;
}

/** The resync resource, served by the stack's own provider plugin (providers/plugin). */
class StatsResyncResource extends pulumi.CustomResource {
  constructor(
    name: string,
    args: { containers: pulumi.Input<string>[]; dockerHost: string },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(STATS_RESYNC_TYPE, name, args, opts);
  }
}

/**
 * Makes the collector's docker_stats receiver observe every container of the stack, which it can
 * miss when they start as it starts (providers/stats-resync.ts): after every `up` that creates or
 * replaces a container, one empty update per container, which changes nothing in them.
 */
export class StatsResync extends pulumi.ComponentResource {
  constructor(name: string, args: StatsResyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:StatsResync", name, {}, opts);
    new StatsResyncResource(
      name,
      { containers: args.containers.map((c) => c.id), dockerHost: args.dockerHost },
      { parent: this, dependsOn: args.containers },
    );
    this.registerOutputs({});
  }
}
