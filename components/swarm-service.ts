import { createHash } from "node:crypto";
import { posix } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { DOCKER_LOG_NAME_LABEL } from "../configs/otel-collector";
import type { Privileges } from "../configs/privileges";
import type { ConfigFile, HealthcheckSpec } from "../configs/types";
import { healthcheckOf } from "./service";

/** Where Swarm mounts a secret: its own tmpfs, never the image, a layer or `docker inspect`. */
export const SWARM_SECRETS_DIR = "/run/secrets";

/** A file of a Swarm service: its path is known when the program runs, its content may come later. */
export interface SwarmFile {
  path: string;
  content: pulumi.Input<string>;
}

export interface SwarmServiceArgs {
  /** The Swarm service name, also its DNS name on its network (letters, digits, `-`, `_`). */
  serviceName: string;
  /**
   * What every node pulls. Not an image id (pulumi-docker #325 pins containers by id): a node other
   * than the one Pulumi talks to has only the reference to go by. Give a digest (`name@sha256:…`) to pin it.
   */
  image: pulumi.Input<string>;
  stackLabel: string;
  /** The overlay networks (ids) its tasks join. */
  networks: pulumi.Input<string>[];
  /** More DNS names of its tasks on the first network (a backend's `<domain>.<host>`, which its clients and certificate use). */
  aliases?: string[];
  /**
   * One task on every node (the default: stateless agents), or one replica placed by Swarm
   * constraints and holding state: updated `stop-first`, since two tasks cannot share its volume.
   */
  placement?: { replicatedOn: pulumi.Input<string[]> };
  /** Named volumes, read-write, on the node the task runs on (created there by Swarm when absent). */
  volumes?: { source: pulumi.Input<string>; target: string }[];
  /** Service labels beside the stack's (Traefik's swarm provider reads a service's own labels). */
  serviceLabels?: pulumi.Input<Record<string, string>>;
  /** The name its log lines carry (`container.name`; default the service name): a backend keeps its container's. */
  logName?: string;
  /** The task's hostname, with Swarm's templates (`{{.Node.ID}}`); also one of its DNS names on its networks. */
  hostname?: string;
  /** Replaces the image's entrypoint. */
  entrypoint?: string[];
  memoryMb: pulumi.Input<number>;
  logRotation: { maxSize: pulumi.Input<string>; maxFile: pulumi.Input<number> };
  privileges: Privileges;
  command?: string[];
  /** Plain settings; Swarm templates such as `{{.Node.Hostname}}` are filled in per task. */
  env?: Record<string, string>;
  /** Files as Swarm configs (content-hashed names: a change rolls the service, the old one goes). */
  files?: SwarmFile[];
  /**
   * Files as Swarm secrets, readable by the service's group only: at /run/secrets/<name>, or at any
   * absolute path (moby v2 daemon/container/container.go getSecretTargetPath), on a tmpfs either way.
   */
  secretFiles?: SwarmFile[];
  /** Host paths of each node, always mounted read-only. */
  hostMounts?: { source: string; target: string }[];
  healthcheck: HealthcheckSpec;
  /** What the service is created after (a promise: it may be declared after this). */
  after?: Promise<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * A Swarm service: what the Service component is for a container, with the same privileges table.
 * Either stateless with one task on every node (`mode: global`, so a node that joins later gets one
 * without another `pulumi up`; an update starts the new task before stopping the old one), or one
 * placed replica with a volume (a backend; the old task stops first). Either way a failed update
 * rolls back. What differs from a container lives here alone: configs and secrets are Swarm
 * objects mounted as files (so the root filesystem stays read-only).
 */
export class SwarmService extends pulumi.ComponentResource {
  readonly service: docker.Service;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: SwarmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:SwarmService", name, {}, opts);
    const child = { parent: this };
    const labels = [{ label: STACK_LABEL, value: args.stackLabel }];
    const { privileges } = args;
    const gid = privileges.user.split(":")[1]!;

    const configs = (args.files ?? []).map(({ path, content }) => {
      const config = new docker.ServiceConfig(
        `${name}-${posix.basename(path)}`,
        {
          name: pulumi.output(content).apply((c) => objectName(args.serviceName, { path, content: c })),
          data: pulumi.output(content).apply((c) => Buffer.from(c).toString("base64")),
          labels,
        },
        child,
      );
      return {
        configId: config.id,
        configName: config.name,
        fileName: path,
        fileUid: "0",
        fileGid: "0",
        fileMode: 0o444,
      };
    });

    const secrets = (args.secretFiles ?? []).map(({ path, content }) => {
      if (!posix.isAbsolute(path)) throw new Error(`${name}: a Swarm secret's path must be absolute, not ${path}`);
      const secret = new docker.Secret(
        `${name}-${posix.basename(path)}`,
        {
          // The name carries 12 hex of a sha256 of the content, which says nothing of it.
          name: pulumi.unsecret(
            pulumi.output(content).apply((c) => objectName(args.serviceName, { path, content: c })),
          ),
          data: pulumi.secret(pulumi.output(content).apply((c) => Buffer.from(c).toString("base64"))),
          labels,
        },
        child,
      );
      // Owned by root, readable by the service's group alone, as the Service component does it.
      return {
        secretId: secret.id,
        secretName: secret.name,
        fileName: posix.dirname(path) === SWARM_SECRETS_DIR ? posix.basename(path) : path,
        fileUid: "0",
        fileGid: gid,
        fileMode: 0o440,
      };
    });

    const env = args.env ?? {};
    const tmpfs = [
      ...privileges.masks.map((target) => ({ target, readOnly: true, sizeBytes: 4096, mode: 0o555 })),
      ...privileges.scratch.map((target) => ({ target, readOnly: false, sizeBytes: 64 * 1024 * 1024, mode: 0o1777 })),
    ];

    const replicated = args.placement?.replicatedOn;
    const serviceLabels = pulumi.output(args.serviceLabels ?? {}).apply((extra) =>
      Object.entries({ ...extra, [STACK_LABEL]: args.stackLabel })
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([label, value]) => ({ label, value })),
    );
    // Stateless: the new task runs before the old one stops; a task that fails rolls back. Stateful:
    // the old task stops first (its volume takes one writer), and a failed update rolls back too.
    const order = replicated ? "stop-first" : "start-first";
    this.service = new docker.Service(
      name,
      {
        name: args.serviceName,
        labels: args.serviceLabels ? serviceLabels : labels,
        mode: replicated ? { replicated: { replicas: 1 } } : { global: true },
        taskSpec: {
          containerSpec: {
            image: args.image,
            hostname: args.hostname,
            commands: args.entrypoint?.length ? args.entrypoint : undefined,
            args: args.command?.length ? args.command : undefined,
            env: Object.fromEntries(
              Object.keys(env)
                .sort()
                .map((k) => [k, env[k]!]),
            ),
            user: privileges.user,
            groups: privileges.groups.length ? [...privileges.groups] : undefined,
            // Nothing beyond what the privileges table names.
            capDrops: ["ALL"],
            capAdds: privileges.capabilities.length ? [...privileges.capabilities] : undefined,
            // Its files are mounts (configs, secrets), so nothing needs to write the image's layer.
            readOnly: true,
            // Spelt out (none): left unset, the provider plans it as unknown on every preview.
            sysctl: {},
            labels: [
              { label: STACK_LABEL, value: args.stackLabel },
              { label: DOCKER_LOG_NAME_LABEL, value: args.logName ?? args.serviceName },
            ],
            configs,
            secrets,
            mounts: [
              ...(args.volumes ?? []).map((v) => ({
                type: "volume",
                source: v.source,
                target: v.target,
                readOnly: false,
              })),
              ...(args.hostMounts ?? []).map((m) => ({
                type: "bind",
                source: m.source,
                target: m.target,
                readOnly: true,
              })),
              ...tmpfs.map(({ target, readOnly, sizeBytes, mode }) => ({
                type: "tmpfs",
                target,
                readOnly,
                tmpfsOptions: { sizeBytes, mode },
              })),
            ],
            healthcheck: healthcheckOf(args.healthcheck),
          },
          // By id: the provider replaces a service whose network is given by name on every run.
          networksAdvanceds: args.networks.map((id, i) => ({
            id,
            aliases: i === 0 && args.aliases?.length ? [...args.aliases] : undefined,
          })),
          placement: replicated ? { constraints: replicated } : undefined,
          resources: { limits: { memoryBytes: pulumi.output(args.memoryMb).apply((mb) => mb * 1024 * 1024) } },
          // `window` spelt out: the engine returns "0s" for it, which is a diff on every preview otherwise.
          restartPolicy: { condition: "any", delay: "5s", maxAttempts: 0, window: "0s" },
          logDriver: {
            name: "json-file",
            options: {
              "max-size": args.logRotation.maxSize,
              "max-file": pulumi.output(args.logRotation.maxFile).apply(String),
              labels: DOCKER_LOG_NAME_LABEL,
            },
          },
        },
        // Its tasks' own addresses in DNS, no virtual IP: nothing calls an agent by its service
        // name, and a VIP needs IPVS in every node's kernel (which some lack; this project's CI
        // machines do). swarmkit allows dnsrr with no published port (manager/controlapi/service.go).
        endpointSpec: { mode: "dnsrr" },
        updateConfig: { parallelism: 1, order, failureAction: "rollback", monitor: "15s" },
        rollbackConfig: { parallelism: 1, order: "stop-first", failureAction: "pause", monitor: "15s" },
        // `up` waits for a placed replica to run (healthy, when it has a health check), as it waits
        // for a container; a global service has no count to converge to.
        convergeConfig: replicated ? { delay: "1s", timeout: "3m" } : undefined,
      },
      // `docker service update --force` (what NodeContainerMetricsMissing advises) bumps the task
      // template's ForceUpdate counter; a refresh must not turn that into a rollout on the next up.
      { ...child, dependsOn: args.after, ignoreChanges: ["taskSpec.forceUpdate"] },
    );
    this.serviceName = this.service.name;
    this.registerOutputs({ serviceName: this.serviceName, serviceId: this.service.id });
  }
}

/** A Swarm object's name: the service's, the file's and 12 hex of its content's sha256 (64 characters at most). */
export function objectName(serviceName: string, file: ConfigFile): string {
  const hash = createHash("sha256").update(file.path).update("\0").update(file.content).digest("hex").slice(0, 12);
  const base = posix.basename(file.path).replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${serviceName}-${base}`.slice(0, 64 - 13) + `-${hash}`;
}
