/**
 * Hands a backend's volume from its container to its Swarm service, or back, when `fleet.mode`
 * switches which of the two runs it (configs/fleet.ts SWARM_BACKENDS).
 *
 * Why: the two are different resources (a docker Container, a docker Service), so Pulumi creates
 * the new one before it deletes the old one, and the new one waits to be healthy. Both mount the
 * same volume, and Jaeger's badger takes a lock on its directory: the new process cannot open it
 * while the old one runs, so the new one never turns healthy and `up` fails on its wait.
 *
 * How: the new one depends on this resource, which, when its target changes, stops the other kind
 * if this stack has it: the container (POST /containers/{name}/stop, which waits for it to exit),
 * or the service scaled to no replica and off its networks (POST /services/{name}/update), waiting
 * until none of its tasks runs and Swarm has deleted the one it scaled away. Pulumi then creates the new one and deletes the stopped old one as usual. On a stack
 * that has only the one kind (every `up` but a switch) it asks the engine and does nothing.
 */
import { STACK_LABEL } from "@scaibu/observability-routing";
import { dockerGet, dockerPost } from "./docker-api";

/** The type token of the handover resource (package `scaibu`: Pulumi.yaml `plugins.providers`). */
export const HANDOVER_TYPE = "scaibu:docker:Handover";

/** What the handover resource holds: its inputs and outputs are the same. */
export interface HandoverProps {
  /** Which of the two should run the backend now. */
  runs: "container" | "service";
  /** The container's name and the service's name (they differ: a service name has no dot). */
  container: string;
  service: string;
  /** Only the stack's own objects (this label's value) are touched. */
  stackLabel: string;
  /** The Docker endpoint the docker provider uses (providers/docker-api.ts dockerEndpoint). */
  dockerHost: string;
}

interface Labelled {
  Labels?: Record<string, string> | null;
}
interface ContainerInfo {
  Config?: Labelled;
  State?: { Running?: boolean };
}
interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: Labelled & { Mode?: { Replicated?: { Replicas?: number } }; TaskTemplate?: object };
}
interface TaskInfo {
  DesiredState?: string;
  Status?: { State?: string };
}

/** Task states in which a task's container may still run (swarmkit api/types.proto TaskState). */
const LIVE = new Set(["new", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running"]);

/** Stops the kind that should not run, if this stack has it; resolves with what it stopped. */
export async function handOver(p: HandoverProps, waitMs = 60_000): Promise<string[]> {
  const done: string[] = [];
  const ours = (l: Labelled | undefined) => l?.Labels?.[STACK_LABEL] === p.stackLabel;
  if (p.runs === "service") {
    const c = await dockerGet<ContainerInfo>(p.dockerHost, `/containers/${encodeURIComponent(p.container)}/json`);
    if (c && ours(c.Config) && c.State?.Running) {
      await dockerPost(p.dockerHost, `/containers/${encodeURIComponent(p.container)}/stop`, {});
      done.push(`container ${p.container}`);
    }
    return done;
  }
  const s = await dockerGet<ServiceInfo>(p.dockerHost, `/services/${encodeURIComponent(p.service)}`);
  if (!s || !ours(s.Spec) || s.Spec.Mode?.Replicated?.Replicas === 0) return done;
  // Off its networks too: a switch back to a container replaces the stack's overlays with bridges,
  // and Swarm refuses to remove a network a service's spec still names (the service itself goes last).
  const spec = {
    ...s.Spec,
    Mode: { Replicated: { Replicas: 0 } },
    TaskTemplate: { ...s.Spec.TaskTemplate, Networks: [] },
  };
  await dockerPost(p.dockerHost, `/services/${encodeURIComponent(s.ID)}/update`, spec, { version: s.Version.Index });
  done.push(`service ${p.service}`);
  const filters = JSON.stringify({ service: [s.ID] });
  for (const end = Date.now() + waitMs; ;) {
    // Scaled away, a task's desired state is `remove`, and the task reaper deletes it once it has
    // stopped (swarmkit manager/orchestrator/replicated/services.go, taskreaper/task_reaper.go).
    // Until then it holds its network attachments, and Swarm only marks a network it is asked to
    // remove as pending: the bridge of the same name that a switch back to a container makes
    // would find it still there ("already exists", seen in the swarm tier).
    const tasks = (await dockerGet<TaskInfo[]>(p.dockerHost, "/tasks", { filters })) ?? [];
    if (!tasks.some((t) => LIVE.has(t.Status?.State ?? "") || t.DesiredState === "remove")) break;
    if (Date.now() > end)
      throw new Error(`service ${p.service} still has a task ${waitMs / 1000} s after it was scaled to 0`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return done;
}
