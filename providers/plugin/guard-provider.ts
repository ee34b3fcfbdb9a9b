/**
 * The provider of `scaibu:docker:NetworkGuard` (providers/network-guard.ts has the check itself).
 * Its inputs are its outputs; it changes nothing in Docker. Update checks the networks the stack
 * stops managing (they are deleted after it), Delete checks them all.
 */
import type { Provider } from "@pulumi/pulumi/provider";
import { NETWORK_GUARD_TYPE, refuseIfUsed, type GuardProps } from "../network-guard";

/** urn:pulumi:<stack>::<project>::<parent types, $-separated>$<type>::<name> */
const typeOf = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

function props(raw: unknown): GuardProps {
  const p = raw as Partial<GuardProps>;
  return { networks: [...(p.networks ?? [])], stackLabel: p.stackLabel ?? "", dockerHost: p.dockerHost ?? "" };
}

function only(urn: string): void {
  if (typeOf(urn) !== NETWORK_GUARD_TYPE) throw new Error(`the scaibu provider has no resource type ${typeOf(urn)}`);
}

export const guardProvider: Provider = {
  version: "0.1.0",
  async check(urn, _olds, news) {
    only(urn);
    return { inputs: props(news) };
  },
  async diff(_id, _urn, olds, news) {
    const [o, n] = [props(olds), props(news)];
    return { changes: JSON.stringify(o) !== JSON.stringify(n), replaces: [] };
  },
  async create(urn, inputs) {
    only(urn);
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
