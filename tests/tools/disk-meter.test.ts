/**
 * The disk meter's script (configs/disk-meter.ts), run by a real busybox sh with its `du`, `cut`
 * and `date` (the applets the Prometheus image ships), its paths moved into a temporary directory
 * and `httpd` left out. What it writes must be a valid exposition (`promtool check metrics`, the
 * Prometheus text parser's linter) holding each volume's `du -sk` in bytes and its budget.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, it } from "node:test";
import {
  BUDGET_METRIC,
  DISK_METER_PORT,
  DISK_METER_VOLUMES_DIR,
  DISK_METER_WWW,
  diskMeterCommand,
  LAST_RUN_METRIC,
  USED_METRIC,
  type MeteredVolume,
} from "../../configs/disk-meter";
import { findPromtool } from "../support/config-files";

function findBusybox(): string {
  const path = process.env.BUSYBOX ?? "busybox";
  const r = spawnSync(path, ["--help"], { encoding: "utf8" });
  if (r.error) throw new Error(`busybox not found (${path}): run toolchain/busybox.sh or set BUSYBOX`);
  return path;
}

describe("disk meter script (busybox sh)", () => {
  const busybox = findBusybox();
  const promtool = findPromtool();
  const root = mkdtempSync(join(tmpdir(), "disk-meter-"));
  const www = join(root, "www");
  const volumes = join(root, "volumes");
  mkdirSync(www);
  const specs: MeteredVolume[] = [
    { name: "scaibu-loki-data", service: "loki", role: "data", dir: "loki-data", budgetBytes: 6 * 1024 ** 3 },
    { name: "scaibu-grafana-data", service: "grafana", role: "data", dir: "grafana-data" },
  ];
  mkdirSync(join(volumes, "loki-data", "chunks"), { recursive: true });
  writeFileSync(join(volumes, "loki-data", "chunks", "a"), Buffer.alloc(300 * 1024, 1));
  mkdirSync(join(volumes, "grafana-data"));
  writeFileSync(join(volumes, "grafana-data", "grafana.db"), Buffer.alloc(40 * 1024, 1));

  const [script] = diskMeterCommand({ volumes: specs, intervalSeconds: 1 });
  const httpdLine = new RegExp(`^httpd -f -p ${DISK_METER_PORT} .*&$`, "m");
  assert.match(script, httpdLine, "the script serves the file with busybox httpd");
  const local = script
    .replace(httpdLine, ":")
    .replaceAll(`${DISK_METER_WWW}/`, `${www}/`)
    .replaceAll(`${DISK_METER_VOLUMES_DIR}/`, `${volumes}/`);
  const child = spawn(busybox, ["sh", "-c", local], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  after(() => child.kill("SIGTERM"));

  async function measured(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const f = join(www, "metrics");
      if (existsSync(f)) {
        const text = readFileSync(f, "utf8");
        // The first file holds only the help lines (whose HELP line names the metric too).
        if (new RegExp(`^${LAST_RUN_METRIC} \\d+$`, "m").test(text)) return text;
      }
      await sleep(100);
    }
    throw new Error(`the meter wrote no measurement in 10 s; stderr: ${stderr}`);
  }

  it("parses under busybox sh (`sh -n`)", () => {
    const r = spawnSync(busybox, ["sh", "-n", "-c", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });

  it("writes a valid exposition with each volume's du in bytes, its budget and the run time", async () => {
    const text = await measured();
    const lint = spawnSync(promtool.path, ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}\n${text}`);
    for (const v of specs) {
      const du = spawnSync(busybox, ["du", "-sk", join(volumes, v.dir)], { encoding: "utf8" });
      const bytes = Number(du.stdout.split("\t")[0]) * 1024;
      assert.ok(bytes > 0);
      assert.ok(
        text.includes(`${USED_METRIC}{volume="${v.name}",service="${v.service}"} ${bytes}\n`),
        `${v.name}: ${bytes} bytes expected in\n${text}`,
      );
    }
    assert.ok(text.includes(`${BUDGET_METRIC}{volume="scaibu-loki-data",service="loki"} ${6 * 1024 ** 3}\n`));
    assert.ok(
      !text.includes(`${BUDGET_METRIC}{volume="scaibu-grafana-data"`),
      "no budget line for an unbudgeted volume",
    );
    const ts = Number(new RegExp(`^${LAST_RUN_METRIC} (\\d+)$`, "m").exec(text)?.[1]);
    assert.ok(Math.abs(ts - Date.now() / 1000) < 30, `last run ${ts}`);
  });

  it("ends on SIGTERM as PID 1 would (trap), so `docker stop` does not wait for SIGKILL", async () => {
    await measured();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await Promise.race([exited, sleep(5000).then(() => "timeout" as const)]);
    assert.equal(code, 0, `exit ${String(code)}; stderr: ${stderr}`);
  });

  it("refuses a volume whose name would need quoting in the script", () => {
    assert.throws(
      () => diskMeterCommand({ volumes: [{ ...specs[0], dir: "a b;rm" }], intervalSeconds: 1 }),
      /not a plain name/,
    );
  });
});
