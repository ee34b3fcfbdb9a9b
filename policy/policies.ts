/** The policy pack: `pulumi preview --policy-pack policy` (config: --policy-pack-config). */
import { PolicyPack, type ResourceValidationPolicy } from "@pulumi/policy";
import {
  CONTAINER,
  hostMounts,
  leakedOutputs,
  missingBasics,
  publicPorts,
  REMOTE_IMAGE,
  secretValues,
  STACK,
  SWARM_SERVICE,
  swarmServiceProblems,
  unpinnedImage,
  withSecrets,
  type GuardConfig,
} from "./rules";

const perContainer = (
  name: string,
  description: string,
  check: (props: Record<string, unknown>, config: GuardConfig) => string[],
): ResourceValidationPolicy => ({
  name,
  description,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== CONTAINER) return;
    for (const problem of check(args.props, args.getConfig<GuardConfig>())) report(`${args.name} ${problem}`);
  },
});

new PolicyPack("scaibu-guardrails", {
  policies: [
    {
      ...perContainer(
        "no-public-ports",
        "No container publishes a port on every interface without the explicit opt-in.",
        publicPorts,
      ),
      configSchema: { properties: { allowAllInterfaces: { type: "boolean", default: false } } },
    },
    {
      name: "pinned-images",
      description: "Every image is pinned to a tag other than latest, or to a digest.",
      enforcementLevel: "mandatory",
      validateResource: (args, report) => {
        if (args.type !== REMOTE_IMAGE && args.type !== CONTAINER) return;
        const problem = unpinnedImage(args.type === REMOTE_IMAGE ? args.props.name : args.props.image);
        if (problem) report(`${args.name}: ${problem}`);
      },
    },
    perContainer(
      "container-basics",
      "Every container has a memory limit, a health check, a restart policy and log rotation.",
      missingBasics,
    ),
    perContainer(
      "host-mounts",
      "Only the Docker socket, the container log directory and the host root (host metrics) may be mounted from the host, read-only.",
      hostMounts,
    ),
    {
      name: "swarm-service-basics",
      description:
        "Every Swarm service (fleet.mode swarm) has what a container needs, drops every capability, mounts only the allowed host paths read-only, and publishes no port without the opt-in.",
      enforcementLevel: "mandatory",
      configSchema: { properties: { allowAllInterfaces: { type: "boolean", default: false } } },
      validateResource: (args, report) => {
        if (args.type !== SWARM_SERVICE) return;
        for (const problem of swarmServiceProblems(args.props, args.getConfig<GuardConfig>())) {
          report(`${args.name} ${problem}`);
        }
      },
    },
    {
      name: "no-secrets-in-plain-outputs",
      description: "No secret value (a password, key or token) appears in a stack output that is not a secret.",
      enforcementLevel: "mandatory",
      validateStack: (args, report) => {
        const secrets = new Set<string>();
        for (const r of args.resources) if (r.type !== STACK) secretValues(withSecrets(r.props), secrets);
        for (const r of args.resources.filter((x) => x.type === STACK)) {
          for (const leak of leakedOutputs(withSecrets(r.props) as Record<string, unknown>, secrets))
            report(leak, r.urn);
        }
      },
    },
  ],
});
