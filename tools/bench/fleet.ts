/**
 * `npm run bench:fleet`: what a swarm's node agents (and each node's Docker API proxy, which
 * docker_stats reads the node through) cost each node, and what each node adds to the gateway.
 * Prints figures; it asserts nothing.
 *
 * On a 3-node swarm built here (tests/swarm/harness.sh), with the backends on node 1, and on every
 * node that takes part a container writing FLEET_BENCH_LOG_RATE log lines a second (default 100;
 * 0 for an idle stack), which the agents ship to the gateway:
 *   1. the baseline, in the same run: fleet.mode single on node 1, the collector (which reads
 *      its host) and the log agent;
 *   2. fleet.mode swarm with node 1 alone, then after node 2 and node 3 join: the gateway (the
 *      collector) and both agents and the proxy of every node.
 * Each step settles, then reads the Docker stats API over FLEET_BENCH_WINDOW_S seconds (default
 * 60): CPU in millicores, memory median and peak. One run; this machine is noisy and all three
 * nodes share its 2 cores, so read the ratios, not the absolutes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  e2eWorkspace,
  image,
  movedTo,
  repo,
  SWARM_MANAGER_IMAGES,
  SWARM_STACK_SERVICES,
} from "@scaibu/observability-devkit";
import { NODE_AGENT_KINDS, nodeServiceName } from "../../configs/fleet";
import { measureCosts, mib, type Cost } from "./container-cost";
import { run } from "./exec";
import { destroyThrowaway, prepareToolchain } from "./throwaway";
import { median, table } from "./stats";

const WINDOW_S = Number(process.env.FLEET_BENCH_WINDOW_S ?? 60);
const SETTLE_S = 30;
const domain = "fleetbench";
const harness = join(repo, "tests/swarm/harness.sh");
const socket = (k: number) => `/tmp/scaibu-swarm/node${k}/docker.sock`;
const progress = (m: string) => process.stderr.write(`[bench:fleet] ${m}\n`);
const swarm = (...args: string[]) => run("bash", [harness, ...args], { passStderr: true });
const dk = (k: number, ...args: string[]) => run("docker", ["-H", `unix://${socket(k)}`, ...args]);
const settle = () => new Promise((r) => setTimeout(r, SETTLE_S * 1000));
/** What runs on every node: the two agents and the node's Docker API proxy. */
const perNode = [...NODE_AGENT_KINDS, "api" as const].map((part) => nodeServiceName(domain, part));
const LOG_RATE = Number(process.env.FLEET_BENCH_LOG_RATE ?? 100);

/** A container on node `k` writing LOG_RATE lines a second to its json log (busybox of the Prometheus image). */
async function startLogger(k: number): Promise<void> {
  if (!LOG_RATE) return;
  const loop = `while :; do seq 1 ${LOG_RATE} | sed 's/^/fleet bench line /'; sleep 1; done`;
  await dk(k, "run", "-d", "--name", "fleetbench-logger", "--entrypoint", "sh", image("prometheus"), "-c", loop);
}

/** The running task container of `service` on node `k`, once there is one. */
async function task(k: number, service: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const id = (await dk(k, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`)).trim();
    if (id) return id.split("\n")[0]!;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`no task of ${service} on node ${k} within 120 s`);
}

interface Step {
  name: string;
  gateway: Cost;
  /** Per node: the metrics and logs agents' and the proxy's costs added together. */
  agents: Cost[];
}

async function measureSwarm(name: string, nodes: number[]): Promise<Step> {
  const targets = [{ socket: socket(1), name: `${domain}.otel` }];
  for (const k of nodes) for (const svc of perNode) targets.push({ socket: socket(k), name: await task(k, svc) });
  progress(`${name}: settling ${SETTLE_S}s, then measuring ${WINDOW_S}s`);
  await settle();
  const [gateway, ...rest] = await measureCosts(targets, WINDOW_S);
  const sums = nodes.map((_, i) =>
    rest.slice(perNode.length * i, perNode.length * (i + 1)).reduce((a, c) => ({
      millicores: a.millicores + c.millicores,
      memMedian: a.memMedian + c.memMedian,
      memPeak: a.memPeak + c.memPeak,
    })),
  );
  return { name, gateway: gateway!, agents: sums };
}

async function main(): Promise<void> {
  await prepareToolchain();
  await swarm("stop");
  await swarm("start", "1", "2", "3");
  await swarm("init");
  await swarm("load", "1", ...SWARM_MANAGER_IMAGES);
  for (const k of ["2", "3"])
    await swarm("load", k, image("otel-collector"), image("prometheus"), image("socket-proxy"));

  const state = mkdtempSync(join(tmpdir(), "scaibu-fleetbench-"));
  const base = {
    ...movedTo(domain, { http: 38080, https: 38443, otlpGrpc: 38317, otlpHttp: 38318 }, "172.16.142.0/24"),
    consumerHosts: [],
    alerting: {},
    storage: { meter: false },
    services: SWARM_STACK_SERVICES,
  };
  let stack: Stack | undefined;
  let single: Cost[] = [];
  const steps: Step[] = [];
  try {
    stack = await e2eWorkspace(`fleetbench-${process.pid}`, state, { ...base, fleet: { mode: "single" } });
    await stack.setConfig("docker:host", { value: `unix://${socket(1)}` });
    progress("single host: up");
    await stack.up({ onOutput: () => undefined });
    await startLogger(1);
    progress(`single host: settling ${SETTLE_S}s, then measuring ${WINDOW_S}s`);
    await settle();
    single = await measureCosts(
      [`${domain}.otel`, `${domain}.otel-logs`].map((name) => ({ socket: socket(1), name })),
      WINDOW_S,
    );
    await stack.setConfig("scaibu-observability:fleet", {
      value: JSON.stringify({ mode: "swarm", encryptOverlay: false }),
    });
    progress("swarm, node 1: up");
    await stack.up({ onOutput: () => undefined });
    steps.push(await measureSwarm("1 node", [1]));
    for (const k of [2, 3]) {
      await swarm("join", String(k));
      await startLogger(k);
      steps.push(
        await measureSwarm(
          `${k} nodes`,
          Array.from({ length: k }, (_, i) => i + 1),
        ),
      );
    }
  } finally {
    for (const k of [1, 2, 3]) await dk(k, "rm", "-fv", "fleetbench-logger").catch(() => undefined);
    await destroyThrowaway(stack, state, progress);
    await swarm("stop").catch((e: unknown) => progress(`stop: ${String(e)}`));
  }

  const [collector, logAgent] = single;
  const baseline = collector!.millicores + logAgent!.millicores;
  const mc = (x: number) => `${x.toFixed(1)} mc`;
  const first = steps[0]!.gateway;
  process.stdout.write(
    `Fleet cost, ${LOG_RATE ? `${LOG_RATE} log lines/s from a container on every node` : "idle stack"}, ` +
      `${WINDOW_S}s per step, one run (mc: millicores; memory median):\n\n` +
      `Baseline (same run): one host, fleet.mode single: collector ${mc(collector!.millicores)}, ` +
      `${mib(collector!.memMedian)}; log agent ${mc(logAgent!.millicores)}, ${mib(logAgent!.memMedian)}; ` +
      `together ${mc(baseline)}.\n\n` +
      table(
        [
          "swarm",
          "gateway CPU",
          "gateway memory",
          "gateway CPU added per node beyond the first",
          "agents + proxy per node: CPU (median)",
          "× single-host collector + log agent",
          "agents + proxy per node: memory (median)",
        ],
        steps.map((s, i) => {
          const agentCpu = median(s.agents.map((a) => a.millicores));
          return [
            s.name,
            mc(s.gateway.millicores),
            mib(s.gateway.memMedian),
            i === 0 ? "-" : mc((s.gateway.millicores - first.millicores) / i),
            mc(agentCpu),
            `${(agentCpu / baseline).toFixed(2)}×`,
            mib(median(s.agents.map((a) => a.memMedian))),
          ];
        }),
      ) +
      "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
