/**
 * The Docker Compose baseline of the benchmark, generated from what Pulumi actually deployed.
 *
 * After a Pulumi `up`, {@link captureDeployment} reads the running stack back from the engine
 * (`docker inspect` of its containers, networks and volumes) and copies every file Pulumi
 * uploaded into a container out of it (`docker cp`, paths from the stack's state). From that,
 * {@link buildCompose} writes a compose file with the same images, commands, env, users,
 * healthchecks, labels, memory limits, restart and log policies, published ports, networks
 * (names, aliases, pinned subnets, labels) and named volumes, the uploaded files becoming bind
 * mounts, and the same start order (Pulumi's container dependencies become `depends_on` with
 * `condition: service_healthy`, as each Pulumi container waits until it is healthy). {@link compareDeployments} then diffs the compose-created containers against the
 * Pulumi-created ones, so any drift between the two is reported instead of silently benchmarked.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import type { ContainerInspect, ImageInspect, NetworkInspect, VolumeInspect } from "./docker-types";
import { lines, run, RunOptions } from "./exec";

const COMPOSE_LABEL_PREFIX = "com.docker.compose.";

/** Everything of one deployment that the compose file is generated from / compared with. */
export interface Snapshot {
  containers: ContainerInspect[];
  networks: NetworkInspect[];
  volumes: VolumeInspect[];
  images: Record<string, ImageInspect>;
  /** Container name → absolute paths of the files uploaded into it (Pulumi side only). */
  uploads: Record<string, string[]>;
  /** Container name → containers it is deployed after, once healthy (Pulumi side only). */
  dependsOn: Record<string, string[]>;
}

async function inspect<T>(kind: "container" | "network" | "volume" | "image", ids: string[], opts?: RunOptions) {
  if (ids.length === 0) return [] as T[];
  return JSON.parse(await run("docker", [kind, "inspect", ...ids], opts)) as T[];
}

/** Ids of the containers/networks/volumes carrying `label=value`. */
export async function labelled(kind: "container" | "network" | "volume", filter: string, opts?: RunOptions) {
  const args = kind === "container" ? ["ps", "-aq"] : [kind, "ls", "-q"];
  return lines("docker", [...args, "--filter", `label=${filter}`], opts);
}

/** Reads a deployment back from the engine: everything carrying `filter` (a `key=value` label). */
/**
 * Suffix of the one-shot compose services that give a fresh named volume's root to the service's
 * user, as Pulumi's directory upload does (components/service.ts volumeRoots): compose has no way
 * to say that, so the compose idiom, a root container that runs chown first, stands in for it.
 * They are not part of the deployment compared or checked.
 */
export const VOLUME_OWNER_SUFFIX = "-volume-owner";

export async function snapshot(
  filter: string,
  uploads: Record<string, string[]>,
  dependsOn: Record<string, string[]>,
  opts?: RunOptions,
) {
  const containers = (
    await inspect<ContainerInspect>("container", await labelled("container", filter, opts), opts)
  ).filter((c) => !nameOf(c).endsWith(VOLUME_OWNER_SUFFIX));
  const networks = await inspect<NetworkInspect>("network", await labelled("network", filter, opts), opts);
  const volumes = await inspect<VolumeInspect>("volume", await labelled("volume", filter, opts), opts);
  const imageIds = [...new Set(containers.map((c) => c.Image))];
  const images = Object.fromEntries(
    (await inspect<ImageInspect>("image", imageIds, opts)).map((i) => [i.Id, i] as const),
  );
  containers.sort((a, b) => (a.Name < b.Name ? -1 : 1));
  return { containers, networks, volumes, images, uploads, dependsOn } satisfies Snapshot;
}

const nameOf = (c: ContainerInspect) => c.Name.replace(/^\//, "");
const withoutComposeLabels = (labels: Record<string, string> | null | undefined) =>
  Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => !k.startsWith(COMPOSE_LABEL_PREFIX)));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where the copy of container `name`'s uploaded file `path` lives on the host. */
export const uploadCopy = (filesDir: string, name: string, path: string) => join(filesDir, name, path);

/** Copies every uploaded file out of the running containers (same bytes, mode and owner). */
export async function copyUploads(uploads: Record<string, string[]>, filesDir: string, opts?: RunOptions) {
  for (const [name, paths] of Object.entries(uploads)) {
    // Not the volume roots (`/badger/`): those are directories of data, owned by the volume-owner
    // services in compose (VOLUME_OWNER_SUFFIX); copying them copied Jaeger's 2 GB value log.
    for (const path of paths.filter((p) => !p.endsWith("/"))) {
      const dest = uploadCopy(filesDir, name, path);
      mkdirSync(dirname(dest), { recursive: true });
      // As a tar stream, extracted keeping its owner: `docker cp` to a path makes the file the
      // caller's (root:root here, -a or not), and a secret is root:<the service's group> 0440, which
      // the service's user reads only through that group (the stack client's password).
      await run(
        "bash",
        [
          "-c",
          'docker cp "$1" - | tar -x --same-owner --same-permissions -C "$2"',
          "copy",
          `${name}:${path}`,
          dirname(dest),
        ],
        opts,
      );
    }
  }
}

/** Go duration string compose accepts, from nanoseconds. */
function duration(ns: number | undefined): string | undefined {
  if (!ns) return undefined;
  return ns % 1e9 === 0 ? `${ns / 1e9}s` : `${ns / 1e6}ms`;
}

/** Compose interpolates `$` in every value: escape it (bcrypt hashes in Traefik labels have plenty). */
function escapeDollars<T>(v: T): T {
  if (typeof v === "string") return v.replace(/\$/g, "$$$$") as T;
  if (Array.isArray(v)) return v.map(escapeDollars) as T;
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDollars(x)])) as T;
  }
  return v;
}

const composeKey = (name: string) => name.replace(/[^a-zA-Z0-9._-]/g, "_");
const isComposeKey = (name: string) => /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(name);

/** The compose file (as an object) that recreates `snap`; `pinnedSubnets`: network name → subnet to keep. */
export function buildCompose(
  snap: Snapshot,
  filesDir: string,
  pinnedSubnets: Record<string, string>,
): Record<string, unknown> {
  const stackVolumes = new Map(snap.volumes.map((v) => [v.Name, v]));
  const stackNetworks = new Set<string>();
  const usedVolumes = new Set<string>();
  const services: Record<string, unknown> = {};
  // The volume-owner services run chown with the Prometheus image's busybox.
  const helper = snap.containers.find((c) => nameOf(c).endsWith(".prometheus"));
  const helperTag = helper && snap.images[helper.Image]?.RepoTags?.[0];

  for (const c of snap.containers) {
    const name = nameOf(c);
    if (!isComposeKey(name)) throw new Error(`container name ${name} is not a valid compose service name`);
    const img = snap.images[c.Image];
    if (!img) throw new Error(`${name}: image ${c.Image} not inspected`);
    const tag = img.RepoTags?.[0];
    if (!tag) throw new Error(`${name}: image ${c.Image} has no tag to name it by in the compose file`);
    const cfg = c.Config;
    const hc = c.HostConfig;
    const imageEnv = new Set(img.Config.Env ?? []);
    const imageLabels = img.Config.Labels ?? {};
    const svc: Record<string, unknown> = {
      image: tag,
      pull_policy: "never",
      container_name: name,
      hostname: cfg.Hostname,
    };
    if (cfg.Domainname) svc.domainname = cfg.Domainname;
    if (!same(cfg.Entrypoint, img.Config.Entrypoint)) svc.entrypoint = cfg.Entrypoint ?? [];
    if (cfg.Cmd) svc.command = cfg.Cmd;
    if (cfg.User !== img.Config.User) svc.user = cfg.User;
    if (cfg.WorkingDir !== img.Config.WorkingDir) svc.working_dir = cfg.WorkingDir;
    const env = (cfg.Env ?? []).filter((e) => !imageEnv.has(e));
    if (env.length) svc.environment = env;
    const labels = Object.fromEntries(
      Object.entries(cfg.Labels ?? {}).filter(([k, v]) => imageLabels[k] !== v && !k.startsWith(COMPOSE_LABEL_PREFIX)),
    );
    if (Object.keys(labels).length) svc.labels = labels;
    if (cfg.StopSignal && cfg.StopSignal !== img.Config.StopSignal) svc.stop_signal = cfg.StopSignal;
    if (cfg.StopTimeout !== undefined && cfg.StopTimeout !== null) svc.stop_grace_period = `${cfg.StopTimeout}s`;
    if (cfg.Tty) svc.tty = true;
    if (cfg.OpenStdin) svc.stdin_open = true;

    const h = cfg.Healthcheck;
    if (h?.Test?.length) {
      svc.healthcheck =
        h.Test[0] === "NONE"
          ? { disable: true }
          : {
              test: h.Test,
              interval: duration(h.Interval),
              timeout: duration(h.Timeout),
              retries: h.Retries || undefined,
              start_period: duration(h.StartPeriod),
              start_interval: duration(h.StartInterval),
            };
    }

    // host config
    const restart = hc.RestartPolicy?.Name;
    if (restart && restart !== "no") {
      svc.restart =
        restart === "on-failure" && hc.RestartPolicy.MaximumRetryCount
          ? `on-failure:${hc.RestartPolicy.MaximumRetryCount}`
          : restart;
    }
    if (hc.Memory) svc.mem_limit = hc.Memory;
    if (hc.MemorySwap) svc.memswap_limit = hc.MemorySwap;
    if (hc.MemoryReservation) svc.mem_reservation = hc.MemoryReservation;
    if (hc.NanoCpus) svc.cpus = hc.NanoCpus / 1e9;
    if (hc.CpuShares) svc.cpu_shares = hc.CpuShares;
    if (hc.PidsLimit) svc.pids_limit = hc.PidsLimit;
    if (hc.LogConfig?.Type) {
      svc.logging = { driver: hc.LogConfig.Type, options: hc.LogConfig.Config ?? undefined };
    }
    if (hc.CapAdd?.length) svc.cap_add = hc.CapAdd;
    if (hc.CapDrop?.length) svc.cap_drop = hc.CapDrop;
    if (hc.Privileged) svc.privileged = true;
    if (hc.ReadonlyRootfs) svc.read_only = true;
    if (hc.Init) svc.init = true;
    if (hc.SecurityOpt?.length) svc.security_opt = hc.SecurityOpt;
    // Pulumi's `ipcMode: "none"` (no /dev/shm): compose's default is "private".
    if (typeof hc.IpcMode === "string" && hc.IpcMode && hc.IpcMode !== "private") svc.ipc = hc.IpcMode;
    if (hc.Tmpfs && Object.keys(hc.Tmpfs).length) {
      svc.tmpfs = Object.entries(hc.Tmpfs).map(([p, o]) => (o ? `${p}:${o}` : p));
    }
    if (hc.ExtraHosts?.length) svc.extra_hosts = hc.ExtraHosts;
    if (hc.Dns?.length) svc.dns = hc.Dns;
    if (hc.DnsSearch?.length) svc.dns_search = hc.DnsSearch;
    if (hc.DnsOptions?.length) svc.dns_opt = hc.DnsOptions;
    if (hc.GroupAdd?.length) svc.group_add = hc.GroupAdd;
    if (hc.ShmSize && hc.ShmSize !== 64 * 1024 * 1024) svc.shm_size = hc.ShmSize;
    if (hc.Sysctls && Object.keys(hc.Sysctls).length) svc.sysctls = hc.Sysctls;
    if (hc.Ulimits?.length) {
      svc.ulimits = Object.fromEntries(hc.Ulimits.map((u) => [u.Name, { soft: u.Soft, hard: u.Hard }]));
    }

    const ports: unknown[] = [];
    for (const [spec, bindings] of Object.entries(hc.PortBindings ?? {})) {
      const [target, protocol = "tcp"] = spec.split("/");
      for (const b of bindings ?? []) {
        ports.push({
          target: Number(target),
          published: b.HostPort || undefined,
          host_ip: b.HostIp || undefined,
          protocol,
          mode: "host",
        });
      }
    }
    if (ports.length) svc.ports = ports;

    const volumes: unknown[] = [];
    for (const m of c.Mounts) {
      if (m.Type === "volume" && m.Name && stackVolumes.has(m.Name)) {
        usedVolumes.add(m.Name);
        volumes.push({ type: "volume", source: composeKey(m.Name), target: m.Destination, read_only: !m.RW });
      } else if (m.Type === "bind") {
        volumes.push({ type: "bind", source: m.Source, target: m.Destination, read_only: !m.RW });
      } else if (m.Type === "tmpfs") {
        const o = hc.Mounts?.find((x) => x.Type === "tmpfs" && x.Target === m.Destination)?.TmpfsOptions ?? {};
        volumes.push({
          type: "tmpfs",
          target: m.Destination,
          read_only: !m.RW,
          tmpfs: { ...(o.SizeBytes ? { size: o.SizeBytes } : {}), ...(o.Mode !== undefined ? { mode: o.Mode } : {}) },
        });
      } else if (m.Type !== "volume") {
        throw new Error(`${name}: mount of type ${m.Type} at ${m.Destination} is not supported by the generator`);
      }
      // Other volumes are the image's anonymous VOLUMEs: compose creates those by itself too.
    }
    // A directory upload (`/var/lib/grafana/`) gives a volume's root to the service's user: a
    // one-shot service does it in compose (VOLUME_OWNER_SUFFIX).
    const roots = (snap.uploads[name] ?? []).filter((p) => p.endsWith("/")).map((p) => p.replace(/\/+$/, ""));
    if (roots.length) {
      if (!helperTag) throw new Error(`${name}: no Prometheus image to run the volume-owner step with`);
      const owner = cfg.User || "0:0";
      const init = `${name}${VOLUME_OWNER_SUFFIX}`;
      services[init] = {
        image: helperTag,
        pull_policy: "never",
        container_name: init,
        user: "0:0",
        network_mode: "none",
        cap_drop: ["ALL"],
        cap_add: ["CHOWN", "FOWNER"],
        entrypoint: ["sh", "-c", roots.map((r) => `chmod 750 ${r} && chown ${owner} ${r}`).join(" && ")],
        volumes: volumes.filter((v) => roots.includes((v as { target: string }).target)),
      };
      svc.depends_on = { [init]: { condition: "service_completed_successfully", required: true } };
    }
    for (const path of (snap.uploads[name] ?? []).filter((p) => !p.endsWith("/"))) {
      // Pulumi uploads these into the container's writable layer: a writable bind of the same bytes.
      volumes.push({ type: "bind", source: uploadCopy(filesDir, name, path), target: path, read_only: false });
    }
    if (volumes.length) svc.volumes = volumes;

    const shortId = c.Id.slice(0, 12);
    const networks: Record<string, unknown> = {};
    for (const [net, ep] of Object.entries(c.NetworkSettings.Networks)) {
      stackNetworks.add(net);
      const aliases = [...new Set((ep.Aliases ?? []).filter((a) => a !== shortId && a !== c.Id))];
      networks[composeKey(net)] = {
        aliases: aliases.length ? aliases : undefined,
        // the network the container was created with is attached first, as Pulumi does
        priority: net === hc.NetworkMode ? 100 : undefined,
      };
    }
    svc.networks = networks;
    // Pulumi creates a container only after those it depends on are healthy (`wait: true`)
    const deps = snap.dependsOn[name] ?? [];
    if (deps.length) {
      svc.depends_on = {
        ...(svc.depends_on as object | undefined),
        ...Object.fromEntries(deps.map((d) => [d, { condition: "service_healthy", required: true }])),
      };
    }
    services[name] = svc;
  }

  // Pulumi also creates networks no container joins (for other projects to attach to): declare
  // every network of the stack; compose must then run with --all-resources to create those too.
  for (const n of snap.networks) stackNetworks.add(n.Name);
  const networks = Object.fromEntries(
    [...stackNetworks].sort().map((name) => {
      const n = snap.networks.find((x) => x.Name === name);
      if (!n) throw new Error(`containers join network ${name}, which is not part of the stack`);
      const subnet = pinnedSubnets[name];
      if (subnet && !n.IPAM.Config?.some((c) => c.Subnet === subnet)) {
        throw new Error(`network ${name}: expected subnet ${subnet}, got ${JSON.stringify(n.IPAM.Config)}`);
      }
      const labels = withoutComposeLabels(n.Labels);
      return [
        composeKey(name),
        {
          name,
          driver: n.Driver,
          driver_opts: n.Options && Object.keys(n.Options).length ? n.Options : undefined,
          internal: n.Internal || undefined,
          attachable: n.Attachable || undefined,
          enable_ipv6: n.EnableIPv6 || undefined,
          ipam: subnet ? { config: [{ subnet }] } : undefined,
          labels: Object.keys(labels).length ? labels : undefined,
        },
      ];
    }),
  );
  const volumes = Object.fromEntries(
    [...usedVolumes].sort().map((name) => {
      const v = stackVolumes.get(name)!;
      const labels = withoutComposeLabels(v.Labels);
      return [
        composeKey(name),
        {
          name,
          driver: v.Driver,
          driver_opts: v.Options && Object.keys(v.Options).length ? v.Options : undefined,
          labels: Object.keys(labels).length ? labels : undefined,
        },
      ];
    }),
  );
  return escapeDollars({ services, networks, volumes });
}

export function writeCompose(file: string, compose: Record<string, unknown>, source: string) {
  const header =
    `# Generated by tools/bench from \`docker inspect\` of ${source}.\n` +
    `# Throwaway benchmark baseline: contains that stack's generated passwords and keys.\n`;
  writeFileSync(file, header + stringify(compose, { lineWidth: 0, aliasDuplicateObjects: false }), { mode: 0o600 });
}

// --- equivalence check ------------------------------------------------------------

/**
 * HostConfig fields that differ by construction: mounts are compared on their own, below, and the
 * networks a container is attached to come from NetworkSettings (the Terraform provider leaves
 * NetworkMode at "bridge" although it attaches the container to the stack's networks only).
 */
const HOSTCONFIG_IGNORED = new Set(["Binds", "Mounts", "NetworkMode"]);

function flatten(v: unknown, prefix: string, out: Record<string, string>) {
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else {
    // the engine reports an unset value as null, [], {}, "", 0 or false depending on how the
    // container was created (CLI, compose, Terraform provider): all mean "not set"
    const empty =
      v === undefined ||
      v === false ||
      v === 0 ||
      v === "" ||
      (typeof v === "object" && v !== null && Object.keys(v).length === 0);
    out[prefix] = JSON.stringify(empty ? null : v);
  }
}

function describeContainer(c: ContainerInspect, snap: Snapshot, filesDir: string): Record<string, string> {
  const name = nameOf(c);
  const out: Record<string, string> = {};
  const cfg = c.Config;
  flatten(
    {
      image: c.Image,
      health: c.State.Health?.Status ?? "none",
      hostname: cfg.Hostname,
      domainname: cfg.Domainname,
      user: cfg.User,
      env: [...(cfg.Env ?? [])].sort(),
      cmd: cfg.Cmd,
      entrypoint: cfg.Entrypoint,
      workingDir: cfg.WorkingDir,
      healthcheck: cfg.Healthcheck,
      stopSignal: cfg.StopSignal,
      stopTimeout: cfg.StopTimeout,
      labels: withoutComposeLabels(cfg.Labels),
    },
    "",
    out,
  );
  const hc = Object.fromEntries(Object.entries(c.HostConfig).filter(([k]) => !HOSTCONFIG_IGNORED.has(k)));
  flatten(hc, "host", out);

  const stackVolumes = new Set(snap.volumes.map((v) => v.Name));
  const mounts: Record<string, string> = {};
  for (const m of c.Mounts) {
    if (m.Type === "volume") {
      mounts[m.Destination] = m.Name && stackVolumes.has(m.Name) ? `volume ${m.Name} rw=${m.RW}` : "anonymous volume";
    } else if (m.Type === "bind" && m.Source === uploadCopy(filesDir, name, m.Destination)) {
      mounts[m.Destination] = "uploaded file";
    } else {
      mounts[m.Destination] = `${m.Type} ${m.Source} rw=${m.RW}`;
    }
  }
  // Directory uploads (volume roots) are the volume-owner services' job in compose.
  for (const p of (snap.uploads[name] ?? []).filter((x) => !x.endsWith("/"))) mounts[p] = "uploaded file";
  flatten(mounts, "mounts", out);

  const shortId = c.Id.slice(0, 12);
  for (const [net, ep] of Object.entries(c.NetworkSettings.Networks)) {
    // The container name resolves on every user-defined network it joins whether or not it is
    // also an alias (compose adds it as one, Pulumi on the first network): compare the others.
    const aliases = (ep.Aliases ?? []).filter((a) => a !== shortId && a !== c.Id && a !== name);
    out[`networks.${net}.aliases`] = JSON.stringify([...new Set(aliases)].sort());
  }
  return out;
}

function diffRecords(what: string, a: Record<string, string>, b: Record<string, string>, diffs: string[]) {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const [x, y] = [a[k] ?? "null", b[k] ?? "null"]; // absent = not set
    if (x !== y) diffs.push(`${what} ${k}: pulumi=${x} compose=${y}`);
  }
}

/** Differences between the Pulumi deployment and the compose one (empty: equivalent). */
export function compareDeployments(
  pulumi: Snapshot,
  compose: Snapshot,
  filesDir: string,
  pinnedSubnets: Record<string, string>,
): string[] {
  const diffs: string[] = [];
  const byName = (s: Snapshot) => new Map(s.containers.map((c) => [nameOf(c), c]));
  const p = byName(pulumi);
  const c = byName(compose);
  for (const name of [...new Set([...p.keys(), ...c.keys()])].sort()) {
    const pc = p.get(name);
    const cc = c.get(name);
    if (!pc || !cc) {
      diffs.push(`container ${name}: only in ${pc ? "pulumi" : "compose"}`);
      continue;
    }
    diffRecords(
      `container ${name}`,
      describeContainer(pc, pulumi, filesDir),
      describeContainer(cc, compose, filesDir),
      diffs,
    );
  }
  const netDesc = (n: NetworkInspect, pinned: boolean) => {
    const out: Record<string, string> = {};
    flatten(
      {
        driver: n.Driver,
        internal: n.Internal,
        attachable: n.Attachable,
        ipv6: n.EnableIPv6,
        options: n.Options,
        labels: withoutComposeLabels(n.Labels),
        subnets: pinned ? (n.IPAM.Config ?? []).map((x) => x.Subnet).sort() : "(docker-assigned)",
      },
      "",
      out,
    );
    return out;
  };
  for (const pn of pulumi.networks) {
    const cn = compose.networks.find((x) => x.Name === pn.Name);
    if (!cn) {
      diffs.push(`network ${pn.Name}: only in pulumi`);
      continue;
    }
    // a subnet Docker picked may differ between runs; compare subnets only where they are pinned
    const isPinned = pn.Name in pinnedSubnets;
    diffRecords(`network ${pn.Name}`, netDesc(pn, isPinned), netDesc(cn, isPinned), diffs);
  }
  for (const cn of compose.networks) {
    if (!pulumi.networks.some((x) => x.Name === cn.Name)) diffs.push(`network ${cn.Name}: only in compose`);
  }
  const volDesc = (v: VolumeInspect) => {
    const out: Record<string, string> = {};
    flatten({ driver: v.Driver, options: v.Options, labels: withoutComposeLabels(v.Labels) }, "", out);
    return out;
  };
  for (const pv of pulumi.volumes) {
    const cv = compose.volumes.find((x) => x.Name === pv.Name);
    if (!cv) diffs.push(`volume ${pv.Name}: only in pulumi`);
    else diffRecords(`volume ${pv.Name}`, volDesc(pv), volDesc(cv), diffs);
  }
  for (const cv of compose.volumes) {
    if (!pulumi.volumes.some((x) => x.Name === cv.Name)) diffs.push(`volume ${cv.Name}: only in compose`);
  }
  return diffs;
}
