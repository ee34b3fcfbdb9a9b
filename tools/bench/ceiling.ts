/**
 * bench:load's yardstick: how many spans/s this machine moves through the collector alone, with
 * nothing behind it. A second collector from the stack's own image, with the stack's own receiver
 * and trace processors (read from the deployed container), exports to the debug exporter at
 * `basic` verbosity, which counts what it is given and drops it (core
 * exporter/debugexporter/config.go: verbosity, sampling_initial, sampling_thereafter). The same
 * telemetrygen, unthrottled, then drives this ceiling and the stack, one after the other; the
 * stack's rate with nothing lost is reported as a fraction of it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { run } from "./exec";

interface CollectorConfig {
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  service?: {
    telemetry?: Record<string, unknown>;
    pipelines?: Record<string, { receivers?: string[]; processors?: string[] }>;
  };
}

/**
 * The ceiling's config: the stack's OTLP receiver with only its gRPC protocol and no
 * authenticator (telemetrygen sends none to either), the processors of the stack's traces
 * pipeline, the debug exporter, and the same internal telemetry (metrics on :8888).
 */
export function ceilingConfig(stackConfig: string): string {
  const c = parse(stackConfig) as CollectorConfig;
  const traces = c.service?.pipelines?.traces;
  if (!traces) throw new Error("the stack's collector config has no traces pipeline");
  const processors = (traces.processors ?? []).filter((p) => c.processors?.[p] !== undefined);
  const grpc = { endpoint: "0.0.0.0:4317" };
  return stringify({
    receivers: { otlp: { protocols: { grpc } } },
    processors: Object.fromEntries(processors.map((p) => [p, c.processors![p]])),
    exporters: { debug: { verbosity: "basic" } },
    service: {
      telemetry: c.service?.telemetry ?? {},
      pipelines: { traces: { receivers: ["otlp"], processors, exporters: ["debug"] } },
    },
  });
}

interface Inspect {
  Args: string[];
  Image: string;
  HostConfig: { Memory: number };
}

/** Starts the ceiling collector beside the stack's (`collector`), on `network`, OTLP/gRPC on 127.0.0.1:`port`. */
export async function startCeiling(collector: string, network: string, name: string, port: number): Promise<void> {
  const [c] = JSON.parse(await run("docker", ["inspect", collector])) as Inspect[];
  const configArg = c!.Args.find((a) => a.startsWith("--config="))?.slice("--config=".length);
  if (!configArg || configArg.startsWith("yaml:")) throw new Error(`${collector} has no --config=<file> argument`);
  // The collector image has no shell or cat: copy the file out.
  const dir = mkdtempSync(join(tmpdir(), "scaibu-ceiling-"));
  let config: string;
  try {
    await run("docker", ["cp", `${collector}:${configArg}`, join(dir, "config.yaml")]);
    config = ceilingConfig(readFileSync(join(dir, "config.yaml"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await run("docker", [
    "run",
    "-d",
    "--name",
    name,
    "--network",
    network,
    "--memory",
    String(c!.HostConfig.Memory),
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--read-only",
    "-p",
    `127.0.0.1:${port}:4317`,
    c!.Image,
    `--config=yaml:${config}`,
  ]);
}

/** CPU % of each named container, averaged over the samples taken while `during` runs. */
export async function cpuDuring<T>(
  containers: string[],
  during: Promise<T>,
): Promise<{ value: T; cpu: Record<string, number> }> {
  const sums: Record<string, number[]> = {};
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const out = await run("docker", [
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.CPUPerc}}",
        ...containers,
      ]).catch(() => "");
      for (const line of out.trim().split("\n")) {
        const [n, pct] = line.split(" ");
        if (n && pct && !done) (sums[n] ??= []).push(Number(pct.replace("%", "")));
      }
    }
  })();
  try {
    const value = await during;
    return {
      value,
      cpu: Object.fromEntries(Object.entries(sums).map(([n, xs]) => [n, xs.reduce((a, b) => a + b, 0) / xs.length])),
    };
  } finally {
    done = true;
    await sampler;
  }
}

/**
 * Runs a command and returns the CPU seconds (user + system) it used, from bash's `times` (the
 * second line: children's user and system time), so no `time` package is needed.
 */
export async function withCpuTime(cmd: string, args: string[], timeoutMs: number): Promise<number> {
  const out = await run("bash", ["-c", '"$@" >/dev/null 2>&1; times', "cpu-time", cmd, ...args], { timeoutMs });
  const children = out.trim().split("\n").pop() ?? "";
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`could not read the CPU time of ${cmd} from: ${out}`);
  return secs[0]! + secs[1]!;
}
