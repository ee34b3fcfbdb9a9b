/**
 * Makes `pulumi destroy` fail fast, naming the containers, when another stack's containers still
 * use one of this stack's networks. Without it the provider waits 30 s and reports only
 * "timeout while waiting for state to become 'removed'". Resource hooks (`beforeDelete`) would be
 * the natural place, but the Node language host built here does not serve them (docs/identity.md);
 * a dynamic resource that depends on the network is deleted before it, on any Pulumi version.
 * NetworkGuards also makes it depend on every container of the stack, so the check runs before
 * destroy removes anything, and a refusal leaves the stack running.
 *
 * It asks the Docker API of the provider's engine (providers/docker-api.ts), never the CLI; an
 * engine it cannot reach fails the destroy with the reason, rather than letting it through.
 */
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { dockerGet } from "./docker-api";

export interface NetworkGuardInputs {
  /** The Docker network's name. */
  network: pulumi.Input<string>;
  /** This stack's `io.scaibu.stack` value: its own containers are on their way out, not in the way. */
  stackLabel: pulumi.Input<string>;
  /** The Docker endpoint the docker provider uses (providers/docker-api.ts dockerEndpoint). */
  dockerHost: pulumi.Input<string>;
}

interface GuardProps {
  network: string;
  stackLabel: string;
  dockerHost: string;
}

interface NetworkInspect {
  Containers?: Record<string, { Name: string }> | null;
}
interface ContainerInspect {
  Config?: { Labels?: Record<string, string> | null };
}

/** Containers on `network` that do not carry `stackLabel`; none when the network is gone. */
export async function foreignContainers(endpoint: string, network: string, stackLabel: string): Promise<string[]> {
  const net = await dockerGet<NetworkInspect>(endpoint, `/networks/${encodeURIComponent(network)}`);
  const attached = Object.values(net?.Containers ?? {});
  const foreign: string[] = [];
  for (const { Name } of attached) {
    const c = await dockerGet<ContainerInspect>(endpoint, `/containers/${encodeURIComponent(Name)}/json`);
    if (c && c.Config?.Labels?.[STACK_LABEL] !== stackLabel) foreign.push(Name); // gone meanwhile: not in the way
  }
  return foreign.sort();
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: GuardProps) {
    return { id: inputs.network, outs: inputs };
  },
  async diff(_id: string, olds: GuardProps, news: GuardProps) {
    const replaces = olds.network !== news.network || olds.stackLabel !== news.stackLabel;
    return { changes: replaces || olds.dockerHost !== news.dockerHost, replaces: replaces ? ["network"] : [] };
  },
  async update(_id: string, _olds: GuardProps, news: GuardProps) {
    return { outs: news };
  },
  async delete(_id: string, props: GuardProps) {
    let foreign: string[];
    try {
      foreign = await foreignContainers(props.dockerHost, props.network, props.stackLabel);
    } catch (err) {
      throw new Error(
        `cannot check who still uses network ${props.network}: ${(err as Error).message}. Start the engine or fix ` +
          `docker:host / DOCKER_HOST, then run destroy again (a guard whose engine is gone for good: ` +
          `\`pulumi state delete\` it).`,
      );
    }
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
