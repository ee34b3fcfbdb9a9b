/**
 * Makes `pulumi destroy` fail fast, naming the containers, when another stack's containers still
 * use one of this stack's networks. Without it the provider waits 30 s and reports only
 * "timeout while waiting for state to become 'removed'". Resource hooks (`beforeDelete`) would be
 * the natural place, but the Node language host built here does not serve them (docs/identity.md);
 * a dynamic resource that depends on the network is deleted before it, on any Pulumi version.
 * Networks.guardAgainstForeignContainers also makes it depend on every container of the stack, so
 * the check runs before destroy removes anything, and a refusal leaves the stack running.
 */
import * as pulumi from "@pulumi/pulumi";

export interface NetworkGuardInputs {
  /** The Docker network's name. */
  network: pulumi.Input<string>;
  /** This stack's `io.scaibu.stack` value: its own containers are on their way out, not in the way. */
  stackLabel: pulumi.Input<string>;
}

interface GuardProps {
  network: string;
  stackLabel: string;
}

/** Containers on `network` that do not carry `stackLabel`; none when the network is gone. */
export function foreignContainers(network: string, stackLabel: string): string[] {
  // Required here, not at the top: the provider is serialized with this function's body.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", stdio: "pipe" }).trim();
  let attached: Record<string, { Name: string }>;
  try {
    attached = JSON.parse(docker("network", "inspect", "--format", "{{json .Containers}}", network) || "{}") ?? {};
  } catch {
    return []; // already gone
  }
  return Object.values(attached)
    .map((c) => c.Name)
    .filter((name) => {
      try {
        return docker("inspect", "--format", '{{index .Config.Labels "io.scaibu.stack"}}', name) !== stackLabel;
      } catch {
        return false; // removed meanwhile
      }
    })
    .sort();
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: GuardProps) {
    return { id: inputs.network, outs: inputs };
  },
  async diff(_id: string, olds: GuardProps, news: GuardProps) {
    const changes = olds.network !== news.network || olds.stackLabel !== news.stackLabel;
    return { changes, replaces: changes ? ["network"] : [], deleteBeforeReplace: false };
  },
  async delete(_id: string, props: GuardProps) {
    const foreign = foreignContainers(props.network, props.stackLabel);
    if (foreign.length) {
      throw new Error(
        `network ${props.network} is still used by ${foreign.join(", ")}, which this stack did not create. ` +
          `Destroy the stack they belong to (or \`docker network disconnect ${props.network} <container>\`), ` +
          `then run destroy again.`,
      );
    }
  },
};

/** Deleted before its network and the containers (it depends on them): checks that nothing foreign uses it. */
export class NetworkGuard extends pulumi.dynamic.Resource {
  constructor(name: string, args: NetworkGuardInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, args, opts);
  }
}
