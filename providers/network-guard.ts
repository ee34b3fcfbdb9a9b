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
  /**
   * With `verbose`, on a swarm overlay: every endpoint the swarm gossips for it, on every node,
   * grouped by service name; a container attached to an attachable overlay is under "" with its
   * name and its node's address in `Info["Host IP"]` (moby daemon/network.go
   * buildServiceAttachments, daemon/libnetwork/agent.go addServiceInfoToCluster).
   */
  Services?: Record<string, { Tasks?: { Name: string; Info?: Record<string, string> | null }[] | null }> | null;
}
interface ContainerInspect {
  Config?: { Labels?: Record<string, string> | null };
}
interface ServiceInspect {
  Spec?: { Labels?: Record<string, string> | null };
}

/**
 * Containers on `network` that do not carry `stackLabel`; none when the network is gone. On a
 * swarm overlay also what other nodes attach to it: a container there (which this engine cannot
 * inspect, so any whose name is not one of this engine's), or a service that is not this stack's.
 * The swarm refuses to remove an overlay still in use, after the stack's containers are gone.
 */
export async function foreignContainers(endpoint: string, network: string, stackLabel: string): Promise<string[]> {
  const net = await dockerGet<NetworkInspect>(endpoint, `/networks/${encodeURIComponent(network)}`, {
    verbose: true,
  });
  const attached = Object.values(net?.Containers ?? {});
  const foreign: string[] = [];
  for (const { Name } of attached) {
    const c = await dockerGet<ContainerInspect>(endpoint, `/containers/${encodeURIComponent(Name)}/json`);
    if (c && c.Config?.Labels?.[STACK_LABEL] !== stackLabel) foreign.push(Name); // gone meanwhile: not in the way
  }
  const local = new Set(attached.map((c) => c.Name));
  for (const [service, { Tasks }] of Object.entries(net?.Services ?? {})) {
    if (service === "") {
      for (const t of Tasks ?? []) {
        if (!local.has(t.Name)) foreign.push(`${t.Name} (on ${t.Info?.["Host IP"] ?? "another node"})`);
      }
      continue;
    }
    const svc = await dockerGet<ServiceInspect>(endpoint, `/services/${encodeURIComponent(service)}`);
    if (svc && svc.Spec?.Labels?.[STACK_LABEL] !== stackLabel) foreign.push(`service ${service}`);
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
