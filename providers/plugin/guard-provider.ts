/**
 * The provider of `scaibu:docker:NetworkGuard` (providers/network-guard.ts has the check itself).
 * Its inputs are its outputs; it changes nothing in Docker. Update checks the networks the stack
 * stops managing (they are deleted after it), Delete checks them all. Calls reach it through the
 * plugin's routing (./route.ts), which refuses any other type.
 */
import type { Provider } from "@pulumi/pulumi/provider";
import { refuseIfUsed, type GuardProps } from "../network-guard";

function props(raw: unknown): GuardProps {
  const p = raw as Partial<GuardProps>;
  return { networks: [...(p.networks ?? [])], stackLabel: p.stackLabel ?? "", dockerHost: p.dockerHost ?? "" };
}

export const guardProvider: Provider = {
  version: "0.1.0",
  async check(_urn, _olds, news) {
    return { inputs: props(news) };
  },
  async diff(_id, _urn, olds, news) {
    const [o, n] = [props(olds), props(news)];
    return { changes: JSON.stringify(o) !== JSON.stringify(n), replaces: [] };
  },
  async create(_urn, inputs) {
    const p = props(inputs);
    return { id: p.stackLabel, outs: p };
  },
  async read(id, _urn, state) {
    return { id, props: state, inputs: state };
  },
  async update(_id, _urn, olds, news) {
    const [o, n] = [props(olds), props(news)];
    // A network this stack stops managing is deleted after this update: check it first.
    await refuseIfUsed(
      n.dockerHost ? { ...o, dockerHost: n.dockerHost } : o,
      o.networks.filter((x) => !n.networks.includes(x)),
    );
    return { outs: n };
  },
  async delete(_id, _urn, state) {
    await refuseIfUsed(props(state));
  },
};
