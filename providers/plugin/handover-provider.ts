/**
 * The provider of `scaibu:docker:Handover` (providers/handover.ts has the why). Its inputs are its
 * outputs. Create and Update stop the kind that should not run; Delete does nothing.
 */
import type { Provider } from "@pulumi/pulumi/provider";
import { handOver, type HandoverProps } from "../handover";

function props(raw: unknown): HandoverProps {
  const p = raw as Partial<HandoverProps>;
  return {
    runs: p.runs === "service" ? "service" : "container",
    container: p.container ?? "",
    service: p.service ?? "",
    stackLabel: p.stackLabel ?? "",
    dockerHost: p.dockerHost ?? "",
  };
}

export const handoverProvider: Provider = {
  version: "0.1.0",
  async check(_urn, _olds, news) {
    return { inputs: props(news) };
  },
  async diff(_id, _urn, olds, news) {
    return { changes: JSON.stringify(props(olds)) !== JSON.stringify(props(news)), replaces: [] };
  },
  async create(_urn, inputs) {
    const p = props(inputs);
    await handOver(p);
    return { id: "handover", outs: p };
  },
  async read(id, _urn, state) {
    return { id, props: state, inputs: state };
  },
  async update(_id, _urn, _olds, news) {
    const p = props(news);
    await handOver(p);
    return { outs: p };
  },
  async delete() {},
};
