/**
 * The fleet rows of `npm run status` (fleet.mode swarm, docs/fleet.md): for each node agent
 * service and the node proxy (`<domain>-node-api`, which docker_stats reads each node through), on how many of the nodes that should run it a task is running, and which nodes lack
 * one. Nodes that should: ready and active (a drained or paused node runs no agent, on purpose).
 * Nothing when the engine is not a swarm manager or the stack has no agents.
 */
import { NODE_AGENT_KINDS, nodeServiceName } from "../../configs/fleet";
import { dockerGet } from "../../providers/docker-api";
import type { Row } from "./rows";

interface Info {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
}
interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string };
  Spec: { Availability: string };
  Status: { State: string };
}
interface SwarmService {
  ID: string;
  Spec: { Name: string };
}
interface Task {
  ServiceID: string;
  NodeID: string;
  Status: { State: string };
}

export async function fleetRows(endpoint: string, domain: string): Promise<Row[]> {
  const info = await dockerGet<Info>(endpoint, "/info");
  if (info?.Swarm?.LocalNodeState !== "active" || !info.Swarm.ControlAvailable) return [];
  const names = [...NODE_AGENT_KINDS, "api" as const].map((part) => nodeServiceName(domain, part));
  const services = ((await dockerGet<SwarmService[]>(endpoint, "/services")) ?? []).filter((s) =>
    names.includes(s.Spec.Name),
  );
  if (!services.length) return [];
  const nodes = ((await dockerGet<SwarmNode[]>(endpoint, "/nodes")) ?? []).filter(
    (n) => n.Status.State === "ready" && n.Spec.Availability === "active",
  );
  const tasks = (await dockerGet<Task[]>(endpoint, "/tasks", { filters: { "desired-state": ["running"] } })) ?? [];
  return services
    .sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1))
    .map((s) => {
      const running = new Set(
        tasks.filter((t) => t.ServiceID === s.ID && t.Status.State === "running").map((t) => t.NodeID),
      );
      const missing = nodes.filter((n) => !running.has(n.ID)).map((n) => n.Description?.Hostname ?? n.ID);
      return {
        section: "fleet",
        what: s.Spec.Name,
        value: `running on ${nodes.length - missing.length} of ${nodes.length} nodes`,
        level: missing.length ? "attention" : "ok",
        why: missing.length ? `no running task on ${missing.join(", ")}: docker service ps ${s.Spec.Name}` : undefined,
      };
    });
}
