/**
 * `npm run bench:host`: what host and container metrics cost the collector. Prints figures; it
 * asserts nothing.
 *
 * It deploys a throwaway stack (the e2e one, moved to domain `hostcost`, its own ports and subnet)
 * with both receivers off, then updates it to each variant below, and for each one lets the idle
 * stack settle and reads, over HOST_BENCH_WINDOW_S seconds, from the Docker stats API:
 *   - the collector's CPU (cgroup CPU time over wall time, in millicores);
 *   - its memory (usage without page cache, as `docker stats` shows it), median and peak.
 * Each variant is reported beside the baseline (receivers off) measured in the same run, as a
 * ratio, because this machine is noisy. Everything it deployed is destroyed at the end.
 *
 * Environment: HOST_BENCH_WINDOW_S seconds per variant (default 120).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2eWorkspace, movedTo } from "@scaibu/observability-devkit";
import { measureCosts, mib } from "./container-cost";
import { destroyThrowaway, prepareToolchain } from "./throwaway";
import { table } from "./stats";

const WINDOW_S = Number(process.env.HOST_BENCH_WINDOW_S ?? 120);
const SETTLE_S = 30;
const domain = "hostcost";
const ports = { http: 39080, https: 39443, otlpGrpc: 39317, otlpHttp: 39318 };
const collector = `${domain}.otel`;
const progress = (m: string) => process.stderr.write(`[bench:host] ${m}\n`);

const VARIANTS: { name: string; hostMetrics: Record<string, unknown> }[] = [
  { name: "receivers off (baseline)", hostMetrics: { enabled: false, containers: false } },
  { name: "host_metrics + docker_stats, every 30 s (default)", hostMetrics: {} },
  { name: "host_metrics + docker_stats, every 10 s", hostMetrics: { intervalSeconds: 10 } },
];

const measure = async () => (await measureCosts([{ socket: "/var/run/docker.sock", name: collector }], WINDOW_S))[0]!;

async function main(): Promise<void> {
  await prepareToolchain();

  const state = mkdtempSync(join(tmpdir(), "scaibu-hostcost-"));
  const base = { ...movedTo(domain, ports, "172.16.141.0/24"), consumerHosts: [] };
  let stack: Stack | undefined;
  const results: { name: string; millicores: number; memMedian: number; memPeak: number }[] = [];
  try {
    for (const v of VARIANTS) {
      stack = await e2eWorkspace(`hostcost-${process.pid}`, state, { ...base, hostMetrics: v.hostMetrics });
      progress(`${v.name}: up`);
      await stack.up({ onOutput: () => undefined });
      progress(`${v.name}: settling ${SETTLE_S}s, then measuring ${WINDOW_S}s`);
      await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
      results.push({ name: v.name, ...(await measure()) });
    }
  } finally {
    await destroyThrowaway(stack, state, progress);
  }
  const [baseline] = results;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  process.stdout.write(
    `Collector cost of host and container metrics, idle stack, ${WINDOW_S}s per variant (one run):\n\n` +
      table(
        ["variant", "collector CPU", "× baseline", "memory median (peak)", "× baseline"],
        results.map((r) => [
          r.name,
          `${r.millicores.toFixed(1)} millicores`,
          x(r.millicores, baseline!.millicores),
          `${mib(r.memMedian)} (${mib(r.memPeak)})`,
          x(r.memMedian, baseline!.memMedian),
        ]),
      ) +
      "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
