import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./components/config-loader";
import { ObservabilityStack } from "./components/stack";
import { dockerVolumeOwnerCheck } from "./components/volume-guard";

// Validate all config before registering a single resource: a bad value fails `pulumi preview`.
const settings = loadSettings();

// The component name is fixed (not the domain) so changing the domain updates, not re-creates, the graph.
const stackLabel = `${pulumi.getProject()}/${pulumi.getStack()}`;
const stack = new ObservabilityStack("observability", {
  settings,
  stackLabel,
  checkVolume: dockerVolumeOwnerCheck(stackLabel, settings.adoptVolumesFrom),
});

// Stack outputs are a public contract (other stacks read them via StackReference): see README.
export const urls = stack.urls;
export const otlp = stack.otlp;
export const networks = stack.networkOutputs;
export const caCertPem = stack.certificates.caCertPem;
export const etcHosts = stack.etcHosts;
// Credentials leave as whole secrets, so `pulumi stack output` and StackReference consumers
// see them as secret at the top level, not only in a nested field.
export const grafanaAdmin =
  stack.grafana && pulumi.secret({ user: stack.grafana.adminUser, password: stack.grafana.adminPassword });
/** Basic auth of Prometheus, Loki, Jaeger and the Traefik dashboard. */
export const operator = pulumi.secret(stack.operator);
/** Bearer token for OTLP through Traefik (`Authorization: Bearer <token>`). */
export const otlpToken = stack.collector && pulumi.secret(stack.collector.token);
export const traefikDashboard = stack.traefik && pulumi.secret({ url: stack.urls.traefik, ...stack.operator });
/** What another stack needs to be routed by this Traefik at https://<domain>.<consumerHost> (examples/app-stack). */
export const routing = stack.routing;
