/** One provider for the plugin's resource types, each call handed to the type's own provider. */
import type { Provider } from "@pulumi/pulumi/provider";
import { NETWORK_GUARD_TYPE } from "../network-guard";
import { HANDOVER_TYPE } from "../handover";
import { STATS_RESYNC_TYPE } from "../stats-resync";
import { guardProvider } from "./guard-provider";
import { handoverProvider } from "./handover-provider";
import { resyncProvider } from "./resync-provider";

/** urn:pulumi:<stack>::<project>::<parent types, $-separated>$<type>::<name> */
const typeOf = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

const BY_TYPE: Record<string, Provider> = {
  [NETWORK_GUARD_TYPE]: guardProvider,
  [STATS_RESYNC_TYPE]: resyncProvider,
  [HANDOVER_TYPE]: handoverProvider,
};

export function routeByType(): Provider {
  const of = (urn: string): Provider => {
    const p = BY_TYPE[typeOf(urn)];
    if (!p) throw new Error(`the scaibu provider has no resource type ${typeOf(urn)}`);
    return p;
  };
  // Async, so a call of another type is a rejected promise like any other provider error.
  return {
    version: "0.1.0",
    check: async (urn, olds, news) => of(urn).check!(urn, olds, news),
    diff: async (id, urn, olds, news) => of(urn).diff!(id, urn, olds, news),
    create: async (urn, inputs) => of(urn).create!(urn, inputs),
    read: async (id, urn, props) => of(urn).read!(id, urn, props),
    update: async (id, urn, olds, news) => of(urn).update!(id, urn, olds, news),
    delete: async (id, urn, props) => of(urn).delete!(id, urn, props),
  };
}
