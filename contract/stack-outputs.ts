/**
 * The stack outputs, built from the stack component: what index.ts exports. `satisfies` checks
 * the result against the contract (contract/outputs.ts): a missing, extra or mistyped output is
 * a type error, so the code and the published schema cannot drift apart.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { ObservabilityStack } from "../components/stack";
import { OUTPUTS, type OutputName } from "./outputs";

/** A value whose every field may still be an Output (as the engine resolves stack outputs). */
type DeepInput<T> = pulumi.Input<T extends object ? { [K in keyof T]: DeepInput<T[K]> } : T>;
type Value<K extends OutputName> = DeepInput<z.input<(typeof OUTPUTS)[K]["schema"]>>;
type Contract = {
  [K in OutputName]: (typeof OUTPUTS)[K] extends { optional: true } ? Value<K> | undefined : Value<K>;
};

export function stackOutputs(stack: ObservabilityStack) {
  return {
    urls: stack.urls,
    otlp: stack.otlp,
    networks: stack.networkOutputs,
    caCertPem: stack.certificates.caCertPem,
    etcHosts: stack.etcHosts,
    // Credentials leave as whole secrets, so `pulumi stack output` and StackReference consumers
    // see them as secret at the top level, not only in a nested field.
    grafanaAdmin:
      stack.grafana && pulumi.secret({ user: stack.grafana.adminUser, password: stack.grafana.adminPassword }),
    /** Basic auth of Prometheus, Loki, Jaeger and the Traefik dashboard. */
    operator: pulumi.secret(stack.operator),
    /** Bearer token for OTLP through Traefik (`Authorization: Bearer <token>`). */
    otlpToken: stack.collector && pulumi.secret(stack.collector.token),
    traefikDashboard: stack.traefik && pulumi.secret({ url: stack.urls.traefik!, ...stack.operator }),
    /** What another stack needs to be routed by this Traefik at https://<domain>.<consumerHost>. */
    routing: stack.routing,
    /** A swarm's overlay network and node agent services (fleet.mode swarm). */
    fleet: stack.fleet && { network: stack.fleet.network.name, agents: stack.fleet.agents.map((a) => a.serviceName) },
  } satisfies Contract;
}
