import * as pulumi from "@pulumi/pulumi";
import { ObservabilityStack } from "./components/stack";
import { stackOutputs } from "./contract/stack-outputs";
import { dockerVolumeOwnerCheck } from "./providers/volume-owner";
import { loadSettings } from "./settings/load";

// Validate all config before registering a single resource: a bad value fails `pulumi preview`.
const settings = loadSettings();

// The component name is fixed (not the domain) so changing the domain updates, not re-creates, the graph.
const stackLabel = `${pulumi.getProject()}/${pulumi.getStack()}`;
const stack = new ObservabilityStack("observability", {
  settings,
  stackLabel,
  checkVolume: dockerVolumeOwnerCheck(stackLabel, settings.adoptVolumesFrom),
});

// Stack outputs are a public contract (other stacks read them via StackReference): README
// "Stack outputs" and docs/outputs.schema.json, both checked against contract/outputs.ts.
export const {
  urls,
  otlp,
  networks,
  caCertPem,
  etcHosts,
  grafanaAdmin,
  operator,
  otlpToken,
  traefikDashboard,
  routing,
} = stackOutputs(stack);
