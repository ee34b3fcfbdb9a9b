/**
 * Makes `pulumi destroy` fail fast, naming the containers, when another stack's containers still
 * use one of this stack's networks. Without it the docker provider waits 30 s and reports only
 * "timeout while waiting for state to become 'removed'".
 *
 * The check runs in the stack's own provider plugin (providers/plugin), as the Delete of one
 * `scaibu:docker:NetworkGuard` resource that depends on every network and every container, so
 * Pulumi deletes it first: the check runs before destroy removes anything, and a refusal leaves
 * the stack running. Resource hooks (`beforeDelete`) cannot do it: Pulumi refuses a plain
 * `pulumi destroy` of a stack with delete hooks unless it is given `--run-program`.
 *
 * It asks the Docker API of the provider's engine (providers/docker-api.ts), never the CLI; an
 * engine it cannot reach fails the destroy with the reason, rather than letting it through.
 * Nothing here loads the Pulumi SDK: the plugin starts in a fraction of the time a dynamic
 * provider took (docs/benchmark.md).
 */
import { STACK_LABEL } from "@scaibu/observability-routing";
import { dockerGet } from "./docker-api";

/** The type token of the guard resource (package `scaibu`: Pulumi.yaml `plugins.providers`). */
export const NETWORK_GUARD_TYPE = "scaibu:docker:NetworkGuard";

/** What the guard resource holds: its inputs and outputs are the same. */
export interface GuardProps {
  /** The Docker networks' names. */
  networks: string[];
  /** This stack's `io.scaibu.stack` value: its own containers are on their way out, not in the way. */
  stackLabel: string;
  /** The Docker endpoint the docker provider uses (providers/docker-api.ts dockerEndpoint). */
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

/**
 * Throws, naming every network and the containers that use it, when any of `networks` is used by
 * containers this stack did not create; also when the engine cannot be asked.
 */
export async function refuseIfUsed(props: GuardProps, networks: readonly string[] = props.networks): Promise<void> {
  const used: string[] = [];
  for (const network of networks) {
    let foreign: string[];
    try {
      foreign = await foreignContainers(props.dockerHost, network, props.stackLabel);
    } catch (err) {
      throw new Error(
        `cannot check who still uses network ${network}: ${(err as Error).message}. Start the engine or fix ` +
          `docker:host / DOCKER_HOST, then run destroy again (a guard whose engine is gone for good: ` +
          `\`pulumi state delete\` it).`,
      );
    }
    if (foreign.length) used.push(`network ${network} is still used by ${foreign.join(", ")}`);
  }
  if (used.length) {
    throw new Error(
      `${used.join("; ")}, which this stack did not create. Destroy the stack they belong to (or ` +
        `\`docker network disconnect <network> <container>\`), then run destroy again.`,
    );
  }
}
