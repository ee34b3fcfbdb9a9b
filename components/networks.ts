import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";
import type { NetworkRole } from "../settings/schema";
import { SERVED_NETWORKS, type ServedNetwork } from "../configs/render";

export interface NetworksArgs {
  /** Docker network name per role to create; other projects attach their containers by these names. */
  names: Partial<Record<NetworkRole, string>> & { observability: string };
  /** Subnet of the observability network (the seed uses 172.28.0.0/16). */
  observabilitySubnet: string;
  /** Label stamped on every network so `docker network ls --filter label=…` finds the stack's own. */
  stackLabel: string;
  /**
   * Checks that must pass before anything changes (the data-loss check): every network, and so
   * every container, waits for it, and a rejection fails the preview with its message.
   */
  preflight?: Promise<void>;
  /** Internal networks that one service serves on and only its clients join (see `served`), by name. */
  served?: Partial<Record<ServedNetwork, string>>;
  /**
   * In a swarm (`fleet.mode: swarm`): the role networks are attachable overlays, so a container or
   * a task on any node joins them by the names in the stack's outputs, as on one host. The served
   * networks stay bridges on the manager: their servers (Loki, the socket proxy) ask for no login,
   * and an attachable overlay would let a container on any node join them (docs/fleet.md).
   */
  overlay?: { encrypted: boolean };
  /**
   * What the role networks are replaced after: the handovers of a swarm's backends
   * (providers/handover.ts). A switch of fleet.mode replaces these networks, and Swarm will not
   * remove an overlay a backend's service still holds, which the handover lets go of first.
   */
  after?: Promise<pulumi.Resource[]>;
}

/**
 * The networks of the platform: observability, plus the shared ones unless another stack owns them
 * (bridges, or attachable overlays in a swarm), and the internal networks of single servers.
 */
export class Networks extends pulumi.ComponentResource {
  readonly names: Partial<Record<NetworkRole, pulumi.Output<string>>> & { observability: pulumi.Output<string> };
  readonly ids: Partial<Record<NetworkRole, pulumi.Output<string>>>;
  /** The Docker network of each role (NetworkGuards depends on them). */
  readonly byRole: (readonly [NetworkRole, docker.Network])[];
  /** Internal networks (no route out), each joined by one service and its clients alone (configs/render.ts). */
  readonly served: Partial<Record<ServedNetwork, docker.Network>> = {};

  constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Networks", name, {}, opts);
    const network = (
      suffix: string,
      dockerName: string,
      extra: Partial<docker.NetworkArgs> = {},
      after?: Promise<pulumi.Resource[]>,
    ) => stackNetwork(this, `${name}-${suffix}`, dockerName, args, extra, after);
    const roles = Object.keys(args.names) as NetworkRole[];
    // Attachable: the stack's own containers, and consumers' on any node, join it (a task could
    // join a plain overlay, a container cannot). Encrypted as the fleet network is (fleet.encryptOverlay).
    const overlay: Partial<docker.NetworkArgs> = args.overlay
      ? { ...overlayArgs(args.overlay.encrypted), attachable: true }
      : {};
    const networks = roles.map(
      (role) =>
        [
          role,
          network(
            role,
            args.names[role]!,
            {
              ...overlay,
              // The gateway is spelt out because the engine fills it in (after a daemon restart, at
              // least): left out, a refresh then reads a diff and replaces the network.
              ipamConfigs:
                role === "observability"
                  ? [{ subnet: args.observabilitySubnet, gateway: defaultGateway(args.observabilitySubnet) }]
                  : undefined,
            },
            args.after,
          ),
        ] as const,
    );
    this.byRole = networks;
    this.names = Object.fromEntries(networks.map(([r, n]) => [r, n.name])) as Networks["names"];
    this.ids = Object.fromEntries(networks.map(([r, n]) => [r, n.id]));
    for (const key of SERVED_NETWORKS) {
      const served = args.served?.[key];
      // `dockerApi` → `docker-api`.
      if (served)
        this.served[key] = network(
          key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
          served,
          { internal: true },
        );
    }
    this.registerOutputs({ names: this.names, ids: this.ids });
  }
}

/**
 * A network of the stack (a bridge unless `extra` says otherwise), `urnName` to Pulumi under
 * `parent`, named `dockerName` once the preflight passed.
 */
export function stackNetwork(
  parent: pulumi.Resource,
  urnName: string,
  dockerName: string,
  o: { stackLabel: string; preflight?: Promise<void> },
  extra: Partial<docker.NetworkArgs> = {},
  after?: Promise<pulumi.Resource[]>,
): docker.Network {
  return new docker.Network(
    urnName,
    {
      name: o.preflight ? pulumi.output(o.preflight.then(() => dockerName)) : dockerName,
      driver: "bridge",
      labels: [{ label: STACK_LABEL, value: o.stackLabel }],
      // A driver change (a switch of fleet.mode) replaces the network, and with it its containers.
      ...extra,
    },
    {
      parent,
      // Network names are fixed, so a replacement must remove the old one first.
      deleteBeforeReplace: true,
      dependsOn: after,
      // Docker cannot relabel a network (the provider replaces it): the label marks the owner
      // at creation, and renaming the stack must not tear down what other projects attach to.
      ignoreChanges: ["labels"],
    },
  );
}

/** An overlay's driver and options: IPsec between nodes when asked (fleet.encryptOverlay; needs ESP). */
export function overlayArgs(encrypted: boolean): Partial<docker.NetworkArgs> {
  return { driver: "overlay", options: encrypted ? { encrypted: "" } : undefined };
}

/** The address Docker gives a bridge's gateway by default: the first host of the subnet. */
export function defaultGateway(cidr: string): string {
  const [ip, bits] = cidr.split("/") as [string, string];
  const size = 2 ** (32 - Number(bits));
  const n = ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const first = n - (n % size) + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join(".");
}
