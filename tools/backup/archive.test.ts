/** Backup archives: written re-rooted at data/, verified before any restore, refused when not whole or not ours. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import * as tar from "tar-stream";
import {
  ArchiveError,
  FORMAT,
  parseManifest,
  underRoot,
  verifyArchive,
  volumeStream,
  writeArchive,
  type BackendEntry,
} from "./archive";
import { restorable } from "./backends";

const dir = mkdtempSync(join(tmpdir(), "scaibu-archive-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tar as the engine hands one out: entries named after the copied directory. */
async function tarOf(
  entries: {
    name: string;
    body?: string;
    type?: "directory" | "file" | "link" | "symlink";
    linkname?: string;
    uid?: number;
  }[],
) {
  const pack = tar.pack();
  for (const e of entries)
    pack.entry(
      { name: e.name, type: e.type ?? "file", linkname: e.linkname, uid: e.uid ?? 10001, gid: 10001, mode: 0o640 },
      e.body ?? "",
    );
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function entriesOf(stream: Readable) {
  const extract = tar.extract();
  const names: string[] = [];
  const done = (async () => {
    for await (const e of extract) {
      names.push(`${e.header.name}:${e.header.uid}`);
      e.resume();
    }
  })();
  await pipeline(stream, extract);
  await done;
  return names;
}

const snapshot = "20261203T101010Z-0123456789abcdef";
let entry: BackendEntry;

describe("backup archives", () => {
  it("re-roots the engine's entries at data/, counts them and checksums the file", async () => {
    const source = await tarOf([
      { name: `${snapshot}/`, type: "directory" },
      { name: `${snapshot}/01ABC/`, type: "directory" },
      { name: `${snapshot}/01ABC/meta.json`, body: "{}" },
      { name: `${snapshot}/01ABC/chunks/000001`, body: "x".repeat(1000) },
    ]);
    const w = await writeArchive(Readable.from(source), join(dir, "prometheus.tar.gz"), (n) =>
      n === snapshot || n.startsWith(`${snapshot}/`) ? `data${n.slice(snapshot.length)}` : undefined,
    );
    assert.equal(w.entries, 4);
    assert.equal(w.contentBytes, 1002);
    entry = {
      file: "prometheus.tar.gz",
      ...w,
      image: "prom/prometheus:v3.14.0",
      imageId: "sha256:x",
      volume: "v",
      method: "tsdb-snapshot",
      seconds: 0,
    };
    await verifyArchive(dir, "prometheus", entry);
    // Back to the volume: relative to its root, owners kept.
    assert.deepEqual(await entriesOf(volumeStream(join(dir, "prometheus.tar.gz"))), [
      "01ABC/:10001",
      "01ABC/meta.json:10001",
      "01ABC/chunks/000001:10001",
    ]);
  });

  it("refuses a corrupt file and a truncated one, naming the file", async () => {
    const bytes = readFileSync(join(dir, "prometheus.tar.gz"));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1]! ^= 0xff;
    writeFileSync(join(dir, "corrupt.tar.gz"), flipped);
    await assert.rejects(
      verifyArchive(dir, "prometheus", { ...entry, file: "corrupt.tar.gz" }),
      (e: unknown) =>
        e instanceof ArchiveError &&
        /corrupt\.tar\.gz \(prometheus\): sha256 .* \(corrupt\)/.test((e as Error).message),
    );
    writeFileSync(join(dir, "short.tar.gz"), bytes);
    truncateSync(join(dir, "short.tar.gz"), bytes.length - 10);
    await assert.rejects(
      verifyArchive(dir, "prometheus", { ...entry, file: "short.tar.gz" }),
      /short\.tar\.gz \(prometheus\): \d+ bytes, the manifest says \d+ \(truncated\?\)/,
    );
    await assert.rejects(
      verifyArchive(dir, "prometheus", { ...entry, file: "missing.tar.gz" }),
      /missing\.tar\.gz \(prometheus\): cannot be read/,
    );
  });

  it("refuses an archive with a path, or a link, out of data/, even with a matching checksum", async () => {
    for (const [bad, why] of [
      [{ name: "data/../../etc/passwd", body: "x" }, /a path outside data\//],
      [{ name: "etc/cron.d/evil", body: "x" }, /a path outside data\//],
      [{ name: "data/link", type: "symlink" as const, linkname: "/etc/shadow" }, /a link out of data\//],
      [{ name: "data/hard", type: "link" as const, linkname: "etc/shadow" }, /a hard link out of data\//],
    ] as const) {
      const file = "foreign.tar.gz";
      rmSync(join(dir, file), { force: true });
      writeFileSync(join(dir, file), gzipSync(await tarOf([{ name: "data/", type: "directory" }, bad])));
      const { digest } = await import("./archive");
      const d = await digest(join(dir, file));
      await assert.rejects(verifyArchive(dir, "loki", { ...entry, file, ...d, entries: 2 }), why);
    }
    assert.equal(underRoot("data/a/b"), true);
    assert.equal(underRoot("/data/a"), false);
  });

  it("refuses a manifest that is not this tool's, naming what is wrong", () => {
    assert.throws(() => parseManifest("not json", "/b"), /\/b\/manifest\.json: not JSON/);
    assert.throws(
      () => parseManifest('{"format":"velero"}', "/b"),
      /format "velero", expected "scaibu-observability-backup" \(a foreign archive\)/,
    );
    assert.throws(
      () => parseManifest(JSON.stringify({ format: FORMAT, version: 2, backends: {} }), "/b"),
      /format version 2/,
    );
    assert.throws(
      () =>
        parseManifest(
          JSON.stringify({ format: FORMAT, version: 1, backends: { loki: { file: "loki.tar.gz" } } }),
          "/b",
        ),
      /backend loki lacks bytes, sha256/,
    );
    assert.throws(
      () =>
        parseManifest(
          JSON.stringify({ format: FORMAT, version: 1, backends: { loki: { ...entry, file: "../x.tar.gz" } } }),
          "/b",
        ),
      /file \.\.\/x\.tar\.gz/,
    );
  });

  it("restores onto the same or a newer version only", () => {
    assert.deepEqual(restorable("prom/prometheus:v3.14.0", "prom/prometheus:v3.14.0"), { ok: true });
    assert.deepEqual(restorable("prom/prometheus:v3.14.0", "prom/prometheus:v3.15.1"), { ok: true });
    assert.deepEqual(restorable("grafana/grafana:12.4.0", "grafana/grafana:13.2.1"), { ok: true });
    assert.match(
      (restorable("grafana/grafana:13.2.1", "grafana/grafana:13.1.0") as { why: string }).why,
      /is older than/,
    );
    assert.match((restorable("scaibu-e2e/loki:local", "grafana/loki:3.7.7") as { why: string }).why, /cannot compare/);
  });
});
