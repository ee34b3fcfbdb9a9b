/**
 * `npm run bench:load`: how much telemetry the stack takes on this machine before it refuses or
 * loses any, driven by telemetrygen (the OpenTelemetry contrib load generator). Prints figures; it
 * asserts nothing.
 *
 * It deploys a throwaway stack (the e2e one, moved to domain `load`, its own ports and subnet),
 * then for each signal and rate runs telemetrygen over OTLP/gRPC against the host port for
 * LOAD_STEP_S seconds, waits for the collector's queues to drain, and reads:
 *   - accepted and refused at the collector's receiver, sent and failed at its exporter, and its
 *     queue size (the collector's own metrics, read from inside the stack's network);
 *   - what reached the backend: spans Jaeger wrote to storage (its own metrics), points Prometheus
 *     holds for the step's service; Loki here is a placeholder, so logs are NOT VERIFIED there;
 *   - the peak memory of each container against its limit, OOM kills and restarts.
 * Everything it deployed is destroyed at the end, also on failure.
 *
 * Environment:
 *   LOAD_STEP_S            seconds per step (default 60)
 *   LOAD_TRACES            spans/s per step, comma-separated (default 500,1000,2000,4000)
 *   LOAD_METRICS           points/s per step (default 500,1000)
 *   LOAD_LOGS              records/s per step (default 500,2000)
 *   LOAD_OVERLOAD          0 skips the overload step (default 1); an empty rate list skips a signal
 *   LOAD_CEILING           0 skips the ceiling step (default 1): the collector alone with a
 *                          discarding exporter, then the stack, both driven unthrottled; prints the
 *                          stack's zero-loss rate as a fraction of that ceiling (tools/bench/ceiling.ts)
 *
 * The overload step: the collector's memory_limiter at 64 MiB (collector.memoryLimitMib), its
 * queues in memory, Jaeger stopped, and telemetrygen unthrottled with 1 KiB of attributes per
 * span. What piles up must be refused (memory_limiter: gRPC UNAVAILABLE / HTTP 503, retryable;
 * otlpreceiver internal/errors/errors.go at core v0.161.0), never OOM-kill the collector.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2eWorkspace, movedTo, repo } from "@scaibu/observability-devkit";
import { run } from "./exec";
import { cpuDuring, startCeiling, withCpuTime } from "./ceiling";
import { destroyThrowaway, ensureTelemetrygen, prepareToolchain } from "./throwaway";
import { table } from "./stats";
import { fetchHttps, type Target } from "@scaibu/observability-devkit";

const STEP_S = Number(process.env.LOAD_STEP_S ?? 60);
const rates = (key: string, def: string) => (process.env[key] ?? def).split(",").filter(Boolean).map(Number); // empty: no steps for that signal
const PLAN: { signal: Signal; rates: number[] }[] = [
  { signal: "traces", rates: rates("LOAD_TRACES", "500,1000,2000,4000") },
  { signal: "metrics", rates: rates("LOAD_METRICS", "500,1000") },
  { signal: "logs", rates: rates("LOAD_LOGS", "500,2000") },
];
type Signal = "traces" | "metrics" | "logs";
const OVERLOAD = process.env.LOAD_OVERLOAD !== "0";
const CEILING = process.env.LOAD_CEILING !== "0";
const CEILING_PORT = 34327;
const OVERLOAD_LIMIT_MIB = 64;

const domain = "load";
const ports = { http: 38080, https: 38443, otlpGrpc: 34317, otlpHttp: 34318 };
const names = (s: string) => `${domain}.${s}`;
const progress = (m: string) => process.stderr.write(`[bench:load] ${m}\n`);

/** The collector's counters per signal (otelcol_* names, OTel collector internal telemetry). */
const ITEM = { traces: "spans", metrics: "metric_points", logs: "log_records" } as const;
const EXPORTER = { traces: "otlp_grpc/jaeger", metrics: "otlp_http/prometheus", logs: "otlp_http/loki" } as const;

/**
 * Sums the samples of one counter in Prometheus text format whose labels contain `match`. The
 * collector's internal telemetry has written counters with and without the `_total` suffix
 * across releases; both are read.
 */
function sample(text: string, name: string, match = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const metric = line.slice(0, line.search(/[{ ]/));
    if (metric !== name && metric !== `${name}_total`) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** A component's /metrics, fetched from inside the network (the Prometheus image has wget). */
const scrape = (host: string, port: number) =>
  run("docker", ["exec", names("prometheus"), "wget", "-qO-", `http://${host}:${port}/metrics`]);

async function collectorCounts(signal: Signal, host = names("otel"), exporter: string = EXPORTER[signal]) {
  const text = await scrape(host, 8888);
  const item = ITEM[signal];
  return {
    // receiver="otlp" only: the docker logs the collector tails count as file_log.
    accepted: sample(text, `otelcol_receiver_accepted_${item}`, 'receiver="otlp"'),
    refused: sample(text, `otelcol_receiver_refused_${item}`, 'receiver="otlp"'),
    sent: sample(text, `otelcol_exporter_sent_${item}`, `exporter="${exporter}"`),
    failed: sample(text, `otelcol_exporter_send_failed_${item}`, `exporter="${exporter}"`),
    queue: sample(text, "otelcol_exporter_queue_size", `exporter="${exporter}"`),
  };
}

async function memory(): Promise<Record<string, { usedMiB: number; limitMiB: number }>> {
  const out = await run("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"]);
  const mib = (v: string) => {
    const m = /([\d.]+)\s*([KMG]i?B)/.exec(v);
    if (!m) return 0;
    return Number(m[1]) * ({ KiB: 1 / 1024, MiB: 1, GiB: 1024, KB: 1 / 1024, MB: 1, GB: 1024 }[m[2]!] ?? 1);
  };
  const result: Record<string, { usedMiB: number; limitMiB: number }> = {};
  for (const line of out.trim().split("\n")) {
    const [name, used, , limit] = line.split(/\s+/);
    if (name?.startsWith(`${domain}.`)) result[name] = { usedMiB: mib(used ?? ""), limitMiB: mib(limit ?? "") };
  }
  return result;
}

async function restarts(): Promise<Record<string, string>> {
  const out = await run("docker", [
    "inspect",
    "-f",
    "{{.Name}} {{.RestartCount}} {{.State.OOMKilled}}",
    ...["otel", "jaeger", "prometheus", "loki"].map(names),
  ]);
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => [l.split(" ")[0]!.slice(1), l.split(" ").slice(1).join(" ")]),
  );
}

async function deploy(state: string): Promise<Stack> {
  const stack = await e2eWorkspace(`load-${process.pid}`, state, movedTo(domain, ports, "172.16.139.0/24"));
  progress("deploying the stack (domain load)");
  await stack.up({ onOutput: () => undefined });
  return stack;
}

async function main(): Promise<void> {
  await prepareToolchain();
  const telemetrygen = await ensureTelemetrygen();

  const state = mkdtempSync(join(tmpdir(), "scaibu-load-"));
  let stack: Stack | undefined;
  const rows: string[][] = [];
  let overload: string | undefined;
  let ceiling: string | undefined;
  try {
    stack = await deploy(state);
    const outputs = await stack.outputs();
    const operator = outputs.operator!.value as { user: string; password: string };
    const target: Target = {
      ca: outputs.caCertPem!.value as string,
      address: "127.0.0.1",
      hosts: [names("prometheus")],
    };
    const promCount = async (svc: string) => {
      const q = encodeURIComponent(`sum(count_over_time(gen{service_name="${svc}"}[30m]))`);
      const r = await fetchHttps(target, `https://${names("prometheus")}:${ports.https}/api/v1/query?query=${q}`, {
        auth: operator,
      });
      return Number(
        (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1] ?? 0,
      );
    };
    const jaegerWritten = async () => sample(await scrape(names("jaeger"), 8888), "otelcol_exporter_sent_spans_total");
    if (CEILING) ceiling = await ceilingStep(telemetrygen, jaegerWritten);

    for (const { signal, rates: stepRates } of PLAN) {
      for (const rate of stepRates) {
        const svc = `load-${signal}-${rate}`;
        const before = await collectorCounts(signal);
        const jaegerBefore = signal === "traces" ? await jaegerWritten() : 0;
        progress(`${signal} at ${rate}/s for ${STEP_S}s`);
        const peak: Record<string, { usedMiB: number; limitMiB: number }> = {};
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            for (const [n, m] of Object.entries(await memory().catch(() => ({})))) {
              if (!peak[n] || m.usedMiB > peak[n].usedMiB) peak[n] = m;
            }
            await new Promise((r) => setTimeout(r, 2000));
          }
        })();
        const args = telemetrygenArgs({ signal, port: ports.otlpGrpc, service: svc, workers: 2, rate });
        await run(telemetrygen, args, { timeoutMs: (STEP_S + 120) * 1000 }).catch((e: Error) =>
          progress(`telemetrygen: ${e.message.split("\n")[0]}`),
        );
        // Let the batch (10 s) and the queues drain before counting.
        let after = await collectorCounts(signal);
        for (let i = 0; i < 30 && after.queue > 0; i++) {
          await new Promise((r) => setTimeout(r, 2000));
          after = await collectorCounts(signal);
        }
        await new Promise((r) => setTimeout(r, 12_000));
        after = await collectorCounts(signal);
        sampling = false;
        await sampler;
        const d = (k: keyof typeof before) => after[k] - before[k];
        const backend =
          signal === "traces"
            ? String((await jaegerWritten()) - jaegerBefore)
            : signal === "metrics"
              ? String(await promCount(svc))
              : "NOT VERIFIED (placeholder)";
        const mem = Object.entries(peak)
          .filter(([n]) => ["otel", "jaeger", "prometheus"].some((s) => n === names(s)))
          .map(([n, m]) => `${n.slice(domain.length + 1)} ${m.usedMiB.toFixed(0)}/${m.limitMiB.toFixed(0)}`)
          .join(", ");
        const r = await restarts();
        rows.push([
          signal,
          `${rate}/s`,
          `${Math.round(d("accepted") / STEP_S)}/s`,
          String(d("accepted")),
          String(d("refused")),
          String(d("sent")),
          String(d("failed")),
          String(after.queue),
          backend,
          mem,
          Object.entries(r)
            .map(([n, v]) => `${n.slice(domain.length + 1)} ${v}`)
            .join(", "),
        ]);
        progress(rows.at(-1)!.join(" | "));
      }
    }
    if (OVERLOAD) overload = await overloadStep(stack, telemetrygen);
  } finally {
    await destroyThrowaway(stack, state, progress);
    rmSync(join(repo, `Pulumi.load-${process.pid}.yaml`), { force: true });
  }
  const steps = [
    `Load per signal and rate, ${STEP_S} s per step, telemetrygen over OTLP/gRPC on the host port (2 workers)`,
    "counts are deltas over the step (collector's own metrics); backend: spans Jaeger wrote / points Prometheus holds",
    "",
    table(
      [
        "signal",
        "asked",
        "achieved",
        "accepted",
        "refused",
        "sent",
        "failed",
        "queue after",
        "at backend",
        "peak MiB/limit",
        "restarts OOM",
      ],
      rows,
    ),
    "",
  ];
  process.stdout.write(
    ["", ...(ceiling ? [ceiling, ""] : []), ...(rows.length ? steps : []), ...(overload ? [overload, ""] : [])].join(
      "\n",
    ),
  );
}

/**
 * telemetrygen's arguments for `signal` to the OTLP/gRPC port `port` for STEP_S: `rate` in total
 * (0: as fast as it can) over `workers`, failed exports counted rather than fatal, a span per
 * trace (so the rate is spans/s) and each metric point its own series.
 */
function telemetrygenArgs(o: {
  signal: string;
  port: number;
  service: string;
  workers: number;
  rate: number;
}): string[] {
  return [
    o.signal,
    ...["--otlp-endpoint", `127.0.0.1:${o.port}`, "--otlp-insecure", "--service", o.service],
    ...["--workers", String(o.workers), "--rate", String(o.rate / o.workers), "--duration", `${STEP_S}s`],
    "--allow-export-failures",
    ...(o.signal === "traces" ? ["--child-spans", "0"] : []),
    // Each point its own series, so points at the same millisecond are not duplicates.
    ...(o.signal === "metrics" ? ["--unique-timeseries"] : []),
  ];
}

/** telemetrygen sending spans as fast as it can for STEP_S (2 workers, a span per trace); its CPU seconds. */
const unthrottled = (telemetrygen: string, port: number, service: string) =>
  withCpuTime(
    telemetrygen,
    telemetrygenArgs({ signal: "traces", port, service, workers: 2, rate: 0 }),
    (STEP_S + 120) * 1000,
  );

/** Waits until `host`'s collector has no queued spans and its batch timeout has passed. */
async function drained(host: string, exporter: string) {
  let after = await collectorCounts("traces", host, exporter);
  for (let i = 0; i < 60 && after.queue > 0; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    after = await collectorCounts("traces", host, exporter);
  }
  await new Promise((r) => setTimeout(r, 12_000));
  return collectorCounts("traces", host, exporter);
}

/**
 * The stack's zero-loss rate against the collector-only ceiling (tools/bench/ceiling.ts), both
 * driven by the same unthrottled telemetrygen in this run, one after the other.
 */
async function ceilingStep(telemetrygen: string, jaegerWritten: () => Promise<number>): Promise<string> {
  const alone = names("ceiling");
  progress(`ceiling: the collector alone (debug exporter), unthrottled for ${STEP_S}s`);
  await startCeiling(names("otel"), `${domain}-observability-network`, alone, CEILING_PORT);
  let ceiling: { rate: number; refused: number; genCpu: number; cpu: Record<string, number> };
  try {
    for (let i = 0; ; i++) {
      const ok = await scrape(alone, 8888).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (i > 30) throw new Error(`${alone} does not answer on :8888`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const before = await collectorCounts("traces", alone, "debug");
    const { value: genCpu, cpu } = await cpuDuring([alone], unthrottled(telemetrygen, CEILING_PORT, "load-ceiling"));
    const after = await drained(alone, "debug");
    ceiling = {
      rate: (after.accepted - before.accepted) / STEP_S,
      refused: after.refused - before.refused,
      genCpu,
      cpu,
    };
  } finally {
    await run("docker", ["rm", "-f", alone]).catch(() => undefined);
  }

  progress(`ceiling: the stack, unthrottled for ${STEP_S}s`);
  const before = await collectorCounts("traces");
  const jBefore = await jaegerWritten();
  const parts = ["otel", "jaeger", "prometheus"].map(names);
  const { value: genCpu, cpu } = await cpuDuring(parts, unthrottled(telemetrygen, ports.otlpGrpc, "load-unthrottled"));
  const after = await drained(names("otel"), EXPORTER.traces);
  const accepted = after.accepted - before.accepted;
  const refused = after.refused - before.refused;
  const failed = after.failed - before.failed;
  const stored = (await jaegerWritten()) - jBefore;
  const lost = refused + failed + Math.max(0, accepted - stored);
  const rate = accepted / STEP_S;
  const pct = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(0)} %`);
  const cores = (genCpu / STEP_S) * 100;
  return [
    `Throughput ceiling (traces, telemetrygen unthrottled, 2 workers, a span per trace, ${STEP_S} s each, one after the other)`,
    table(
      [
        "target",
        "spans/s accepted",
        "refused",
        "lost on the way",
        "CPU telemetrygen",
        "CPU collector",
        "CPU jaeger",
        "CPU prometheus",
      ],
      [
        [
          "collector alone (debug exporter)",
          ceiling.rate.toFixed(0),
          String(ceiling.refused),
          "-",
          pct((ceiling.genCpu / STEP_S) * 100),
          pct(ceiling.cpu[alone]),
          "-",
          "-",
        ],
        [
          "the stack (collector → Jaeger)",
          rate.toFixed(0),
          String(refused),
          String(lost - refused),
          pct(cores),
          pct(cpu[names("otel")]),
          pct(cpu[names("jaeger")]),
          pct(cpu[names("prometheus")]),
        ],
      ],
    ),
    lost === 0
      ? `the stack's zero-loss rate: ${rate.toFixed(0)} spans/s = ${(rate / ceiling.rate).toFixed(2)} of the collector-only ceiling (${ceiling.rate.toFixed(0)} spans/s); ` +
        `Jaeger stored ${stored} of ${accepted} accepted`
      : `the stack LOST ${lost} spans unthrottled (refused ${refused}, failed ${failed}, Jaeger stored ${stored} of ${accepted}); ` +
        `its unthrottled rate ${rate.toFixed(0)} spans/s is ${(rate / ceiling.rate).toFixed(2)} of the ceiling (${ceiling.rate.toFixed(0)} spans/s), not a zero-loss rate`,
    "CPU: % of one core, averaged over docker stats samples during the run (telemetrygen: its own CPU time over the run)",
  ].join("\n");
}

/** Drives the collector past its memory_limiter (see the header); returns the printed report. */
async function overloadStep(stack: Stack, telemetrygen: string): Promise<string> {
  progress(`overload: memory_limiter ${OVERLOAD_LIMIT_MIB} MiB, memory queues, Jaeger stopped, unthrottled`);
  await stack.setConfig("scaibu-observability:collector", {
    value: JSON.stringify({ memoryLimitMib: OVERLOAD_LIMIT_MIB, persistentQueue: false, queueBatches: 1_000_000 }),
  });
  // The memory queues drop the queue volume; the data-loss guard refuses that unless it is named.
  await stack.setConfig("scaibu-observability:acceptDataLoss", { value: JSON.stringify([`${domain}-otel-queue`]) });
  await stack.up({ onOutput: () => undefined });
  const before = await collectorCounts("traces");
  await run("docker", ["stop", names("jaeger")]);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(
        peak,
        ((await memory().catch(() => ({}))) as Record<string, { usedMiB: number }>)[names("otel")]?.usedMiB ?? 0,
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const big = "x".repeat(1024);
  const logFile = join(tmpdir(), `scaibu-overload-${process.pid}.log`);
  try {
    await run(
      telemetrygen,
      [
        ...telemetrygenArgs({ signal: "traces", port: ports.otlpGrpc, service: "load-overload", workers: 4, rate: 0 }),
        ...["--otlp-attributes", `big="${big}"`],
      ],
      { timeoutMs: (STEP_S + 180) * 1000, logFile },
    );
  } catch (e) {
    progress(`telemetrygen: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
  } finally {
    sampling = false;
    await sampler;
    await run("docker", ["start", names("jaeger")]);
  }
  const after = await collectorCounts("traces");
  const limit = (await memory())[names("otel")]?.limitMiB ?? 0;
  const r = (await restarts())[names("otel")] ?? "?";
  const output = readFileSync(logFile, "utf8");
  rmSync(logFile, { force: true });
  const refusals = (output.match(/Unavailable|UNAVAILABLE|ResourceExhausted|RESOURCE_EXHAUSTED|data refused/g) ?? [])
    .length;
  return [
    `Overload: memory_limiter at ${OVERLOAD_LIMIT_MIB} MiB, queues in memory, Jaeger stopped, telemetrygen unthrottled (4 workers, 1 KiB attribute per span), ${STEP_S} s`,
    table(
      [
        "accepted",
        "refused (memory_limiter)",
        "collector peak MiB/limit",
        "collector restarts OOM-killed",
        "refusals telemetrygen logged",
      ],
      [
        [
          String(after.accepted - before.accepted),
          String(after.refused - before.refused),
          `${peak.toFixed(0)}/${limit.toFixed(0)}`,
          r,
          String(refusals),
        ],
      ],
    ),
  ].join("\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:load FAILED: ${String(e)}\n`);
  process.exit(1);
});
