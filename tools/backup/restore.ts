/**
 * `npm run restore -- --from DIR`: puts a backup (`npm run backup`) back into the selected stack.
 * Everything is checked before anything is written: the manifest is this tool's, every archive
 * has its size and sha256 and holds only entries under `data/`, the stack runs each backend with a
 * data volume, on the backup's image version or a newer one, and every file on the volumes
 * belongs to the backend's user (so the helper can clear it). Then, one backend at a time: stop,
 * clear the volume, extract the archive, start, wait until healthy.
 *   npm run restore -- --from DIR [--stack NAME | --outputs FILE] [--only prometheus,loki]
 * Exit 0 when every backend is restored, 1 on a refusal (nothing written) or a failure (named).
 */
import { existsSync, readFileSync } from "node:fs";
import { domainOf, readOutputs } from "../outputs";
import { ArchiveError, MANIFEST, parseManifest, verifyArchive, volumeStream } from "./archive";
import { restorable, type Backend } from "./backends";
import {
  backendContainers,
  connect,
  helper,
  helperImage,
  HELPER_MOUNT,
  runInHelper,
  startHealthy,
  stop,
  writeVolume,
} from "./engine";
import { arg, mib, onlyOf, say } from "./cli";

class Refused extends Error {}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const dir = arg(argv, "--from");
  if (!dir) throw new Error("usage: npm run restore -- --from DIR [--stack NAME | --outputs FILE] [--only a,b]");
  if (!existsSync(`${dir}/${MANIFEST}`)) throw new Refused(`${dir}: no ${MANIFEST} (not a backup this tool wrote)`);
  const manifest = parseManifest(readFileSync(`${dir}/${MANIFEST}`, "utf8"), dir);
  const out = readOutputs(argv);
  const domain = domainOf(out);
  const label = out.routing?.label.value;
  const docker = connect();
  const only = onlyOf(argv);
  const wanted = (Object.keys(manifest.backends) as Backend[]).filter((k) => !only || only.includes(k));
  if (!wanted.length) throw new Refused(`${dir}: none of ${only?.join(", ")} is in the backup`);

  // 1. The stack can take it: each backend there, with a volume, on the same or a newer version.
  const targets = new Map((await backendContainers(docker, domain, label, wanted)).map((c) => [c.key, c]));
  for (const k of wanted) {
    const t = targets.get(k);
    if (!t) throw new Refused(`${k}: the stack runs no ${k} with a data volume (leave it out with --only)`);
    const ok = restorable(manifest.backends[k]!.image, t.image);
    if (!ok.ok) throw new Refused(`${k}: ${ok.why}`);
  }
  // 2. Every archive is whole and ours.
  for (const k of wanted) {
    await verifyArchive(dir, k, manifest.backends[k]!);
    say(`  ${k}: ${manifest.backends[k]!.file} ${mib(manifest.backends[k]!.bytes)}, sha256 and entries ok`);
  }
  // 3. The helper (as each backend's user) can clear its volume.
  const image = await helperImage(docker, domain);
  for (const k of wanted) {
    const t = targets.get(k)!;
    const uid = t.user.split(":")[0]!;
    const foreign = await runInHelper(
      docker,
      image,
      t.volume,
      t.user,
      false,
      `find ${HELPER_MOUNT} -mindepth 1 ! -user ${uid} | head -3`,
    );
    if (foreign.trim())
      throw new Refused(
        `${k}: ${t.volume} holds files not owned by uid ${uid} (${foreign.trim().split("\n").join(", ")}): chown them first (docs/upgrading.md)`,
      );
  }
  say(
    `restoring ${wanted.join(", ")} from ${dir} (taken ${manifest.createdAt} from ${manifest.stack}) into ${label ?? domain}`,
  );

  // 4. One backend at a time: stop, clear, extract, start.
  for (const k of wanted) {
    const t = targets.get(k)!;
    const entry = manifest.backends[k]!;
    const t0 = Date.now();
    await stop(docker, t.id);
    try {
      await runInHelper(
        docker,
        image,
        t.volume,
        t.user,
        true, // `-exec rm +`, not `-delete`: busybox builds may leave -delete out (the stand-in's does).
        `find ${HELPER_MOUNT} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`,
      );
      const c = await helper(docker, image, t.volume, t.user, true);
      try {
        await writeVolume(c, volumeStream(`${dir}/${entry.file}`));
      } finally {
        await c.remove({ force: true, v: true });
      }
    } catch (e) {
      throw new Error(`${k}: the restore stopped after ${t.volume} was cleared: ${(e as Error).message}; run it again`);
    } finally {
      const up = await startHealthy(docker, t.id, t.name);
      say(`  ${k}: healthy ${up.toFixed(1)} s after its start`);
    }
    say(
      `  ${k}: ${entry.entries} entries (${mib(entry.contentBytes)}, ${entry.image}) into ${t.volume} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  say("restored");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const refused = err instanceof Refused || err instanceof ArchiveError;
    console.error(`restore ${refused ? "refused, nothing was written" : "failed"}: ${(err as Error).message}`);
    process.exit(1);
  },
);
