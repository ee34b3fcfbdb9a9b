import * as pulumi from "@pulumi/pulumi";
import { ObservabilityStack } from "./components/stack";
import { stackOutputs } from "./contract/stack-outputs";
import { dockerEndpoint } from "./providers/docker-api";
import { dockerVolumeOwnerCheck, stackVolumes } from "./providers/volume-owner";
import { dataAtRisk } from "./settings/data-loss";
import { loadSettings } from "./settings/load";
import { remoteEngineWarning } from "./settings/remote";
import { swarmFacts } from "./providers/swarm-manager";
import { replacementProblems } from "./providers/network-replacement";
import { plannedNetworks } from "./settings/networks";

// Validate all config before registering a single resource: a bad value fails `pulumi preview`.
const settings = loadSettings();
const project = pulumi.getProject();
// The component name is fixed (not the domain) so changing the domain updates, not re-creates, the graph.
const stackLabel = `${project}/${pulumi.getStack()}`;
// The engine the docker provider manages: the checks below ask the same one.
const dockerHost = dockerEndpoint(new pulumi.Config("docker").get("host"));

const remote = remoteEngineWarning(dockerHost, settings);
if (remote) pulumi.log.warn(remote);

// The engine's swarm: whether it is a manager, its node (where the backends go), this stack's services.
const swarm = swarmFacts(dockerHost, stackLabel);
// A config change that would delete a data volume stops here, naming the key and the volume; so
// does a swarm-mode stack pointed at an engine that is not a Swarm manager.
const preflight = Promise.all([
  stackVolumes(dockerHost, stackLabel).then(
    (existing) => {
      const issues = dataAtRisk(settings, existing, project);
      if (issues.length) throw new pulumi.RunError(`refusing to delete data:\n  - ${issues.join("\n  - ")}`);
    },
    (err: Error) => {
      throw new pulumi.RunError(`cannot list this stack's Docker volumes: ${err.message}`);
    },
  ),
  // A network the plan replaces (fleet.mode switched, the subnet changed) while other stacks'
  // containers use it: refused before this stack's containers go.
  replacementProblems(dockerHost, plannedNetworks(settings), stackLabel).then((problems) => {
    if (problems.length)
      throw new pulumi.RunError(`refusing to replace networks in use:\n  - ${problems.join("\n  - ")}`);
  }),
  settings.fleet.mode === "swarm"
    ? swarm.then(({ problem }) => {
        if (problem) throw new pulumi.RunError(problem);
      })
    : undefined,
]).then(() => undefined);

const stack = new ObservabilityStack("observability", {
  settings,
  stackLabel,
  dockerHost,
  preflight,
  swarm,
  checkVolume: dockerVolumeOwnerCheck(dockerHost, stackLabel, settings.adoptVolumesFrom),
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
  fleet,
} = stackOutputs(stack);
