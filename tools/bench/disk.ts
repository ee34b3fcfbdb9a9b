/**
 * `npm run bench:disk`: does the disk budget hold? Fills a small budget and prints what the
 * volumes hold against their shares. Prints figures; it asserts nothing.
 *
 * It deploys a throwaway stack (the e2e one, moved to domain `diskcost`) with
 * `storage.budgetGb` = DISK_BENCH_BUDGET_GB (default 0.1, the smallest allowed), then:
 *   1. Prometheus: stops it, backfills about 1.6 times its size cap as 2-hour blocks with the
 *      image's own promtool (`tsdb create-blocks-from openmetrics`, as the volume's owner),
 *      starts it, and waits for size retention (`prometheus_tsdb_size_retentions_total`);
 *   2. the collector's queue: stops Loki and sends logs unthrottled (telemetrygen) for
 *      DISK_BENCH_FILL_S seconds, so the Loki exporter's queue file fills to its `max_size`.
 * After each, the disk meter's figure (du of the volume) beside the share. Everything is destroyed
 * at the end.
 */
import { createWriteStream, mkdtempSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2eWorkspace, fetchHttps, image, movedTo, type Target } from "@scaibu/observability-devkit";
import { parseSettings } from "../../settings/schema";
import { shares } from "../../configs/render";
import { base2Bytes, prometheusRetentionSize, queueFileMaxBytes } from "../../configs/disk-budget";
import { run } from "./exec";
import { destroyThrowaway, ensureTelemetrygen, prepareToolchain } from "./throwaway";
import { table } from "./stats";

const BUDGET_GB = Number(process.env.DISK_BENCH_BUDGET_GB ?? 0.1);
const FILL_S = Number(process.env.DISK_BENCH_FILL_S ?? 60);
const domain = "diskcost";
const ports = { http: 38080, https: 38443, otlpGrpc: 38317, otlpHttp: 38318 };
const host = (svc: string) => `${domain}.${svc}`;
const progress = (m: string) => process.stderr.write(`[bench:disk] ${m}\n`);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** An OpenMetrics file of random gauges (random floats barely compress: about 9 bytes a sample). */
async function writeOpenMetrics(file: string, bytes: number): Promise<number> {
  const series = 400;
  const samples = Math.ceil(bytes / 9);
  const steps = Math.ceil(samples / series);
  const end = Math.floor(Date.now() / 1000) - 3 * 3600; // outside the head's range
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  await write("# TYPE bench_fill gauge\n");
  for (let s = 0; s < series; s++) {
    let chunk = "";
    for (let i = 0; i < steps; i++) chunk += `bench_fill{s="${s}"} ${Math.random()} ${end - (steps - i) * 15}\n`;
    await write(chunk);
  }
  await write("# EOF\n");
  out.end();
  await once(out, "finish");
  return series * steps;
}

async function main(): Promise<void> {
  await prepareToolchain();
  const telemetrygen = await ensureTelemetrygen();

  const storage = { budgetGb: BUDGET_GB, meterIntervalSeconds: 10 };
  const share = shares(parseSettings({ storage }));
  const promCap = base2Bytes(prometheusRetentionSize(share.prometheus!));
  const state = mkdtempSync(join(tmpdir(), "scaibu-diskcost-"));
  let stack: Stack | undefined;
  const rows: string[][] = [];
  try {
    stack = await e2eWorkspace(`diskcost-${process.pid}`, state, {
      ...movedTo(domain, ports, "172.16.142.0/24"),
      consumerHosts: [],
      storage,
    });
    progress(`deploying with storage.budgetGb ${BUDGET_GB}`);
    const outputs = (await stack.up({ onOutput: () => undefined })).outputs;
    const target: Target = {
      ca: outputs.caCertPem!.value as string,
      address: "127.0.0.1",
      hosts: [host("prometheus")],
    };
    const operator = outputs.operator!.value as { user: string; password: string };
    const query = async (q: string) => {
      const r = await fetchHttps(
        target,
        `https://${host("prometheus")}:${ports.https}/api/v1/query?query=${encodeURIComponent(q)}`,
        { auth: operator },
      );
      const v = (JSON.parse(r.body) as { data?: { result: { value: [number, string] }[] } }).data?.result[0]?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    const used = (service: string) => query(`max(scaibu_volume_used_bytes{service="${service}"})`);

    // 1. Prometheus, backfilled past its cap.
    const om = join(state, "fill.om");
    const samples = await writeOpenMetrics(om, promCap * 1.6);
    progress(`backfilling ${samples} samples into ${host("prometheus")} (cap ${mib(promCap)})`);
    await run("docker", ["stop", host("prometheus")]);
    // The Prometheus image, as the volume's owner (nobody), with no network and no capability.
    const onPromVolume = (mounts: string[], entrypoint: string, args: string[]) =>
      run("docker", [
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "65534:65534",
        "--cap-drop",
        "ALL",
        ...mounts.flatMap((m) => ["-v", m]),
        "--entrypoint",
        entrypoint,
        image("prometheus"),
        ...args,
      ]);
    const volume = `${domain}-prometheus-data`;
    await onPromVolume([`${volume}:/prometheus`, `${om}:/fill.om:ro`], "/bin/promtool", [
      "tsdb",
      "create-blocks-from",
      "openmetrics",
      "/fill.om",
      "/prometheus",
    ]);
    const du = await onPromVolume([`${volume}:/prometheus:ro`], "/bin/sh", ["-c", "du -sk /prometheus | cut -f1"]);
    const written = Number(du.trim()) * 1024;
    await run("docker", ["start", host("prometheus")]);
    let retentions = 0;
    for (let i = 0; i < 36 && !retentions; i++) {
      await sleep(5);
      retentions = (await query("prometheus_tsdb_size_retentions_total").catch(() => undefined)) ?? 0;
    }
    await sleep(25); // the meter's next measurement
    const blocks = (await query("prometheus_tsdb_storage_blocks_bytes")) ?? 0;
    const promUsed = (await used("prometheus")) ?? 0;
    rows.push([
      "Prometheus",
      mib(share.prometheus!),
      `${mib(promCap)} (size retention)`,
      mib(written),
      `${mib(promUsed)} (blocks ${mib(blocks)}; ${retentions} size retentions)`,
      `${((promUsed / share.prometheus!) * 100).toFixed(0)} %`,
    ]);

    // 2. The collector's queue, with Loki away.
    const fileMax = queueFileMaxBytes(share.otelCollector!, 3);
    progress(`Loki stopped; logs unthrottled for ${FILL_S}s (queue files capped at ${mib(fileMax)} each)`);
    await run("docker", ["stop", host("loki")]);
    try {
      await run(
        telemetrygen,
        [
          "logs",
          "--otlp-endpoint",
          `127.0.0.1:${ports.otlpGrpc}`,
          "--otlp-insecure",
          "--workers",
          "2",
          "--rate",
          "0",
          "--duration",
          `${FILL_S}s`,
          "--body",
          "x".repeat(2048),
        ],
        { timeoutMs: (FILL_S + 120) * 1000 },
      ).catch((e: Error) => progress(`telemetrygen: ${e.message.split("\n")[0]}`));
      await sleep(25);
      const queueUsed = (await used("otelCollector")) ?? 0;
      const failed =
        (await query(
          'sum({__name__=~"otelcol_exporter_enqueue_failed_log_records(_total)?", job="otel-collector"})',
        )) ?? 0;
      rows.push([
        "collector queue",
        mib(share.otelCollector!),
        `${mib(fileMax)} per file, 3 files (max_size)`,
        `${FILL_S} s of logs`,
        `${mib(queueUsed)} (${failed} log records refused by the full queue)`,
        `${((queueUsed / share.otelCollector!) * 100).toFixed(0)} %`,
      ]);
    } finally {
      await run("docker", ["start", host("loki")]);
    }
  } finally {
    await destroyThrowaway(stack, state, progress);
  }
  process.stdout.write(
    `Disk budget: storage.budgetGb ${BUDGET_GB} (${mib(BUDGET_GB * 1024 ** 3)}), one run:\n\n` +
      table(["volume", "share", "enforced limit", "written", "held after", "of share"], rows) +
      "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
