/**
 * Backup archives: one gzip'd tar per backend, every entry under `data/` (the volume's root), and
 * a manifest that names each with its size and sha256. Writing normalises what the Docker API
 * hands out (`GET /containers/{id}/archive` names entries after the copied directory); reading
 * checks everything before anything is restored: the manifest's format, each file's size and
 * checksum, and that every tar entry is a plain file, directory or link that stays under `data/`.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable, Transform } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import * as tar from "tar-stream";

export const MANIFEST = "manifest.json";
export const FORMAT = "scaibu-observability-backup";
export const FORMAT_VERSION = 1;
/** Every entry of an archive lives under this directory: the volume's root. */
export const ROOT = "data";

export type Method = "tsdb-snapshot" | "stopped-copy";

export interface BackendEntry {
  /** The archive, next to the manifest. */
  file: string;
  bytes: number;
  sha256: string;
  /** Bytes and entries of what the tar holds (uncompressed). */
  contentBytes: number;
  entries: number;
  /** The image the backend ran when it was backed up (its repo tag), and its id. */
  image: string;
  imageId: string;
  /** The Docker volume it came from. */
  volume: string;
  method: Method;
  seconds: number;
}

export interface Manifest {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  createdAt: string;
  /** `<project>/<stack>` it was taken from. */
  stack: string;
  backends: Record<string, BackendEntry>;
}

/** Thrown for an archive that must not be restored; the message says which file and why. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/** Writes `source` (a tar from the Docker API) as `file`, gzip'd, every entry re-rooted at `data/`. */
export async function writeArchive(
  source: Readable,
  file: string,
  reroot: (name: string) => string | undefined,
): Promise<{ bytes: number; sha256: string; contentBytes: number; entries: number }> {
  const extract = tar.extract();
  const pack = tar.pack();
  let contentBytes = 0;
  let entries = 0;
  extract.on("entry", (header, stream, next) => {
    const name = reroot(header.name);
    if (name === undefined) {
      stream.resume();
      stream.on("end", next);
      return;
    }
    entries += 1;
    contentBytes += header.size ?? 0;
    const linkname = header.type === "link" && header.linkname ? reroot(header.linkname) : header.linkname;
    stream.pipe(pack.entry({ ...header, name, linkname }, next));
  });
  extract.on("finish", () => pack.finalize());
  const hash = createHash("sha256");
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await Promise.all([
    pipeline(source, extract),
    pipeline(pack, createGzip(), count, createWriteStream(file, { flags: "wx", mode: 0o600 })),
  ]);
  return { bytes, sha256: hash.digest("hex"), contentBytes, entries };
}

/** sha256 and size of a file, streamed. */
export async function digest(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return { bytes: statSync(file).size, sha256: hash.digest("hex") };
}

const SAFE_TYPES = new Set(["file", "directory", "symlink", "link"]);

/** Whether a tar path stays under `data/` (no absolute path, no `..`). */
export function underRoot(name: string): boolean {
  const parts = name.replace(/\/+$/, "").split("/");
  return parts[0] === ROOT && !parts.includes("..") && !name.startsWith("/");
}

/**
 * Checks one backend's archive against its manifest entry: size, checksum, then every tar entry.
 * Throws ArchiveError naming the file and the problem.
 */
export async function verifyArchive(dir: string, backend: string, entry: BackendEntry): Promise<void> {
  const file = `${dir}/${entry.file}`;
  let got: { bytes: number; sha256: string };
  try {
    got = await digest(file);
  } catch (e) {
    throw new ArchiveError(`${entry.file} (${backend}): cannot be read: ${(e as Error).message}`);
  }
  if (got.bytes !== entry.bytes)
    throw new ArchiveError(
      `${entry.file} (${backend}): ${got.bytes} bytes, the manifest says ${entry.bytes} (truncated?)`,
    );
  if (got.sha256 !== entry.sha256)
    throw new ArchiveError(
      `${entry.file} (${backend}): sha256 ${got.sha256}, the manifest says ${entry.sha256} (corrupt)`,
    );
  const extract = tar.extract();
  let entries = 0;
  extract.on("entry", (header, stream, next) => {
    entries += 1;
    const bad = !SAFE_TYPES.has(header.type ?? "file")
      ? `a ${header.type} entry`
      : !underRoot(header.name)
        ? "a path outside data/"
        : header.type === "symlink" && (header.linkname?.startsWith("/") || header.linkname?.split("/").includes(".."))
          ? "a link out of data/"
          : header.type === "link" && !underRoot(header.linkname ?? "")
            ? "a hard link out of data/"
            : undefined;
    if (bad) {
      stream.resume();
      next(new ArchiveError(`${entry.file} (${backend}): ${bad}: ${header.name} (not an archive this tool wrote)`));
      return;
    }
    stream.on("end", next);
    stream.resume();
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), extract);
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`${entry.file} (${backend}): not a readable tar.gz: ${(e as Error).message}`);
  }
  if (entries !== entry.entries)
    throw new ArchiveError(`${entry.file} (${backend}): ${entries} entries, the manifest says ${entry.entries}`);
}

/** The manifest of a backup directory, checked for this tool's format. */
export function parseManifest(text: string, where: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new ArchiveError(`${where}/${MANIFEST}: not JSON (not a backup this tool wrote)`);
  }
  const man = m as Partial<Manifest>;
  if (man.format !== FORMAT)
    throw new ArchiveError(
      `${where}/${MANIFEST}: format ${JSON.stringify(man.format)}, expected "${FORMAT}" (a foreign archive)`,
    );
  if (man.version !== FORMAT_VERSION)
    throw new ArchiveError(`${where}/${MANIFEST}: format version ${man.version}; this release reads ${FORMAT_VERSION}`);
  if (!man.backends || typeof man.backends !== "object" || !Object.keys(man.backends).length)
    throw new ArchiveError(`${where}/${MANIFEST}: names no backend`);
  for (const [k, b] of Object.entries(man.backends)) {
    const fields: (keyof BackendEntry)[] = ["file", "bytes", "sha256", "entries", "image", "volume", "method"];
    const missing = fields.filter((f) => b[f] === undefined);
    if (missing.length) throw new ArchiveError(`${where}/${MANIFEST}: backend ${k} lacks ${missing.join(", ")}`);
    if (!/^[a-z]+\.tar\.gz$/.test(b.file)) throw new ArchiveError(`${where}/${MANIFEST}: backend ${k}: file ${b.file}`);
  }
  return man as Manifest;
}

/**
 * An archive's entries relative to the volume's root (`data/x` -> `x`), as a plain tar: the
 * engine extracts it into the volume's mount point, the one writable path of the helper (it
 * refuses extraction into a read-only rootfs: moby daemon/archive_unix.go checkWritablePath).
 * Ownership and modes travel in the headers, which the engine applies.
 */
export function volumeStream(file: string): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  const strip = (n: string) => n.slice(ROOT.length + 1);
  extract.on("entry", (header, stream, next) => {
    const name = strip(header.name);
    if (!name) {
      stream.resume();
      stream.on("end", next);
      return;
    }
    const linkname = header.type === "link" && header.linkname ? strip(header.linkname) : header.linkname;
    stream.pipe(pack.entry({ ...header, name, linkname }, next));
  });
  extract.on("finish", () => pack.finalize());
  pipeline(createReadStream(file), createGunzip(), extract).catch((e: unknown) => pack.destroy(e as Error));
  // tar-stream's streams are streamx ones; the engine client wants a Node stream.
  return Readable.from(pack);
}
