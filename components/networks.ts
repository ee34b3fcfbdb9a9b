import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export type NetworkRole = "observability" | "data" | "messaging" | "cicd" | "temporal";
export const NETWORK_ROLES: readonly NetworkRole[] = ["observability", "data", "messaging", "cicd", "temporal"];

export interface NetworksArgs {
  /** Docker network name per role; other projects attach their containers by these names. */
  names: Record<NetworkRole, pulumi.Input<string>>;
  /** Subnet of the observability network (the seed uses 172.28.0.0/16). */
  observabilitySubnet: pulumi.Input<string>;
  /** Label stamped on every network so `docker network ls --filter label=…` finds the stack's own. */
  stackLabel: pulumi.Input<string>;
}

/** The five bridge networks of the platform. */
export class Networks extends pulumi.ComponentResource {
  readonly networks: Record<NetworkRole, docker.Network>;
  readonly names: Record<NetworkRole, pulumi.Output<string>>;
  readonly ids: Record<NetworkRole, pulumi.Output<string>>;

  constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Networks", name, {}, opts);
    const entries = NETWORK_ROLES.map((role) => {
      const network = new docker.Network(
        `${name}-${role}`,
        {
          name: args.names[role],
          driver: "bridge",
          ipamConfigs: role === "observability" ? [{ subnet: args.observabilitySubnet }] : undefined,
          labels: [{ label: "io.scaibu.stack", value: args.stackLabel }],
        },
        // Network names are fixed, so a replacement must remove the old one first.
        { parent: this, deleteBeforeReplace: true },
      );
      return [role, network] as const;
    });
    this.networks = Object.fromEntries(entries) as Record<NetworkRole, docker.Network>;
    this.names = mapRoles((r) => this.networks[r].name);
    this.ids = mapRoles((r) => this.networks[r].id);
    this.registerOutputs({ names: this.names, ids: this.ids });
  }
}

function mapRoles<T>(fn: (role: NetworkRole) => T): Record<NetworkRole, T> {
  return Object.fromEntries(NETWORK_ROLES.map((r) => [r, fn(r)])) as Record<NetworkRole, T>;
}
