import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_LOG_NAME_LABEL } from "../configs/otel-collector";
import type { Privileges } from "../configs/privileges";
import type { NamedVolumeSpec } from "../configs/volumes";
import type { ConfigFile, HealthcheckSpec } from "../configs/types";
import type { Rendered } from "../configs/render";
import { RouteSpec, STACK_LABEL, traefikLabels } from "@scaibu/observability-routing";
import type { VolumeCheck } from "../providers/volume-owner";
import { HANDOVER_TYPE } from "../providers/handover";
import { SwarmService } from "./swarm-service";

export interface PublishedPort {
  internal: number;
  external: pulumi.Input<number>;
  /** Host address; the stack passes its bind address (loopback by default). */
  ip: pulumi.Input<string>;
  protocol?: "tcp" | "udp";
}

/** A file whose path is known when the program runs and whose content may come later (a secret, a certificate). */
export interface FileInput {
  path: string;
  content: pulumi.Input<string>;
}
/** A service's files: a list whose paths are known now (what a Swarm service needs), or one output. */
export type Files = FileInput[] | pulumi.Input<ConfigFile[]>;

/**
 * A backend that runs as a Swarm service in a swarm (configs/fleet.ts SWARM_BACKENDS), and the
 * handover between its container and its service when `fleet.mode` switches (providers/handover.ts).
 */
export interface SwarmBackend {
  /** Its Swarm service name (a service name has no dot), e.g. scaibu-jaeger. */
  serviceName: string;
  /** The Docker endpoint the docker provider uses; the handover asks it. */
  dockerHost: string;
  /** Whether the other kind may still run: always true for the service; for the container, when the engine has the service. */
  handover: Promise<boolean>;
  /** Set: runs as one placed Swarm replica on these networks (ids, in `networks`' order); unset: a container. */
  placement?: { networkIds: pulumi.Input<string>[]; constraints: pulumi.Input<string[]> };
}

/** A route minus what the service's hostname and the stack's auth settings already fix. */
export type ServiceRoute = Omit<RouteSpec, "name" | "host" | "basicAuthUsers">;

/** What every container of the stack shares; `serviceBase()` in stack.ts builds exactly this. */
export interface ServiceBase {
  /** Container name and network alias, e.g. scaibu.loki. */
  hostname: string;
  image: pulumi.Input<string>;
  /** Leave the image in the Docker cache on destroy. */
  keepImage: boolean;
  /** Networks to join; the first gets the hostname as alias and is the one Traefik routes over. */
  networks: pulumi.Input<string>[];
  stackLabel: string;
  /** Docker volume names are `<volumePrefix>-<role>`, e.g. `scaibu-loki-data`; never derived from `domain`. */
  volumePrefix: string;
  /** Keep named volumes when the stack is destroyed. */
  retainVolumes: boolean;
  memoryMb: pulumi.Input<number>;
  logRotation: { maxSize: pulumi.Input<string>; maxFile: pulumi.Input<number> };
  /** htpasswd line (`user:bcrypt`) guarding the service's route; unset leaves the route open. */
  routeAuth?: pulumi.Input<string>;
  /** Runs on each data volume's name before it is declared (the program passes the owner check). */
  checkVolume?: VolumeCheck;
  /** User, capabilities and masked paths (configs/privileges.ts); every container also drops all others. */
  privileges: Privileges;
  /** A swarm's backend (configs/fleet.ts SWARM_BACKENDS): a Swarm service, or a container handed back from one. */
  swarm?: SwarmBackend;
}

export interface ServiceArgs extends ServiceBase {
  /** Replaces the image CMD; empty or absent keeps it. */
  command?: string[];
  /** Replaces the image ENTRYPOINT; absent keeps it. Say why where used. */
  entrypoint?: string[];
  /** Plain settings only: a secret reaches a container as an uploaded file, never in `docker inspect`. */
  env?: Record<string, string>;
  /** Files uploaded into the container (config as data, not host bind mounts). */
  files?: Files;
  /** Files holding secrets (keys, passwords, tokens): uploaded with the others, the upload kept secret. */
  secretFiles?: Files;
  volumes?: NamedVolumeSpec[];
  /** Host paths, always mounted read-only (docker.sock, container logs). */
  hostMounts?: { source: pulumi.Input<string>; target: string }[];
  /** Other services' named volumes, always mounted read-only (the disk meter measures them). */
  volumeMounts?: { source: pulumi.Input<string>; target: string }[];
  healthcheck: HealthcheckSpec;
  ports?: PublishedPort[];
  /** How Traefik reaches the container; its router name and Host rule come from `hostname`. */
  route?: pulumi.Input<ServiceRoute>;
  /** Seconds `pulumi up` waits for the container to turn healthy. */
  waitTimeoutSeconds?: number;
  /** Containers that must be healthy before this one starts. Say why where used: every other start is concurrent. */
  startsAfter?: pulumi.Resource[];
  /** Run another Service's image (same `image`) instead of declaring it a second time. */
  imageOf?: Service;
}

/**
 * One container of the stack and everything it owns: pinned image, named volumes, uploaded
 * config, health check, restart policy, memory limit, log rotation and its Traefik labels.
 */
export class Service extends pulumi.ComponentResource {
  /** What runs it: a container, or in a swarm a backend's Swarm service (`swarmService`). */
  readonly container?: docker.Container;
  readonly swarmService?: SwarmService;
  /** Unset for a Swarm service: each node pulls its image by reference. */
  readonly image?: docker.RemoteImage;
  readonly volumes: docker.Volume[];
  readonly hostname: pulumi.Output<string>;
  /** A swarm backend's handover from the other kind, when there may be one (providers/handover.ts). */
  readonly handover?: Promise<pulumi.Resource[]>;

  /** The container or the Swarm service: what others wait for. */
  get runtime(): docker.Container | docker.Service {
    return (this.container ?? this.swarmService?.service)!;
  }

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Service", name, {}, opts);
    const placement = args.swarm?.placement;

    this.image = placement
      ? undefined
      : (args.imageOf?.image ??
        new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: args.keepImage }, { parent: this }));

    const volumeName = (role: string) => {
      const dockerName = `${args.volumePrefix}-${role}`;
      const check = args.checkVolume;
      return check ? pulumi.output(check(dockerName).then(() => dockerName)) : dockerName;
    };
    const declared = (args.volumes ?? []).filter((v) => !v.onNode);
    this.volumes = declared.map(
      (v) =>
        new docker.Volume(
          `${name}-${v.role}`,
          {
            name: volumeName(v.role),
            driver: "local",
            labels: [{ label: STACK_LABEL, value: args.stackLabel }],
          },
          {
            parent: this,
            retainOnDelete: args.retainVolumes,
            aliases: v.formerIndex === undefined ? undefined : [{ name: `${name}-volume-${v.formerIndex}` }],
            // Docker cannot relabel a volume, so the provider replaces one whose labels change
            // (ForceNew: see docs/identity.md). The label only marks the owner at creation:
            // renaming the stack must not delete the data.
            ignoreChanges: ["labels"],
          },
        ),
    );

    // A backend's handover from the other kind, when there may be one (providers/handover.ts).
    const swarm = args.swarm;
    const handover = (this.handover = swarm?.handover.then((needed) =>
      needed
        ? [
            new HandoverResource(
              `${name}-handover`,
              {
                runs: placement ? "service" : "container",
                container: args.hostname,
                service: swarm.serviceName,
                stackLabel: args.stackLabel,
                dockerHost: swarm.dockerHost,
              },
              { parent: this },
            ),
          ]
        : [],
    ));
    const after: pulumi.Input<pulumi.Resource[]> | undefined = handover
      ? handover.then((h) => [...(args.startsAfter ?? []), ...h])
      : args.startsAfter;

    const routeLabels = (provider: "docker" | "swarm") =>
      pulumi
        .all([args.route, args.routeAuth, args.networks[0], args.stackLabel, args.hostname])
        .apply(([route, basicAuthUsers, network, stack, hostname]) => {
          // The name label rides along in each json log line (log-opt `labels`), so the
          // collector can name the container a log came from.
          const all: Record<string, string> = { [STACK_LABEL]: stack, [DOCKER_LOG_NAME_LABEL]: hostname };
          if (route && network) {
            const spec = { ...route, basicAuthUsers, name: hostname.replace(/\./g, "-"), host: hostname };
            Object.assign(all, traefikLabels(spec, network, provider));
          }
          return all;
        });

    if (placement && swarm) {
      this.swarmService = new SwarmService(
        `${name}-swarm`,
        {
          serviceName: swarm.serviceName,
          image: args.image,
          stackLabel: args.stackLabel,
          networks: placement.networkIds,
          aliases: [args.hostname],
          hostname: args.hostname,
          logName: args.hostname,
          placement: { replicatedOn: placement.constraints },
          entrypoint: args.entrypoint,
          command: args.command,
          env: args.env,
          memoryMb: args.memoryMb,
          logRotation: args.logRotation,
          privileges: args.privileges,
          files: knownPaths(name, args.files),
          secretFiles: knownPaths(name, args.secretFiles),
          volumes: (args.volumes ?? []).map((v) => ({
            // A declared volume by its resource (created first); one on another node by its name.
            source: v.onNode ? `${args.volumePrefix}-${v.role}` : this.volumes[declared.indexOf(v)]!.name,
            target: v.containerPath,
          })),
          // Traefik's swarm provider reads the service's labels (the log name label is the task's).
          serviceLabels: routeLabels("swarm").apply((all) =>
            Object.fromEntries(Object.entries(all).filter(([k]) => k !== DOCKER_LOG_NAME_LABEL)),
          ),
          healthcheck: args.healthcheck,
          after: after ? Promise.resolve(after) : undefined,
        },
        { parent: this },
      );
      this.hostname = pulumi.output(args.hostname);
      this.registerOutputs({ hostname: this.hostname, serviceId: this.swarmService.service.id });
      return;
    }

    const labels = routeLabels("docker").apply((all) =>
      Object.entries(all)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([label, value]) => ({ label, value })),
    );

    const env = args.env ?? {};
    const envs = Object.keys(env).length
      ? Object.keys(env)
          .sort()
          .map((k) => `${k}=${env[k]}`)
      : undefined;

    const { privileges } = args;
    const [uid, gid] = privileges.user.split(":") as [string, string];
    // Secrets are readable by the service's group alone, and owned by root: the service can read
    // them but neither change nor rewrite them.
    const secret = { owner: "0", group: gid, permissions: "0440" };
    // A fresh named volume's root is root-owned unless the image has the path; a directory entry
    // owned by the service's user (extracted into the volume before every start) hands it over,
    // so no service needs root to write its data. The provider writes one tar entry per upload,
    // named `file`: a trailing slash makes it a directory (Go's archive/tar), and an empty source
    // gives it no content (an empty `content` counts as unset: resource_docker_container_funcs.go).
    const volumeRoots = (args.volumes ?? []).map((v) => ({
      file: `${v.containerPath}/`,
      source: "/dev/null",
      owner: uid,
      group: gid,
      permissions: "0750",
    }));
    const toUploads = (files: ConfigFile[], extra = {}) =>
      files.map((f) => ({ file: f.path, content: f.content, ...extra }));
    const plainFiles = Array.isArray(args.files) ? args.files.length > 0 : args.files !== undefined;
    const hasUploads = plainFiles || args.secretFiles !== undefined || volumeRoots.length > 0;
    const uploads = pulumi
      .all([pulumi.output(args.files ?? []), pulumi.output(args.secretFiles ?? [])])
      .apply(([plain, secrets]) => [...volumeRoots, ...toUploads(plain), ...toUploads(secrets, secret)]);
    // tmpfs as mounts, not the `tmpfs` map: the provider cannot update that map in place.
    const tmpfsMounts = [
      ...privileges.masks.map((target) => ({ target, readOnly: true, sizeBytes: 4096 })),
      ...privileges.scratch.map((target) => ({ target, readOnly: false, sizeBytes: 64 * 1024 * 1024 })),
    ].map(({ target, readOnly, sizeBytes }) => ({
      type: "tmpfs",
      target,
      readOnly,
      tmpfsOptions: { sizeBytes, mode: readOnly ? 0o555 : 0o1777 },
    }));

    this.container = new docker.Container(
      name,
      {
        name: args.hostname,
        hostname: args.hostname,
        image: this.image!.imageId, // the id, not the tag: a re-pushed tag must replace the container (pulumi-docker #325)
        networksAdvanced: args.networks.map((network, i) => ({
          name: network,
          aliases: i === 0 ? [args.hostname] : undefined,
        })),
        command: args.command?.length ? args.command : undefined,
        entrypoints: args.entrypoint?.length ? args.entrypoint : undefined,
        envs,
        user: privileges.user,
        // Nothing beyond what the table names: no capability, no setuid escalation.
        capabilities: {
          drops: ["ALL"],
          adds: privileges.capabilities.length ? [...privileges.capabilities] : undefined,
        },
        groupAdds: privileges.groups.length ? [...privileges.groups] : undefined,
        securityOpts: ["no-new-privileges:true"],
        // An upload cannot go into a read-only rootfs (configs/privileges.ts): read-only where none is needed.
        readOnly: !hasUploads,
        ipcMode: privileges.ipcNone ? "none" : undefined,
        uploads: hasUploads ? (args.secretFiles ? pulumi.secret(uploads) : uploads) : undefined,
        volumes: this.volumes.map((vol, i) => ({
          volumeName: vol.name,
          containerPath: args.volumes![i]!.containerPath,
        })),
        mounts: [
          ...(args.hostMounts ?? []).map((m) => ({ type: "bind", source: m.source, target: m.target, readOnly: true })),
          ...(args.volumeMounts ?? []).map((m) => ({
            type: "volume",
            source: m.source,
            target: m.target,
            readOnly: true,
          })),
          ...tmpfsMounts,
        ],
        ports: (args.ports ?? []).map((p) => ({
          internal: p.internal,
          external: p.external,
          ip: p.ip,
          protocol: p.protocol ?? "tcp",
        })),
        healthcheck: {
          ...healthcheckOf(args.healthcheck),
          // Probes every second while starting, so `wait: true` ends as soon as the service is
          // ready rather than at the next 10 s tick. Older engines (API < 1.44) ignore it.
          startInterval: args.healthcheck.startInterval ?? "1s",
        },
        wait: true,
        waitTimeout: args.waitTimeoutSeconds ?? 180,
        restart: "unless-stopped",
        memory: args.memoryMb,
        memorySwap: args.memoryMb, // no swap on top of the limit
        logDriver: "json-file",
        logOpts: {
          "max-size": args.logRotation.maxSize,
          "max-file": pulumi.output(args.logRotation.maxFile).apply(String),
          labels: DOCKER_LOG_NAME_LABEL,
        },
        labels,
      },
      // The container name (and any host port) is fixed, so the old container must go first.
      { parent: this, deleteBeforeReplace: true, dependsOn: after },
    );

    this.hostname = pulumi.output(args.hostname);
    this.registerOutputs({ hostname: this.hostname, containerId: this.container.id, imageId: this.image!.imageId });
  }
}

/** A health check as the docker provider takes it, defaults filled in: shared by containers and Swarm services. */
export function healthcheckOf(h: HealthcheckSpec) {
  return {
    tests: h.test,
    interval: h.interval ?? "10s",
    timeout: h.timeout ?? "5s",
    retries: h.retries ?? 5,
    startPeriod: h.startPeriod ?? "10s",
  };
}

/** What the stack hands each service component: the shared container settings and its rendered config. */
export interface ServiceParts {
  base: ServiceBase;
  rendered: Rendered;
}

/**
 * What a service component adds to the shared base and its rendered config: only what is special
 * about it. Its `files` and `secretFiles` come after the rendered ones.
 */
export type ServiceSpecifics = Omit<ServiceArgs, keyof ServiceBase | keyof Rendered> &
  Partial<Pick<ServiceArgs, "files" | "secretFiles">>;

/**
 * The one container of a service component `parent` named `name`: `<name>-service`, built from
 * the shared base, the rendered config (files, command, env, health check) and what the component
 * adds. Components call it in their constructor, after creating what the container needs.
 */
export function serviceOf(
  parent: pulumi.ComponentResource,
  name: string,
  parts: ServiceParts,
  specifics: ServiceSpecifics,
): Service {
  return new Service(
    `${name}-service`,
    {
      ...parts.base,
      ...parts.rendered,
      ...specifics,
      files: appended(parts.rendered.files, specifics.files),
      secretFiles: appended(parts.rendered.secretFiles, specifics.secretFiles),
    },
    { parent },
  );
}

/** The rendered files, then a component's own; a list while both are (their paths known now). */
function appended(rendered: Files | undefined, added: Files | undefined): Files | undefined {
  if (!rendered || !added) return added ?? rendered;
  if (Array.isArray(rendered) && Array.isArray(added)) return [...(rendered as FileInput[]), ...(added as FileInput[])];
  return pulumi.all([pulumi.output(rendered), pulumi.output(added)]).apply(([r, a]) => [...r, ...a]);
}

/**
 * Files from values, in the order listed: one per path whose value is given (a feature that is
 * off passes undefined). Undefined when none is. Secret values stay secret.
 */
export function filesOf(files: [path: string, content: pulumi.Input<string> | undefined][]): FileInput[] | undefined {
  const given = files.flatMap(([path, content]) => (content === undefined ? [] : [{ path, content }]));
  return given.length ? given : undefined;
}

/** A Swarm service names one config or secret per file, so it needs their paths when the program runs. */
function knownPaths(name: string, files: Files | undefined): FileInput[] | undefined {
  if (files === undefined || Array.isArray(files)) return files as FileInput[] | undefined;
  throw new Error(`${name}: a Swarm service's files must be a list whose paths are known when the program runs`);
}

/** The handover resource, served by the stack's own provider plugin (providers/plugin). */
class HandoverResource extends pulumi.CustomResource {
  constructor(
    name: string,
    args: { runs: "container" | "service"; container: string; service: string; stackLabel: string; dockerHost: string },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(HANDOVER_TYPE, name, args, opts);
  }
}
