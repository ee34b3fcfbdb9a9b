/**
 * `npm run bench`: how long Pulumi takes to deploy, re-apply and tear down this stack, against a
 * plain Docker Compose baseline of the very same containers, measured in one run on one machine.
 *
 *   BENCH_RUNS=3 npm run bench
 *
 * Each run (iteration) measures both tools back to back, alternating which goes first:
 *   Pulumi : cold `up` of a fresh throwaway stack (returns once every container is healthy:
 *            the containers use `wait: true`; checked again with `docker inspect`), a no-op
 *            `preview`, a no-op `up`, then `destroy`.
 *   Compose: `docker compose up -d --wait` (cold), the same again (no-op), then `down -v`.
 * The compose file is generated from what the first Pulumi `up` really deployed (see
 * tools/bench/compose-baseline.ts), and the compose containers are diffed against the Pulumi
 * ones, so both sides start the same images with the same config, healthchecks, limits, ports,
 * networks and volumes, in the same order (Pulumi's container dependencies become `depends_on:
 * service_healthy`). The machine is noisy: the ratios pulumi/compose of the same run are the
 * numbers to quote, not the absolute seconds.
 *
 * The stack is the e2e one (tests/e2e/stack-config.ts: local images, loopback) moved to its own
 * domain, ports, networks and subnet, so a benchmark never collides with an e2e run.
 * Prints a table on stdout (progress on stderr) and writes bench-results.json, the generated
 * compose file and logs to a temp dir printed at the end. Everything it created is removed,
 * also on failure or Ctrl-C.
 *
 * Environment:
 *   BENCH_RUNS            iterations (default 3)
 *   BENCH_DOMAIN          domain / name prefix of the benchmark stack (default "bench";
 *                         "e2e" uses tests/e2e/stack-config.ts unchanged)
 *   BENCH_SUBNET          subnet of its observability network (default: the first free one of
 *                         172.16.{29,129,229}.0/24, outside Docker's default address pools)
 *   BENCH_PORTS           http,https,otlpGrpc,otlpHttp host ports (default 28080,28443,24317,24318)
 *   BENCH_OP_TIMEOUT_S    limit for one pulumi/compose operation (default 1200)
 *   BENCH_KEEP_GOING=1    still time the runs when the compose containers differ from Pulumi's
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent, OpMap, Stack } from "@pulumi/pulumi/automation";
import { STACK_LABEL } from "@scaibu/observability-routing";
import {
  config,
  containerNames,
  domain as e2eDomain,
  e2eWorkspace,
  image,
  IMAGE_SERVICES,
  movedTo,
  project,
  repo,
} from "@scaibu/observability-devkit";
import {
  buildCompose,
  compareDeployments,
  copyUploads,
  labelled,
  Snapshot,
  snapshot,
  VOLUME_OWNER_SUFFIX,
  writeCompose,
} from "./compose-baseline";
import type { ContainerInspect, NetworkInspect } from "./docker-types";
import { lines, run, RunOptions, timed } from "./exec";
import { criticalPath, formatPath, type PathEntry, type StepTime } from "./critical-path";
import { floorStack } from "./floor";
import { StateContainer, stackContainers } from "./pulumi-state";
import { cell, ratio, ratioCell, summarize, Summary, table } from "./stats";
import { slowestToHealthy } from "./time-to-healthy";

// --- settings -----------------------------------------------------------------------

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const RUNS = positiveInt("BENCH_RUNS", 3);
const OP_TIMEOUT_MS = positiveInt("BENCH_OP_TIMEOUT_S", 1200) * 1000;
const KEEP_GOING = process.env.BENCH_KEEP_GOING === "1";
const benchDomain = process.env.BENCH_DOMAIN || "bench";
const isolated = benchDomain !== e2eDomain;

interface NetworkConfig {
  name: string;
  subnet?: string;
}

/** The e2e stack config, moved to the benchmark's own domain, ports, networks and `subnet`. */
function benchOverrides(subnet: string): Record<string, unknown> {
  if (!isolated) return {};
  const [http, https, otlpGrpc, otlpHttp] = (process.env.BENCH_PORTS || "28080,28443,24317,24318")
    .split(",")
    .map(Number);
  if (![http, https, otlpGrpc, otlpHttp].every((p) => Number.isInteger(p) && p! > 0 && p! < 65536)) {
    throw new Error(`BENCH_PORTS must be four ports "http,https,otlpGrpc,otlpHttp"`);
  }
  return movedTo(benchDomain, { http: http!, https: https!, otlpGrpc: otlpGrpc!, otlpHttp: otlpHttp! }, subnet);
}

// Set by configure() once the engine's networks are known.
let overrides: Record<string, unknown> = {};
let benchConfig: Record<string, unknown> = config;
let pinnedSubnets: Record<string, string> = {};

function configure(subnet: string): void {
  overrides = benchOverrides(subnet);
  benchConfig = { ...config, ...overrides };
  pinnedSubnets = Object.fromEntries(
    Object.values(benchConfig.networks as Record<string, NetworkConfig>)
      .filter((n) => n.subnet)
      .map((n) => [n.name, n.subnet!]),
  );
}

/** [first, last] IPv4 address of a CIDR block as numbers; undefined for IPv6. */
function ipv4Range(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const ip = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(m[5]));
  const first = ip - (ip % size);
  return [first, first + size - 1];
}

/**
 * A subnet for the benchmark's pinned network that no existing network overlaps. The defaults lie
 * outside Docker's default address pools (172.17-31.0.0/16, 192.168.0.0/16), so networks Docker
 * numbers itself (the stack's other four, other people's) can never take it mid-run.
 */
async function chooseSubnet(): Promise<string> {
  const ids = await lines("docker", ["network", "ls", "-q"]);
  const nets = JSON.parse(await run("docker", ["network", "inspect", ...ids])) as NetworkInspect[];
  const taken = nets.flatMap((n) => (n.IPAM.Config ?? []).map((c) => [n.Name, c.Subnet ?? ""] as const));
  const clash = (cidr: string) => {
    const r = ipv4Range(cidr);
    return taken.find(([, t]) => {
      const o = ipv4Range(t);
      return r && o && r[0] <= o[1] && o[0] <= r[1];
    });
  };
  const wanted = process.env.BENCH_SUBNET;
  if (wanted) {
    if (!ipv4Range(wanted)) throw new Error(`BENCH_SUBNET must be an IPv4 CIDR block, got "${wanted}"`);
    const c = clash(wanted);
    if (c) throw new Error(`BENCH_SUBNET ${wanted} overlaps network ${c[0]} (${c[1]})`);
    return wanted;
  }
  const free = ["172.16.29.0/24", "172.16.129.0/24", "172.16.229.0/24"].find((s) => !clash(s));
  if (!free) throw new Error("no free subnet for the benchmark's network: set BENCH_SUBNET");
  return free;
}

// The e2e stack's containers (devkit containerNames), under the benchmark's domain.
const expectedContainers = containerNames.map((n) => n.replace(/^[^.]+\./, `${benchDomain}.`));

// --- output, logs, cleanup bookkeeping ----------------------------------------------------

const outDir = mkdtempSync(join(tmpdir(), "scaibu-bench-"));
const logFile = join(outDir, "bench.log");
const composeDir = join(outDir, "compose");
const filesDir = join(composeDir, "files");
const composeFile = join(composeDir, "compose.yaml");
const t0 = Date.now();
const progress = (msg: string) =>
  process.stderr.write(`[bench +${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s] ${msg}\n`);
const log = (s: string) => appendFileSync(logFile, s);
const cmdOpts = (extra: RunOptions = {}): RunOptions => ({ logFile, timeoutMs: OP_TIMEOUT_MS, ...extra });

interface StackEntry {
  name: string;
  label: string;
  state: string;
  stack?: Stack;
  destroyed: boolean;
}
const created = { stacks: [] as StackEntry[], composeProjects: [] as string[], anonymousVolumes: new Set<string>() };
const aborter = new AbortController();
/** Set by SIGINT/SIGTERM/SIGHUP: the running operation is cancelled and no new one starts. */
let interrupted = false;
/** The signal for one pulumi/compose operation; throws once the benchmark is interrupted. */
function opSignal(): AbortSignal {
  if (aborter.signal.aborted) throw new Error("interrupted");
  return AbortSignal.any([aborter.signal, AbortSignal.timeout(OP_TIMEOUT_MS)]);
}
const warnings: string[] = [];
const warn = (msg: string) => {
  warnings.push(msg);
  progress(`WARNING: ${msg}`);
};

let cleaning: Promise<void> | undefined;
/**
 * Removes every stack, container, network and volume this run created; safe to call twice.
 * `pulumi destroy` first unless interrupted, then whatever is still labelled as ours.
 */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const s of created.stacks) {
      if (s.stack && !s.destroyed && !interrupted) {
        progress(`cleanup: pulumi destroy ${s.name}`);
        try {
          await s.stack.destroy({ onOutput: log, signal: AbortSignal.timeout(OP_TIMEOUT_MS) });
          s.destroyed = true;
        } catch (err) {
          progress(`cleanup: destroy of ${s.name} failed (removing its Docker objects directly): ${brief(err)}`);
        }
      }
    }
    const filters = [
      ...created.stacks.map((s) => `${STACK_LABEL}=${s.label}`),
      ...created.composeProjects.map((p) => `com.docker.compose.project=${p}`),
    ];
    for (const kind of ["container", "network", "volume"] as const) {
      for (const filter of filters) {
        try {
          const ids = await labelled(kind, filter, { logFile });
          if (ids.length === 0) continue;
          progress(`cleanup: removing ${ids.length} ${kind}(s) labelled ${filter}`);
          const rm =
            kind === "container" ? ["rm", "-f", "-v"] : kind === "network" ? ["network", "rm"] : ["volume", "rm", "-f"];
          await run("docker", [...rm, ...ids], { logFile });
        } catch (err) {
          progress(`cleanup: could not remove ${kind}s labelled ${filter}: ${String(err)}`);
        }
      }
    }
    await removeAnonymousVolumes();
    for (const s of created.stacks) rmSync(s.state, { recursive: true, force: true });
  })();
  return cleaning;
}

// On a signal, cancel the running operation (pulumi gets SIGINT and stops cleanly) and let the
// main flow clean up once it has returned, so nothing is created after the sweep. A second
// signal, or a cancel that hangs, cleans up at once.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    const now = () => void cleanup().finally(() => process.exit(130));
    if (interrupted) {
      progress(`${sig} again: cleaning up now`);
      return now();
    }
    interrupted = true;
    progress(`${sig}: cancelling the running operation, then cleaning up (logs in ${outDir})`);
    aborter.abort();
    setTimeout(now, 120_000).unref();
  });
}

/** The images' anonymous VOLUMEs carry no label: remove any that outlived their container. */
async function removeAnonymousVolumes(): Promise<string[]> {
  const existing = new Set(await lines("docker", ["volume", "ls", "-q"]));
  const left = [...created.anonymousVolumes].filter((v) => existing.has(v));
  if (left.length) await run("docker", ["volume", "rm", "-f", ...left], { logFile }).catch(() => undefined);
  return left;
}

// --- checks ----------------------------------------------------------------------------

async function containersOf(filter: string): Promise<ContainerInspect[]> {
  const ids = await labelled("container", filter, { logFile });
  const all = ids.length ? (JSON.parse(await run("docker", ["inspect", ...ids])) as ContainerInspect[]) : [];
  return all.filter((c) => !c.Name.endsWith(VOLUME_OWNER_SUFFIX));
}

/**
 * Every expected container exists, runs and reports healthy (`docker inspect`). Records the
 * slowest one's own time to healthy in `slowest`, when Docker's health log still shows it.
 */
async function assertHealthy(filter: string, who: string, slowest?: number[]): Promise<void> {
  const cs = await containersOf(filter);
  const names = cs.map((c) => c.Name.replace(/^\//, "")).sort();
  if (JSON.stringify(names) !== JSON.stringify([...expectedContainers].sort())) {
    throw new Error(
      `${who}: expected containers ${expectedContainers.join(", ")}, found ${names.join(", ") || "none"}`,
    );
  }
  for (const c of cs) {
    for (const m of c.Mounts)
      if (m.Type === "volume" && m.Name && /^[0-9a-f]{64}$/.test(m.Name)) created.anonymousVolumes.add(m.Name);
  }
  const bad = cs.filter((c) => c.State.Status !== "running" || c.State.Health?.Status !== "healthy");
  if (bad.length) {
    const states = bad.map(
      (c) => `${c.Name.slice(1)}: ${c.State.Status}/${c.State.Health?.Status ?? "no healthcheck"}`,
    );
    throw new Error(`${who}: not every container is healthy: ${states.join("; ")}`);
  }
  if (slowest) {
    const s = slowestToHealthy(cs);
    if (s) {
      slowest.push(s.seconds);
      slowestNames.add(s.name);
    } else warn(`${who}: a container's first passing probe is no longer in Docker's health log`);
  }
}
const slowestNames = new Set<string>();

async function assertGone(filter: string, who: string): Promise<void> {
  for (const kind of ["container", "network", "volume"] as const) {
    const left = await labelled(kind, filter, { logFile });
    if (left.length) throw new Error(`${who}: ${left.length} ${kind}(s) labelled ${filter} left behind`);
  }
  const anonymous = await removeAnonymousVolumes();
  if (anonymous.length) warn(`${who}: left ${anonymous.length} anonymous volume(s) behind (removed)`);
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function preflight(): Promise<void> {
  for (const svc of IMAGE_SERVICES) {
    try {
      await run("docker", ["image", "inspect", "--format", "{{.Id}}", image(svc)]);
    } catch {
      throw new Error(
        `image ${image(svc)} is missing: build the local images first (bash toolchain/images/build-all.sh)`,
      );
    }
  }
  const clash = [
    ...(await lines("docker", ["ps", "-a", "--format", "{{.Names}}"])).filter((n) => expectedContainers.includes(n)),
    ...(await lines("docker", ["network", "ls", "--format", "{{.Name}}"])).filter((n) =>
      Object.values(benchConfig.networks as Record<string, NetworkConfig>).some((x) => x.name === n),
    ),
    ...(await lines("docker", ["volume", "ls", "--format", "{{.Name}}"])).filter((n) =>
      n.startsWith(`${benchDomain}-`),
    ),
  ];
  if (clash.length) {
    throw new Error(
      `Docker objects with the benchmark's names already exist (another benchmark running, or left over ` +
        `from a killed one?): ${clash.join(", ")}. Remove them (docker rm -f / network rm / volume rm) and retry.`,
    );
  }
  const bind = benchConfig.bindAddress as string;
  for (const port of Object.values(benchConfig.ports as Record<string, number>)) {
    if (!(await portFree(port, bind))) throw new Error(`port ${bind}:${port} is in use (set BENCH_PORTS)`);
  }
}

// --- the two sides -----------------------------------------------------------------------

const changes = (m: OpMap | undefined) =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0));

interface Baseline {
  source: string;
  snapshot: Snapshot;
}
let baseline: Baseline | undefined;
let equivalence: { checked: boolean; differences: string[] } = { checked: false, differences: [] };

const samples = {
  pulumi: {
    init: [] as number[],
    coldUp: [] as number[],
    noopPreview: [] as number[],
    noopUp: [] as number[],
    destroy: [] as number[],
    /** Per cold up: the slowest container's own time from start to healthy. */
    slowestHealthy: [] as number[],
  },
  compose: { coldUp: [] as number[], noopUp: [] as number[], down: [] as number[], slowestHealthy: [] as number[] },
  /** `pulumi preview` of an empty Node program, right after the stack's no-op up. */
  floor: { preview: [] as number[] },
};
let floor: Stack | undefined;
/** Per cold up: its critical path (tools/bench/critical-path.ts). */
const coldUpPaths: { seconds: number; path: PathEntry[] }[] = [];

/**
 * Records when each resource step starts and ends, as its engine events arrive (the Automation
 * API streams them from Pulumi's event log while the operation runs), and builds the critical
 * path from those times and the dependencies in the state afterwards.
 */
function stepRecorder() {
  const t = Date.now();
  const times = new Map<string, { start?: number; end?: number }>();
  const at = (urn: string) => times.get(urn) ?? times.set(urn, {}).get(urn)!;
  return {
    onEvent(e: EngineEvent) {
      const now = (Date.now() - t) / 1000;
      const pre = e.resourcePreEvent?.metadata;
      if (pre && pre.op !== "same") at(pre.urn).start ??= now;
      const out = e.resOutputsEvent?.metadata;
      if (out && out.op !== "same") at(out.urn).end = now;
    },
    async path(stack: Stack): Promise<PathEntry[]> {
      const state = (await stack.exportStack()).deployment as {
        resources?: { urn: string; type: string; dependencies?: string[]; custom?: boolean }[];
      };
      const custom = (state.resources ?? []).filter((r) => r.custom !== false && !r.type.startsWith("pulumi:"));
      const deps = Object.fromEntries(custom.map((r) => [r.urn, r.dependencies ?? []]));
      const steps: StepTime[] = custom.flatMap((r) => {
        const x = times.get(r.urn);
        return x?.start !== undefined && x.end !== undefined ? [{ urn: r.urn, start: x.start, end: x.end }] : [];
      });
      return criticalPath(steps, deps);
    },
  };
}

async function pulumiRun(i: number): Promise<void> {
  const name = `bench-${process.pid}-${i}`;
  const entry: StackEntry = {
    name,
    label: `${project}/${name}`,
    state: mkdtempSync(join(tmpdir(), "scaibu-bench-state-")),
    destroyed: false,
  };
  created.stacks.push(entry);
  const filter = `${STACK_LABEL}=${entry.label}`;
  const tag = `[run ${i}/${RUNS}] pulumi`;

  progress(`${tag}: new stack ${name} (workspace + config)`);
  const init = await timed(() => e2eWorkspace(name, entry.state, overrides));
  const stack = (entry.stack = init.value);
  samples.pulumi.init.push(init.seconds);

  progress(`${tag}: cold up...`);
  const steps = stepRecorder();
  const up = await timed(() => stack.up({ onOutput: log, onEvent: steps.onEvent, signal: opSignal() }));
  if (up.value.summary.result !== "succeeded") throw new Error(`${tag}: up ended ${up.value.summary.result}`);
  await assertHealthy(filter, `${tag} up`, samples.pulumi.slowestHealthy);
  samples.pulumi.coldUp.push(up.seconds);
  coldUpPaths.push({ seconds: up.seconds, path: await steps.path(stack) });
  progress(`${tag}: cold up ${up.seconds.toFixed(1)}s, all ${expectedContainers.length} containers healthy`);

  if (!baseline) {
    progress(`${tag}: generating the compose baseline from the running stack`);
    const containers = await stackContainers(stack);
    const pick = <K extends keyof StateContainer>(k: K) =>
      Object.fromEntries(Object.entries(containers).map(([n, c]) => [n, c[k]]));
    const uploads = pick("uploads");
    const dependsOn = pick("dependsOn");
    await copyUploads(uploads, filesDir, { logFile });
    const snap = await snapshot(filter, uploads, dependsOn, { logFile });
    const order = Object.entries(dependsOn).filter(([, d]) => d.length);
    progress(
      `${tag}: start order from Pulumi's dependencies: ${order.map(([n, d]) => `${n} after ${d.join(", ")}`).join("; ") || "none"}`,
    );
    writeCompose(composeFile, buildCompose(snap, filesDir, pinnedSubnets), `Pulumi stack ${name}`);
    writeFileSync(join(composeDir, "pulumi-inspect.json"), JSON.stringify(snap, null, 2), { mode: 0o600 });
    await run(
      composeCmd[0]!,
      [...composeCmd.slice(1), ...COMPOSE_FLAGS, "-f", composeFile, "config", "--quiet"],
      cmdOpts(),
    );
    baseline = { source: name, snapshot: snap };
    progress(`${tag}: compose file ${composeFile}`);
  }

  const pv = await timed(() => stack.preview({ onOutput: log, signal: opSignal() }));
  samples.pulumi.noopPreview.push(pv.seconds);
  const pvChanges = changes(pv.value.changeSummary);
  if (Object.keys(pvChanges).length) warn(`${tag}: the no-op preview wants changes: ${JSON.stringify(pvChanges)}`);
  progress(`${tag}: no-op preview ${pv.seconds.toFixed(1)}s`);

  const up2 = await timed(() => stack.up({ onOutput: log, signal: opSignal() }));
  samples.pulumi.noopUp.push(up2.seconds);
  const upChanges = changes(up2.value.summary.resourceChanges);
  if (Object.keys(upChanges).length) warn(`${tag}: the no-op up changed: ${JSON.stringify(upChanges)}`);
  progress(`${tag}: no-op up ${up2.seconds.toFixed(1)}s`);

  floor ??= await floorStack(join(outDir, "floor"), repo);
  const fl = await timed(() => floor!.preview({ onOutput: log, signal: opSignal() }));
  samples.floor.preview.push(fl.seconds);
  progress(`${tag}: empty-program preview (the floor) ${fl.seconds.toFixed(1)}s`);

  const down = await timed(() => stack.destroy({ onOutput: log, signal: opSignal() }));
  entry.destroyed = true;
  await assertGone(filter, `${tag} destroy`);
  samples.pulumi.destroy.push(down.seconds);
  progress(`${tag}: destroy ${down.seconds.toFixed(1)}s`);
  await stack.workspace.removeStack(name);
  rmSync(entry.state, { recursive: true, force: true });
}

let composeCmd: string[] = [];
// --all-resources: also create (and remove) the stack's networks that no container joins, as Pulumi does
const COMPOSE_FLAGS = ["--ansi", "never", "--all-resources"];
let composeVersion = "";

async function composeRun(i: number): Promise<void> {
  if (!baseline) throw new Error("no compose baseline yet (the first run must start with Pulumi)");
  const proj = `scaibu-bench-${process.pid}-${i}`;
  created.composeProjects.push(proj);
  const filter = `com.docker.compose.project=${proj}`;
  const tag = `[run ${i}/${RUNS}] compose`;
  const compose = (...args: string[]) =>
    run(
      composeCmd[0]!,
      [...composeCmd.slice(1), ...COMPOSE_FLAGS, "-p", proj, "-f", composeFile, ...args],
      cmdOpts({ signal: opSignal() }),
    );
  const upArgs = ["up", "-d", "--wait", "--wait-timeout", String(OP_TIMEOUT_MS / 1000)];

  progress(`${tag}: cold up -d --wait...`);
  const up = await timed(() => compose(...upArgs));
  await assertHealthy(filter, `${tag} up`, samples.compose.slowestHealthy);
  samples.compose.coldUp.push(up.seconds);
  progress(`${tag}: cold up ${up.seconds.toFixed(1)}s, all ${expectedContainers.length} containers healthy`);

  if (!equivalence.checked) {
    const snap = await snapshot(filter, {}, {}, { logFile });
    writeFileSync(join(composeDir, "compose-inspect.json"), JSON.stringify(snap, null, 2), { mode: 0o600 });
    const differences = compareDeployments(baseline.snapshot, snap, filesDir, pinnedSubnets);
    equivalence = { checked: true, differences };
    if (differences.length) {
      progress(`${tag}: compose containers differ from Pulumi's:\n  ${differences.join("\n  ")}`);
      if (!KEEP_GOING)
        throw new Error(`the compose baseline is not equivalent (${differences.length} differences above)`);
      warn(`compose baseline differs from Pulumi's deployment in ${differences.length} places (BENCH_KEEP_GOING=1)`);
    } else {
      progress(`${tag}: equivalence check passed (docker inspect of both deployments match)`);
    }
  }

  const noop = await timed(() => compose(...upArgs));
  samples.compose.noopUp.push(noop.seconds);
  progress(`${tag}: no-op up ${noop.seconds.toFixed(1)}s`);

  const down = await timed(() => compose("down", "-v", "--remove-orphans"));
  await assertGone(filter, `${tag} down`);
  samples.compose.down.push(down.seconds);
  progress(`${tag}: down -v ${down.seconds.toFixed(1)}s`);
}

// --- main ------------------------------------------------------------------------------

/** The critical path of the median cold up, as printed lines (with a blank line after). */
function criticalPathLines(): string[] {
  if (coldUpPaths.length === 0) return [];
  const sorted = [...coldUpPaths].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return [
    `critical path of the median cold up (${mid.seconds.toFixed(1)} s; step times as Pulumi's events arrived, ` +
      `dependencies from the state; the engine runs at most ${parallelSteps()} steps at once here):`,
    ...formatPath(mid.path, mid.seconds).map((l) => `  ${l}`),
    "",
  ];
}

/** Pulumi's default `--parallel`: PULUMI_PARALLEL, else 4 × the processors Go sees (pkg/cmd/pulumi/operations/up.go). */
function parallelSteps(): number {
  const p = Number(process.env.PULUMI_PARALLEL);
  return Number.isInteger(p) && p > 0 ? p : 4 * cpus().length;
}

const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";

/**
 * The part of an error worth printing: an Automation API error carries the whole `pulumi` output
 * (twice); keep its Diagnostics section. The full text goes to the log file.
 */
function brief(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  log(`\n--- error ---\n${err instanceof Error && err.stack ? err.stack : text}\n`);
  const diag = text.indexOf("Diagnostics:");
  if (diag >= 0) {
    const end = text.indexOf("\nResources:", diag);
    const first = text
      .split("\n", 1)[0]!
      .replace(/^code: .*/, "")
      .trim();
    const cmd = /Command failed with exit code \d+: [^\n]*/.exec(text)?.[0] ?? first;
    return `${cmd}\n${text.slice(diag, end > 0 ? end : undefined).trim()}`;
  }
  const lines = text.split("\n");
  return lines.length > 40
    ? [...lines.slice(0, 40), `... (${lines.length - 40} more lines in ${logFile})`].join("\n")
    : text;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadStart = loadavg();
  mkdirSync(filesDir, { recursive: true });
  progress(`${RUNS} run(s); logs and results in ${outDir}`);
  process.env.PULUMI_SKIP_UPDATE_CHECK = "true";
  process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK = "true";

  progress("toolchain: docker engine, pulumi, compose");
  await run("bash", [join(repo, "toolchain/docker-engine.sh")], { logFile, passStderr: true });
  const toolbin = lastLine(await run("bash", [join(repo, "toolchain/ensure-pulumi.sh")], { passStderr: true }));
  process.env.PATH = `${toolbin}:${process.env.PATH}`;
  const composeBin = lastLine(await run("bash", [join(repo, "toolchain/ensure-compose.sh")], { passStderr: true }));
  composeCmd = await run("docker", ["compose", "version", "--short"]).then(
    () => ["docker", "compose"],
    () => [composeBin],
  );
  composeVersion = (await run(composeCmd[0]!, [...composeCmd.slice(1), "version", "--short"])).trim();
  const pulumiVersion = (await run("pulumi", ["version"])).trim();
  const dockerVersion = (await run("docker", ["version", "--format", "{{.Server.Version}}"])).trim();
  progress(
    `pulumi ${pulumiVersion}, compose ${composeVersion} (${composeCmd.join(" ")}), docker engine ${dockerVersion}`,
  );

  if (isolated) {
    const subnet = await chooseSubnet();
    configure(subnet);
    progress(`stack: domain ${benchDomain}, subnet ${subnet}, ports ${JSON.stringify(benchConfig.ports)}`);
  }
  await preflight();

  let failure: unknown;
  try {
    for (let i = 1; i <= RUNS; i++) {
      // alternate who goes first (the first run must be Pulumi's: it yields the compose file)
      const order = i % 2 === 1 ? [pulumiRun, composeRun] : [composeRun, pulumiRun];
      for (const step of order) await step(i);
    }
  } catch (err) {
    failure = err;
  } finally {
    progress("cleaning up");
    await cleanup();
  }

  const failureText = failure === undefined ? undefined : brief(failure);
  const p = samples.pulumi;
  const c = samples.compose;
  const summary = {
    pulumi: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, summarize(v)])),
    compose: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, summarize(v)])),
    floor: { preview: summarize(samples.floor.preview) },
  };
  const ratios = {
    coldUp: ratio(p.coldUp, c.coldUp),
    noopUp: ratio(p.noopUp, c.noopUp),
    noopPreviewVsComposeNoopUp: ratio(p.noopPreview, c.noopUp),
    teardown: ratio(p.destroy, c.down),
    noopPreviewVsFloor: ratio(p.noopPreview, samples.floor.preview),
    noopUpVsFloor: ratio(p.noopUp, samples.floor.preview),
    coldUpVsSlowestService: ratio(p.coldUp, p.slowestHealthy),
    composeUpVsSlowestService: ratio(c.coldUp, c.slowestHealthy),
  };
  /** Seconds a cold up took beyond its own slowest service, per run (the target is 5 s at most). */
  const overSlowest = (ups: number[], slowest: number[]) =>
    summarize(slowest.map((s, i) => ups[i]! - s).filter((d) => Number.isFinite(d)));
  const results = {
    startedAt,
    finishedAt: new Date().toISOString(),
    runs: RUNS,
    completedRuns: Math.min(p.destroy.length, c.down.length),
    failure: failureText,
    host: {
      cpus: cpus().length,
      loadavgStart: loadStart,
      loadavgEnd: loadavg(),
      node: process.version,
      dockerEngine: dockerVersion,
      pulumi: pulumiVersion,
      compose: `${composeVersion} (${composeCmd.join(" ")})`,
    },
    stack: { domain: benchDomain, containers: expectedContainers, config: benchConfig },
    composeFile,
    baselineFrom: baseline?.source,
    equivalence,
    warnings,
    samplesSeconds: samples,
    summary,
    ratios,
    coldUpCriticalPaths: coldUpPaths,
  };
  const resultsFile = join(outDir, "bench-results.json");
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");

  const op = (cmd: string, s: Summary | undefined) => (s ? `${cmd} ${cell(s)}` : "-");
  const rows = [
    [
      "cold deploy → all healthy",
      op("up", summary.pulumi.coldUp),
      op("up -d --wait", summary.compose.coldUp),
      ratioCell(ratios.coldUp),
    ],
    [
      "no-op re-apply",
      op("up", summary.pulumi.noopUp),
      op("up -d --wait", summary.compose.noopUp),
      ratioCell(ratios.noopUp),
    ],
    [
      "no-op check",
      op("preview", summary.pulumi.noopPreview),
      op("up -d --wait", summary.compose.noopUp),
      ratioCell(ratios.noopPreviewVsComposeNoopUp),
    ],
    [
      "teardown",
      op("destroy", summary.pulumi.destroy),
      op("down -v", summary.compose.down),
      ratioCell(ratios.teardown),
    ],
  ];
  const out = [
    "",
    `Pulumi vs Docker Compose: the same ${expectedContainers.length} containers (${expectedContainers.join(", ")})`,
    `${results.completedRuns} of ${RUNS} run(s), wall clock, median (min–max); ${cpus().length} CPUs, ` +
      `load ${loadStart.map((x) => x.toFixed(1)).join("/")} → ${loadavg()
        .map((x) => x.toFixed(1))
        .join("/")}`,
    `pulumi ${pulumiVersion} (docker provider via Automation API), compose ${composeVersion}, docker engine ${dockerVersion}`,
    "",
    table(["step", "pulumi", "compose", "ratio pulumi/compose"], rows),
    "",
    table(
      ["against Pulumi's floor", "stack", "empty program: preview", "ratio stack/floor"],
      [
        [
          "no-op preview",
          op("preview", summary.pulumi.noopPreview),
          cell(summary.floor.preview),
          ratioCell(ratios.noopPreviewVsFloor),
        ],
        ["no-op up", op("up", summary.pulumi.noopUp), cell(summary.floor.preview), ratioCell(ratios.noopUpVsFloor)],
      ],
    ),
    "",
    table(
      ["cold deploy → all healthy", "up", "slowest service's own time to healthy", "up − slowest", "ratio"],
      [
        [
          "pulumi",
          op("up", summary.pulumi.coldUp),
          cell(summary.pulumi.slowestHealthy),
          op("+", overSlowest(p.coldUp, p.slowestHealthy)),
          ratioCell(ratios.coldUpVsSlowestService),
        ],
        [
          "compose",
          op("up -d --wait", summary.compose.coldUp),
          cell(summary.compose.slowestHealthy),
          op("+", overSlowest(c.coldUp, c.slowestHealthy)),
          ratioCell(ratios.composeUpVsSlowestService),
        ],
      ],
    ),
    `slowest service (start → first passing probe, from docker inspect): ${[...slowestNames].join(", ") || "-"}`,
    "",
    ...criticalPathLines(),
    `pulumi stack init (workspace + config, outside the ratios): ${cell(summary.pulumi.init)}`,
    `equivalence (docker inspect, pulumi vs compose containers): ${
      !equivalence.checked
        ? "not checked"
        : equivalence.differences.length
          ? `${equivalence.differences.length} difference(s), see JSON`
          : "identical"
    }`,
    ...warnings.map((w) => `WARNING: ${w}`),
    `compose file: ${composeFile}`,
    `results: ${resultsFile}`,
    `log: ${logFile}`,
  ];
  process.stdout.write(out.join("\n") + "\n");
  if (failureText !== undefined) {
    process.stderr.write(`\nbenchmark FAILED: ${failureText}\n`);
    process.exitCode = interrupted ? 130 : 1;
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`benchmark FAILED: ${brief(err)}\n(logs in ${outDir})\n`);
  await cleanup();
  process.exit(1);
});
