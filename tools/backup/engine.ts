/**
 * What backup and restore ask of the Docker engine (dockerode, on the endpoint the program uses:
 * DOCKER_HOST, else the local socket): the stack's backend containers and their data volumes,
 * stopping and starting them, and a helper container that reads or writes one volume.
 *
 * The helper runs the stack's Prometheus image (busybox: sh, find, rm; prometheus/prometheus@v3.14.0
 * Dockerfile), as the volume owner's uid with no capability, no network and a read-only rootfs; the
 * volume is its only writable path, and only when restoring.
 */
import Docker from "dockerode";
import type { Readable } from "node:stream";
import { backendServiceName, isSwarmBackend } from "../../configs/fleet";
import { CATALOG, type ServiceKey } from "../../configs/catalog";
import { dockerEndpoint } from "../../providers/docker-api";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { BACKEND_KEYS, BACKENDS, type Backend } from "./backends";

/** Where the helper mounts the volume. */
const HELPER_MOUNT = "/data";

export interface BackendContainer {
  key: Backend;
  name: string;
  id: string;
  /** The repo tag it runs (as pinned in the stack's config), and the image id. */
  image: string;
  imageId: string;
  /** `uid:gid` it runs as: the owner of its volume. */
  user: string;
  volume: string;
}

export function connect(): Docker {
  const url = new URL(dockerEndpoint());
  if (url.protocol === "unix:") return new Docker({ socketPath: url.pathname });
  // tcp:// (and TLS from DOCKER_CERT_PATH / DOCKER_TLS_VERIFY) the way docker-modem reads them.
  return new Docker();
}

/**
 * The stack's backend containers that keep data (`only` of them, when given), found by name and
 * checked by the stack's label.
 */
export async function backendContainers(
  docker: Docker,
  domain: string,
  label?: string,
  only?: readonly Backend[],
): Promise<BackendContainer[]> {
  const found: BackendContainer[] = [];
  for (const key of (Object.keys(BACKENDS) as Backend[]).filter((k) => !only || only.includes(k))) {
    const name = `${domain}.${CATALOG[key as ServiceKey].host}`;
    const notFound = (e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    };
    const c = await docker.getContainer(name).inspect().catch(notFound);
    if (!c && isSwarmBackend(key)) {
      // In a swarm a backend may run as a Swarm service (configs/fleet.ts SWARM_BACKENDS), maybe on
      // another node: not a container this tool can stop and copy. Said, never skipped in silence.
      // An engine outside a swarm answers 503 ("not a swarm manager"): it has no such service.
      const service = backendServiceName(domain, key);
      const s = (await docker
        .getService(service)
        .inspect()
        .catch((e: { statusCode?: number }) => (e.statusCode === 503 ? undefined : notFound(e)))) as
        { Spec?: { Labels?: Record<string, string> } } | undefined;
      if (s && (!label || s.Spec?.Labels?.[STACK_LABEL] === label)) {
        const rest = BACKEND_KEYS.filter((k) => k !== key && (!only || only.includes(k)));
        throw new Error(
          `${key} runs as Swarm service ${service} (fleet.mode swarm), which this tool cannot stop and copy yet; ` +
            `leave it out with --only ${rest.join(",")} (docs/backup.md)`,
        );
      }
    }
    if (!c) continue;
    if (label && c.Config.Labels?.[STACK_LABEL] !== label)
      throw new Error(`${name} belongs to ${c.Config.Labels?.[STACK_LABEL] ?? "no stack"}, not ${label}`);
    const mount = c.Mounts.find((m) => m.Type === "volume" && m.Destination === BACKENDS[key].dataDir);
    if (!mount?.Name) continue; // e.g. Jaeger with in-memory storage: nothing to keep
    const image = await docker.getImage(c.Image).inspect();
    found.push({
      key,
      name,
      id: c.Id,
      image: image.RepoTags?.[0] ?? c.Image,
      imageId: c.Image,
      user: c.Config.User || "0:0",
      volume: mount.Name,
    });
  }
  return found;
}

/** The image a helper runs: the stack's Prometheus image (busybox). */
export async function helperImage(docker: Docker, domain: string): Promise<string> {
  const c = await docker
    .getContainer(`${domain}.${CATALOG.prometheus.host}`)
    .inspect()
    .catch(() => undefined);
  if (!c) throw new Error(`${domain}.prometheus is not there: backup and restore run their helper on its image`);
  return c.Image;
}

/**
 * A helper container on `volume` as `user` (created, not started: the archive API needs no process).
 * Remove it with `v: true`: its image declares `VOLUME /prometheus`, so the engine gives every
 * helper an anonymous volume, which a plain remove leaves behind (21 per e2e run did).
 */
export async function helper(
  docker: Docker,
  image: string,
  volume: string,
  user: string,
  writable: boolean,
  cmd: string[] = ["true"],
): Promise<Docker.Container> {
  return docker.createContainer({
    Image: image,
    Entrypoint: ["/bin/sh", "-c"],
    Cmd: cmd,
    User: user,
    Labels: { "io.scaibu.backup-helper": "true" },
    NetworkDisabled: true,
    HostConfig: {
      Mounts: [{ Type: "volume", Source: volume, Target: HELPER_MOUNT, ReadOnly: !writable }],
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges:true"],
      ReadonlyRootfs: true,
      NetworkMode: "none",
    },
  });
}

/** Runs `script` (sh) in a helper on `volume`; its output. Throws with the output when it fails. */
export async function runInHelper(
  docker: Docker,
  image: string,
  volume: string,
  user: string,
  writable: boolean,
  script: string,
): Promise<string> {
  const c = await helper(docker, image, volume, user, writable, [script]);
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const text = demux(logs);
    if (StatusCode !== 0) throw new Error(`helper on ${volume} exited ${StatusCode}: ${text.trim()}`);
    return text;
  } finally {
    await c.remove({ force: true, v: true });
  }
}

/** Docker's multiplexed log stream (8-byte frame headers) as text. */
function demux(buf: Buffer): string {
  let out = "";
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}

/** `path` of the volume (under the helper's mount) as a tar stream. */
export async function readVolume(c: Docker.Container, path = ""): Promise<Readable> {
  return (await c.getArchive({ path: `${HELPER_MOUNT}${path}` })) as unknown as Readable;
}

/** Extracts a tar (entries relative to the volume's root) into the volume. */
export async function writeVolume(c: Docker.Container, tar: Readable): Promise<void> {
  await c.putArchive(tar, { path: HELPER_MOUNT });
}

export { HELPER_MOUNT };

/** Stops a container (its own stop timeout: it flushes and writes its shutdown state). */
export async function stop(docker: Docker, id: string): Promise<void> {
  await docker
    .getContainer(id)
    .stop({ t: 30 })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 304) throw e; // already stopped
    });
}

/** Starts a container and waits until its health check passes. */
export async function startHealthy(docker: Docker, id: string, name: string, seconds = 180): Promise<number> {
  const t0 = Date.now();
  await docker
    .getContainer(id)
    .start()
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 304) throw e;
    });
  for (;;) {
    const s = (await docker.getContainer(id).inspect()).State;
    if (s.Health?.Status === "healthy" || (!s.Health && s.Running)) return (Date.now() - t0) / 1000;
    if (!s.Running && !s.Restarting) throw new Error(`${name} stopped (exit ${s.ExitCode}): docker logs ${name}`);
    if (Date.now() - t0 > seconds * 1000)
      throw new Error(`${name} not healthy within ${seconds} s: docker logs ${name}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
