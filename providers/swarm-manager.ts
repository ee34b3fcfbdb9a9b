import { dockerGet } from "./docker-api";

interface Info {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
}

/**
 * `fleet.mode: swarm` deploys global services and an overlay network, which only a Swarm manager
 * can create. Asked at start, so `preview` fails naming the key, not `up` halfway through with
 * the engine's "This node is not a swarm manager". Resolves with nothing when the engine is a manager.
 */
export async function swarmManagerProblem(endpoint: string): Promise<string | undefined> {
  const info = await dockerGet<Info>(endpoint, "/info");
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
