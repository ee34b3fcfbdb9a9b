/**
 * `npm run backup -- --out DIR`: a consistent copy of every backend's data volume of the selected
 * stack (Prometheus, Loki, Jaeger, Grafana, Alertmanager), one tar.gz each plus manifest.json
 * (stack, image versions, sizes, sha256, time). The method per backend is in ./backends.ts; the
 * restore is `npm run restore -- --from DIR` (./restore.ts). The collector's queue is not kept: it
 * holds telemetry in flight, which the backends receive before and after the copy.
 *   npm run backup -- --out DIR [--stack NAME | --outputs FILE] [--only prometheus,loki]
 * Refuses a DIR that is not empty, or on a filesystem with less free space than the volumes hold.
 */
import { mkdirSync, readdirSync, statfsSync, writeFileSync } from "node:fs";
import { fetchHttps } from "@scaibu/observability-devkit";
import { domainOf, readOutputs, targetOf } from "../outputs";
import {
  FORMAT,
  FORMAT_VERSION,
  MANIFEST,
  ROOT,
  writeArchive,
  type BackendEntry,
  type Manifest,
  type Method,
} from "./archive";
import { BACKENDS, type Backend } from "./backends";
import {
  backendContainers,
  connect,
  helper,
  helperImage,
  HELPER_MOUNT,
  readVolume,
  runInHelper,
  startHealthy,
  stop,
  type BackendContainer,
} from "./engine";
import { arg, mib, onlyOf, say } from "./cli";

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const dir = arg(argv, "--out");
  if (!dir) throw new Error("usage: npm run backup -- --out DIR [--stack NAME | --outputs FILE] [--only a,b]");
  const out = readOutputs(argv);
  const target = targetOf(out);
  const domain = domainOf(out);
  const label = out.routing?.label.value;
  const docker = connect();
  const only = onlyOf(argv);
  const backends = await backendContainers(docker, domain, label, only);
  if (!backends.length) throw new Error(`no backend with a data volume found for ${domain} (containers ${domain}.*)`);

  // The target: empty, and room for what the volumes hold (gzip only makes it smaller).
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length) throw new Error(`${dir} is not empty: back up into a new or empty directory`);
  const df = await docker.df();
  const sizes = new Map<string, number>(
    (df.Volumes as { Name: string; UsageData?: { Size: number } }[]).map((v) => [v.Name, v.UsageData?.Size ?? 0]),
  );
  const need = backends.reduce((sum, b) => sum + Math.max(0, sizes.get(b.volume) ?? 0), 0);
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (free < need * 1.1)
    throw new Error(`${dir} has ${mib(free)} free; the volumes hold ${mib(need)}: back up onto a larger filesystem`);

  const image = await helperImage(docker, domain);
  const manifest: Manifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    stack: label ?? domain,
    backends: {},
  };
  say(`backing up ${backends.map((b) => b.key).join(", ")} of ${manifest.stack} into ${dir}`);
  const post = (svc: string, path: string) =>
    fetchHttps(target, `${out.urls[svc]}${path}`, { method: "POST", auth: out.operator });

  for (const b of backends) {
    const t0 = Date.now();
    const file = `${b.key}.tar.gz`;
    let method: Method = BACKENDS[b.key].method;
    let written: Awaited<ReturnType<typeof writeArchive>>;
    const snapshot = method === "tsdb-snapshot" ? await prometheusSnapshot(post) : undefined;
    if (snapshot) {
      written = await copy(b, image, `/snapshots/${snapshot}`, file, dir);
      // The snapshot's hard links would keep deleted blocks alive: it goes once copied.
      await runInHelper(docker, image, b.volume, b.user, true, `rm -rf ${HELPER_MOUNT}/snapshots/${snapshot}`);
      say(`  ${b.key}: TSDB snapshot ${snapshot}, removed from the volume after the copy`);
    } else {
      method = "stopped-copy";
      const prepare = (BACKENDS[b.key] as { prepare?: { path: string } }).prepare;
      if (prepare && out.urls[b.key]) {
        const r = await post(b.key, prepare.path);
        say(`  ${b.key}: POST ${prepare.path} answered ${r.status}`);
      }
      await stop(docker, b.id);
      try {
        written = await copy(b, image, "", file, dir);
      } finally {
        const up = await startHealthy(docker, b.id, b.name);
        say(`  ${b.key}: stopped for the copy, healthy again ${up.toFixed(1)} s after its start`);
      }
    }
    const entry: BackendEntry = {
      file,
      ...written,
      image: b.image,
      imageId: b.imageId,
      volume: b.volume,
      method,
      seconds: (Date.now() - t0) / 1000,
    };
    manifest.backends[b.key] = entry;
    say(
      `  ${b.key}: ${mib(entry.contentBytes)} in ${entry.entries} entries -> ${file} ${mib(entry.bytes)} in ${entry.seconds.toFixed(1)} s`,
    );
  }
  writeFileSync(`${dir}/${MANIFEST}`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  say(`manifest: ${dir}/${MANIFEST}`);
  return 0;

  /** The volume's `path` through a read-only helper, into `file` under `data/`. */
  async function copy(b: BackendContainer, img: string, path: string, name: string, into: string) {
    const c = await helper(docker, img, b.volume, b.user, false);
    try {
      // The engine names entries after the copied directory: `data/…` or `<snapshot>/…`.
      const top = path ? path.split("/").pop()! : HELPER_MOUNT.slice(1);
      return await writeArchive(await readVolume(c, path), `${into}/${name}`, (n) =>
        n === top || n.startsWith(`${top}/`) ? `${ROOT}${n.slice(top.length)}` : undefined,
      );
    } finally {
      await c.remove({ force: true, v: true });
    }
  }
}

/** A snapshot through the admin API; undefined when the API is off (a stopped copy then). */
async function prometheusSnapshot(
  post: (svc: string, path: string) => Promise<{ status: number; body: string }>,
): Promise<string | undefined> {
  const r = await post("prometheus", "/api/v1/admin/tsdb/snapshot");
  if (r.status === 200) return (JSON.parse(r.body) as { data: { name: string } }).data.name;
  say(`  prometheus: the snapshot API answered ${r.status} (prometheus.adminApi off?): a stopped copy instead`);
  return undefined;
}

export type { Backend };

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`backup failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
