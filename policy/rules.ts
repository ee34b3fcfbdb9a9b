/**
 * The guardrails, as plain functions of a resource's inputs (so tests can call them on any props).
 * index.ts wires them into the CrossGuard policy pack.
 */
import { Secret } from "@pulumi/policy";

export const CONTAINER = "docker:index/container:Container";
export const SWARM_SERVICE = "docker:index/service:Service";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const STACK = "pulumi:pulumi:Stack";

/** Host paths a container may mount, read-only only: the Docker socket and the json-file logs. */
export const ALLOWED_HOST_PATHS = ["/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker/containers"];
/**
 * The host's root filesystem, read-only and at this target only: the collector's host metrics read
 * the host's /proc, /sys and disks through it (`root_path: /hostfs`).
 */
export const HOST_ROOT_MOUNT = { source: "/", target: "/hostfs" } as const;

export interface GuardConfig {
  /** The explicit opt-in to publish ports on every interface (the stack's own key has the same name). */
  allowAllInterfaces?: boolean;
}

type Props = Record<string, unknown>;
const list = (v: unknown): Props[] => (Array.isArray(v) ? (v as Props[]) : []);

const ALL_INTERFACES = new Set(["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0"]);

/** Ports published on every interface (an absent ip means all of them, as in `docker run -p`). */
export function publicPorts(props: Props, config: GuardConfig = {}): string[] {
  if (config.allowAllInterfaces) return [];
  return list(props.ports)
    .filter((p) => p.external !== undefined && (p.ip === undefined || p.ip === "" || ALL_INTERFACES.has(String(p.ip))))
    .map(
      (p) =>
        `port ${String(p.external)} is published on ${String(p.ip ?? "every interface (no ip)")}; bind a specific address, or set the policy config allowAllInterfaces: true`,
    );
}

/** An image reference pinned to a tag other than `latest`, or to a digest, or an image id. */
export function unpinnedImage(ref: unknown): string | undefined {
  const image = String(ref ?? "");
  if (!image) return "has no image";
  if (/^sha256:[0-9a-f]{64}$/.test(image) || /@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastPart.includes(":") ? lastPart.slice(lastPart.indexOf(":") + 1) : "";
  if (!tag) return `image ${image} has no tag: pin a version or a digest`;
  if (tag === "latest") return `image ${image} uses the moving tag latest: pin a version or a digest`;
  return undefined;
}

/** The basics every container needs on a shared host: memory limit, health check, restart, log rotation. */
export function missingBasics(props: Props): string[] {
  const problems: string[] = [];
  if (!(Number(props.memory) > 0)) problems.push("has no memory limit (memory)");
  const tests = list([props.healthcheck])[0]?.tests;
  if (!Array.isArray(tests) || tests.length === 0 || tests[0] === "NONE")
    problems.push("has no health check (healthcheck.tests)");
  if (!["always", "unless-stopped", "on-failure"].includes(String(props.restart ?? "no"))) {
    problems.push(`has no restart policy (restart: ${String(props.restart ?? "no")})`);
  }
  const driver = String(props.logDriver ?? "json-file");
  const opts = (props.logOpts ?? {}) as Record<string, unknown>;
  if (driver !== "local" && !(driver === "json-file" && opts["max-size"])) {
    problems.push(`does not rotate its logs (logDriver ${driver} without logOpts max-size)`);
  }
  return problems;
}

/** Host paths mounted other than those allowed above, or mounted writable. */
export function hostMounts(props: Props): string[] {
  const mounts = [
    ...list(props.volumes)
      .filter((v) => v.hostPath)
      .map((v) => ({ path: String(v.hostPath), target: String(v.containerPath), readOnly: v.readOnly === true })),
    ...list(props.mounts)
      .filter((m) => m.type === "bind")
      .map((m) => ({ path: String(m.source), target: String(m.target), readOnly: m.readOnly === true })),
  ];
  const allowed = (path: string, target: string) =>
    ALLOWED_HOST_PATHS.includes(path) || (path === HOST_ROOT_MOUNT.source && target === HOST_ROOT_MOUNT.target);
  return mounts.flatMap(({ path, target, readOnly }) =>
    !allowed(path, target)
      ? [
          `mounts host path ${path} at ${target} (only ${ALLOWED_HOST_PATHS.join(", ")}, and / at ${HOST_ROOT_MOUNT.target}, may be mounted, read-only)`,
        ]
      : !readOnly
        ? [`mounts host path ${path} writable (it must be read-only)`]
        : [],
  );
}

/**
 * A Swarm service's task: what a container needs (memory limit, health check, restart, log
 * rotation, allowed read-only host mounts, a pinned image), plus every capability dropped. Swarm
 * publishes a port on every interface of every node (it has no bind address), so any published
 * port needs the same opt-in as a container's.
 */
export function swarmServiceProblems(props: Props, config: GuardConfig = {}): string[] {
  const task = (props.taskSpec ?? {}) as Props;
  const spec = (task.containerSpec ?? {}) as Props;
  const problems: string[] = [];
  const limits = ((task.resources ?? {}) as Props).limits as Props | undefined;
  if (!(Number(limits?.memoryBytes) > 0)) problems.push("has no memory limit (taskSpec.resources.limits.memoryBytes)");
  const tests = ((spec.healthcheck ?? {}) as Props).tests;
  if (!Array.isArray(tests) || tests.length === 0 || tests[0] === "NONE")
    problems.push("has no health check (taskSpec.containerSpec.healthcheck.tests)");
  const restart = String(((task.restartPolicy ?? {}) as Props).condition ?? "any");
  if (restart === "none") problems.push("is never restarted (taskSpec.restartPolicy.condition: none)");
  const log = (task.logDriver ?? {}) as Props;
  const driver = String(log.name ?? "json-file");
  if (driver !== "local" && !(driver === "json-file" && ((log.options ?? {}) as Props)["max-size"])) {
    problems.push(`does not rotate its logs (taskSpec.logDriver ${driver} without max-size)`);
  }
  if (!(Array.isArray(spec.capDrops) && spec.capDrops.includes("ALL"))) {
    problems.push("keeps the default capabilities (taskSpec.containerSpec.capDrops must hold ALL)");
  }
  problems.push(...hostMounts({ mounts: spec.mounts }));
  const image = unpinnedImage(spec.image);
  if (image) problems.push(image);
  if (!config.allowAllInterfaces) {
    for (const p of list(((props.endpointSpec ?? {}) as Props).ports)) {
      if (p.publishedPort !== undefined) {
        problems.push(
          `publishes port ${String(p.publishedPort)} on every interface of every node; set the policy config allowAllInterfaces: true to mean it`,
        );
      }
    }
  }
  return problems;
}

/**
 * The properties with their secrets still marked, as policy/index.js attaches them (the SDK hands
 * rules a copy with secrets unwrapped); the properties themselves when there is no such copy.
 */
export function withSecrets(props: object): unknown {
  return Object.getOwnPropertyDescriptor(props, Symbol.for("scaibu.policy.withSecrets"))?.value ?? props;
}

/**
 * Every string held as a secret of its own somewhere in `value` (a password, a key, a token: a
 * RandomPassword's result, a PrivateKey's PEM). Strings inside a secret object or list are not
 * collected: a whole container `labels` list turns secret when one label is (an htpasswd), and its
 * other values (a network name, a host) are not secrets. Short strings are not either.
 */
export function secretValues(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (value instanceof Secret) {
    if (typeof value.value === "string" && value.value.length >= MIN_SECRET_LENGTH) out.add(value.value);
  } else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      // The proxy unwraps on property reads; the descriptor still holds the Secret itself.
      secretValues(Object.getOwnPropertyDescriptor(value, key)?.value, out);
    }
  }
  return out;
}

const MIN_SECRET_LENGTH = 12;

/** Plain (non-secret) outputs of the stack that contain one of the `secrets`. */
export function leakedOutputs(outputs: Props, secrets: Set<string>): string[] {
  const leaks: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (value instanceof Secret) return;
    if (typeof value === "string") {
      if ([...secrets].some((s) => value.includes(s))) leaks.push(path);
    } else if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) walk(Object.getOwnPropertyDescriptor(value, key)?.value, `${path}.${key}`);
    }
  };
  for (const key of Object.keys(outputs)) walk(Object.getOwnPropertyDescriptor(outputs, key)?.value, key);
  return leaks.map((p) => `stack output ${p} holds a secret value in plain text; export it with pulumi.secret()`);
}
