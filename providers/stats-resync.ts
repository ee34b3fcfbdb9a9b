/**
 * Re-announces the stack's containers to the collector's docker_stats receiver after `up` has
 * started them, so that none goes unobserved.
 *
 * Why: the receiver lists the running containers once when it starts, then follows container
 * events from the moment that list is done (contrib internal/docker/docker.go: LoadContainerList,
 * then ContainerEventLoop with `Since: time.Now()`; read at v0.149.0 and the same in every release
 * held here). A container that starts between the two is in neither and is never observed. The
 * collector's own container is always that close: the engine runs its process before it records
 * the container as running and before it sends the start event (moby daemon/start.go: tsk.Start,
 * then SetRunning, CheckpointTo and the start event). On this 2-core machine, with 7 containers
 * started at once, the receiver missed itself or a sibling in 11 of 28 trials; after empty updates every one was observed
 * (tools/docker-stats-race.sh; docs/upstream.md). StackContainerDown then fires for a running
 * container and its dashboards stay empty.
 *
 * How: an empty container update (POST /containers/{id}/update, `{}`) changes nothing in the
 * container (HostConfig byte for byte the same) and makes the engine send an `update` event, which
 * the receiver's event loop answers by inspecting and observing the container. It runs after every
 * container is created and healthy (the resource depends on all of them), and again whenever one
 * is replaced (its inputs are their ids). The socket proxy the collector reads through forbids
 * POST; this runs in the stack's provider plugin, on the engine the docker provider manages.
 */
import { dockerPost } from "./docker-api";

/** The type token of the resync resource (package `scaibu`: Pulumi.yaml `plugins.providers`). */
export const STATS_RESYNC_TYPE = "scaibu:docker:StatsResync";

/** What the resync resource holds: its inputs and outputs are the same. */
export interface ResyncProps {
  /** The ids of the stack's containers. */
  containers: string[];
  /** The Docker endpoint the docker provider uses (providers/docker-api.ts dockerEndpoint). */
  dockerHost: string;
}

/**
 * Sends one empty update to each container, all at once (each takes the engine 20–60 ms, and this
 * is the last step of a cold up); a container that is gone meanwhile is skipped.
 */
export async function announce(props: ResyncProps): Promise<void> {
  await Promise.all(
    props.containers.map((id) => dockerPost(props.dockerHost, `/containers/${encodeURIComponent(id)}/update`, {})),
  );
}
