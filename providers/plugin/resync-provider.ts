/**
 * The provider of `scaibu:docker:StatsResync` (providers/stats-resync.ts has the why). Its inputs
 * are its outputs. Create and Update announce the containers to docker_stats; Delete does nothing.
 */
import { announce, type ResyncProps } from "../stats-resync";
import { actionProvider } from "./action-provider";

function props(raw: unknown): ResyncProps {
  const p = raw as Partial<ResyncProps>;
  return { containers: [...(p.containers ?? [])], dockerHost: p.dockerHost ?? "" };
}

export const resyncProvider = actionProvider("stats-resync", props, announce);
