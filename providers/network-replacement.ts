/**
 * A network whose driver or subnet changes is replaced: the docker provider removes it (its
 * containers first) and creates it again. Another stack's container on it makes the engine refuse
 * the removal, but only after this stack's containers are gone. So the change is checked at start,
 * and `preview` names the key, the network and the containers in the way.
 *
 * Asks the Docker API of the provider's engine (providers/docker-api.ts); on a swarm overlay it
 * also sees containers that other nodes attached (providers/network-guard.ts).
 */
import { dockerGet } from "./docker-api";
import { foreignContainers } from "./network-guard";

/** A network of the stack as the program plans it, and the config key that decides it. */
export interface PlannedNetwork {
  name: string;
  driver: "bridge" | "overlay";
  /** Checked only when given (the observability network's `networks.observability.subnet`). */
  subnet?: string;
  /** What the user changes to change the driver: `fleet.mode`. */
  driverKey: string;
  subnetKey?: string;
}

interface NetworkInspect {
  Driver?: string;
  IPAM?: { Config?: { Subnet?: string }[] | null };
}

/**
 * One problem per network that the plan replaces while containers of other stacks use it. It runs
 * at the start of every preview and up, so the networks are asked at once.
 */
export async function replacementProblems(
  endpoint: string,
  planned: readonly PlannedNetwork[],
  stackLabel: string,
): Promise<string[]> {
  const problems = await Promise.all(planned.map((p) => replacementProblem(endpoint, p, stackLabel)));
  return problems.filter((p) => p !== undefined);
}

async function replacementProblem(
  endpoint: string,
  p: PlannedNetwork,
  stackLabel: string,
): Promise<string | undefined> {
  const net = await dockerGet<NetworkInspect>(endpoint, `/networks/${encodeURIComponent(p.name)}`);
  if (!net) return undefined; // created, not replaced
  const subnets = (net.IPAM?.Config ?? []).map((c) => c.Subnet).filter(Boolean);
  const why =
    net.Driver !== p.driver
      ? `${p.driverKey} makes network ${p.name} ${p.driver === "overlay" ? "an overlay" : "a bridge"} (it is ${net.Driver === "overlay" ? "an overlay" : `a ${net.Driver}`} now)`
      : p.subnet && subnets.length && !subnets.includes(p.subnet)
        ? `${p.subnetKey} = "${p.subnet}" moves network ${p.name} (its subnet is ${subnets.join(", ")} now)`
        : undefined;
  if (!why) return undefined;
  const foreign = await foreignContainers(endpoint, p.name, stackLabel);
  if (!foreign.length) return undefined;
  return (
    `${why}, which replaces it, but ${foreign.join(", ")} ${foreign.length === 1 ? "uses" : "use"} it, ` +
    "which this stack did not create: " +
    `stop them or \`docker network disconnect ${p.name} <container>\`, then run again`
  );
}
