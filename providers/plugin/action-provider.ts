/**
 * A provider for a resource that acts on the engine and keeps nothing: its inputs are its outputs,
 * Create and an Update with changed inputs run `act`, and Delete does nothing. The docker_stats
 * resync and the backends' handover are two of these.
 */
import type { Provider } from "@pulumi/pulumi/provider";

export function actionProvider<P extends object>(
  id: string,
  props: (raw: unknown) => P,
  act: (p: P) => Promise<unknown>,
): Provider {
  return {
    version: "0.1.0",
    async check(_urn, _olds, news) {
      return { inputs: props(news) };
    },
    async diff(_id, _urn, olds, news) {
      return { changes: JSON.stringify(props(olds)) !== JSON.stringify(props(news)), replaces: [] };
    },
    async create(_urn, inputs) {
      const p = props(inputs);
      await act(p);
      return { id, outs: p };
    },
    async read(rid, _urn, state) {
      return { id: rid, props: state, inputs: state };
    },
    async update(_id, _urn, _olds, news) {
      const p = props(news);
      await act(p);
      return { outs: p };
    },
    async delete() {},
  };
}
