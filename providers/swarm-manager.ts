import { STACK_LABEL } from "@scaibu/observability-routing";
import { dockerGet } from "./docker-api";

interface Info {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
}

/** What the program needs of the engine's swarm: whether it is a manager, its node, this stack's services. */
export interface SwarmFacts {
  /** Why `fleet.mode: swarm` cannot deploy here (undefined: a manager). */
  problem?: string;
  /** The manager's node id, where the backends go by default (configs/fleet.ts backendConstraints). */
  nodeId?: string;
  /** The names of this stack's Swarm services on it (none off a manager). */
  services: string[];
}

/**
 * Asks the engine once, at start: /info, and on a manager the services carrying `stackLabel`
 * (a backend switched back to a container is handed over from its service: providers/handover.ts).
 */
export async function swarmFacts(endpoint: string, stackLabel: string): Promise<SwarmFacts> {
  const info = await dockerGet<Info>(endpoint, "/info");
  const problem = managerProblem(endpoint, info);
  if (problem) return { problem, services: [] };
  const filters = JSON.stringify({ label: [`${STACK_LABEL}=${stackLabel}`] });
  const services = (await dockerGet<{ Spec?: { Name?: string } }[]>(endpoint, "/services", { filters })) ?? [];
  return {
    nodeId: info?.Swarm?.NodeID,
    services: services.flatMap((s) => (s.Spec?.Name ? [s.Spec.Name] : [])).sort(),
  };
}

/**
 * `fleet.mode: swarm` deploys global services and an overlay network, which only a Swarm manager
 * can create. Asked at start, so `preview` fails naming the key, not `up` halfway through with
 * the engine's "This node is not a swarm manager". Nothing when the engine is a manager.
 */
function managerProblem(endpoint: string, info: Info | undefined): string | undefined {
  const swarm = info?.Swarm;
  if (swarm?.LocalNodeState === "active" && swarm.ControlAvailable) return undefined;
  const state =
    swarm?.LocalNodeState === "active"
      ? "a swarm worker, not a manager"
      : `not in a swarm (${swarm?.LocalNodeState ?? "no swarm state"})`;
  return (
    `scaibu-observability:fleet.mode = "swarm": the Docker engine at ${endpoint} is ${state}; ` +
    "point docker:host at a manager (docker node ls shows them), run docker swarm init there, or set fleet.mode single"
  );
}
