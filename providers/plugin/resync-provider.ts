/**
 * The provider of `scaibu:docker:StatsResync` (providers/stats-resync.ts has the why). Its inputs
 * are its outputs. Create and Update announce the containers to docker_stats; Delete does nothing.
 */
import type { Provider } from "@pulumi/pulumi/provider";
import { announce, type ResyncProps } from "../stats-resync";

function props(raw: unknown): ResyncProps {
  const p = raw as Partial<ResyncProps>;
  return { containers: [...(p.containers ?? [])], dockerHost: p.dockerHost ?? "" };
}

export const resyncProvider: Provider = {
  version: "0.1.0",
  async check(_urn, _olds, news) {
    return { inputs: props(news) };
  },
  async diff(_id, _urn, olds, news) {
    return { changes: JSON.stringify(props(olds)) !== JSON.stringify(props(news)), replaces: [] };
  },
  async create(_urn, inputs) {
    const p = props(inputs);
    await announce(p);
    return { id: "stats-resync", outs: p };
  },
  async read(id, _urn, state) {
    return { id, props: state, inputs: state };
  },
  async update(_id, _urn, _olds, news) {
    const p = props(news);
    await announce(p);
    return { outs: p };
  },
  async delete() {},
};
