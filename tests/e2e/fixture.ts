/**
 * The one fixture of the e2e tier (tests/e2e/run.test.ts runs the suites over it): the throwaway
 * stack on a local backend, its live outputs and credentials, the HTTPS helpers every suite uses,
 * and the checks that only wait, which start in the background once the stack is up.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import {
  bind,
  caFileIn,
  domain,
  e2eWorkspace,
  image,
  IMAGE_SERVICES,
  ports,
  project,
  repo,
  SINKS,
} from "@scaibu/observability-devkit";
import { curl, eventually, sh } from "./shell";

export const stackName = `e2e-${process.pid}`;
export const stackLabel = `${project}/${stackName}`;
export const state = mkdtempSync(join(tmpdir(), "scaibu-e2e-state-"));
export const caFile = caFileIn(state);
export const log = (line: string) => process.stderr.write(line);

/** What the suites share and update: the stack, its latest outputs, the operator login. */
export const live = {} as { stack: Stack; outputs: OutputMap; operator: { user: string; password: string } };

const resolveArg = (svc: string) => `${domain}.${svc}:${ports.https}:${bind}`;
export const https = (svc: string, path: string, extra?: string[]) =>
  curl({ url: `https://${domain}.${svc}:${ports.https}${path}`, resolve: resolveArg(svc), cacert: caFile, extra });
/** Surfaces behind the operator's basic auth (Grafana has its own login; OTLP its own route). */
export const GUARDED = ["prometheus", "loki", "jaeger", "traefik", "alertmanager"];
/** HTTPS with the operator credentials where the surface asks for them. */
export const authed = (svc: string, path: string, extra: string[] = []) =>
  https(svc, path, GUARDED.includes(svc) ? ["-u", `${live.operator.user}:${live.operator.password}`, ...extra] : extra);

/** Waits until Jaeger holds trace `id` with `spans` spans, sent by `service`. */
export const traceInJaeger = (what: string, id: string, spans: number, service: string) =>
  eventually(what, 90, async () => {
    const r = await authed("jaeger", `/api/traces/${id}`);
    if (r.status !== 200) return undefined;
    const [trace] = (JSON.parse(r.body) as { data: { spans: unknown[]; processes: object }[] }).data;
    return trace!.spans.length === spans && JSON.stringify(trace!.processes).includes(service) ? true : undefined;
  });

/** Waits until the PromQL instant `query` answers `value`. */
export const promQueryAnswers = (what: string, query: string, value: string) =>
  eventually(what, 90, async () => {
    const r = await authed("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`);
    const v = (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1];
    return v === value ? true : undefined;
  });

export async function assertNoChanges(kind: "preview" | "up"): Promise<void> {
  // Each step that is not "same", with the keys Pulumi says differ: a failure names its cause.
  const steps: string[] = [];
  const onEvent = (e: EngineEvent) => {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.op !== "same" && m.op !== "read") {
      steps.push(`${m.op} ${m.urn.split("::").pop()} (${(m.diffs ?? []).join(", ") || "no diff keys"})`);
    }
  };
  let summary: Record<string, number>;
  try {
    summary =
      kind === "preview"
        ? (await live.stack.preview({ expectNoChanges: true, onOutput: log, onEvent })).changeSummary
        : ((await live.stack.up({ expectNoChanges: true, onOutput: log, onEvent })).summary.resourceChanges ?? {});
  } catch (err) {
    throw new Error(`a second ${kind} failed; steps: ${steps.join("; ") || "none"}\n${diagnostics(err)}`);
  }
  const changed = Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0);
  assert.deepEqual(changed, [], `a second ${kind} must change nothing; steps: ${steps.join("; ")}`);
}

/** The part of a failed Pulumi command that says why: its Diagnostics section, else its last lines. */
export function diagnostics(err: unknown): string {
  const text = String((err as { stderr?: string }).stderr ?? (err as Error).message ?? err);
  const at = text.indexOf("Diagnostics:");
  const part = at >= 0 ? text.slice(at) : text.split("\n").slice(-30).join("\n");
  return part.length > 3000 ? `${part.slice(0, 3000)}…` : part;
}

/** Waits until the PromQL instant `query` returns at least one series; returns them. */
export const promSeries = (what: string, query: string) =>
  eventually(what, 120, async () => {
    const r = await authed("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`);
    const result = (JSON.parse(r.body) as { data: { result: { metric: Record<string, string> }[] } }).data.result;
    return result.length ? result : undefined;
  });

/** Creates the throwaway stack (the local images must exist: they fail loudly if not built). */
export async function setUp(): Promise<void> {
  for (const svc of IMAGE_SERVICES) {
    await sh("docker", ["image", "inspect", "--format", "{{.Id}}", image(svc)]);
  }
  live.stack = await e2eWorkspace(stackName, state);
}

/** Whatever failed, leaves the host clean. */
export async function tearDown(): Promise<void> {
  await removeVictims();
  await sh("docker", ["rm", "-f", SINKS.webhook, SINKS.mail]).catch(() => "");
  if (live.stack) {
    try {
      await live.stack.destroy({ onOutput: log });
      await live.stack.workspace.removeStack(stackName);
    } catch (err) {
      log(`cleanup: ${String(err)}\n`);
    }
  }
  rmSync(state, { recursive: true, force: true });
}

/** The live.outputs as `pulumi stack output --json --show-secrets` writes them. */
export const outputsFile = (): string => {
  const file = join(state, "live.outputs.json");
  writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(live.outputs).map(([k, v]) => [k, v.value]))), {
    mode: 0o600,
  });
  return file;
};

/** npm run status against the deployed stack: its exit code and JSON report. */
export async function runStatus(): Promise<{
  code: number;
  report: { healthy: boolean; rows: { section: string; what: string; value: string; level: string }[] };
}> {
  const args = [
    "-r",
    "@scaibu/observability-loader",
    join(repo, "tools/status/index.ts"),
    "--outputs",
    outputsFile(),
    "--json",
  ];
  return new Promise((resolve, reject) =>
    execFile("node", args, { maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? ((err as { code?: number }).code ?? 2) : 0;
      try {
        resolve({ code: Number(code), report: JSON.parse(stdout) });
      } catch {
        reject(new Error(`status printed no report (exit ${code}): ${stdout}`));
      }
    }),
  );
}

/** npm run verify against the deployed stack; its report. */
const runVerify = () =>
  sh("node", ["-r", "@scaibu/observability-loader", join(repo, "tools/verify/index.ts"), "--outputs", outputsFile()]);

/** The Python and Node example apps, configured by the stack live.outputs alone; their data read back. */
async function sendFromClients(): Promise<void> {
  const env = { ...process.env, SCAIBU_STACK_OUTPUTS: outputsFile() };
  for (const k of Object.keys(env)) if (k.startsWith("OTEL_")) Reflect.deleteProperty(env, k);
  const python = await sh("bash", [join(repo, "toolchain/python-env.sh")]);
  const apps = {
    "client-demo-python": [python, join(repo, "clients/python/examples/app.py")],
    "client-demo-node": ["node", "-r", "@scaibu/observability-loader", join(repo, "clients/node/examples/app.ts")],
  };
  for (const [service, [cmd, ...args]] of Object.entries(apps)) {
    const run = `${service}-${process.pid}`;
    const sent = JSON.parse(await sh(cmd!, [...args, run], env)) as {
      traceId: string;
      spans: number;
      sentTo: string;
      exportFailures: Record<string, number>;
    };
    assert.equal(sent.sentTo, live.outputs.otlp!.value.http, `${service} took its endpoint from the stack outputs`);
    assert.deepEqual(Object.values(sent.exportFailures).filter(Boolean), [], `${service}: no failed export`);
    await traceInJaeger(`${service}: its trace in Jaeger, by id`, sent.traceId, sent.spans, service);
    await promQueryAnswers(`${service}: its counter in Prometheus`, `sum(app_events_total{run="${run}"})`, "1");
    // The Loki image here is a placeholder: the log record is sent but cannot be read back.
    log(`NOT VERIFIED (placeholder)  ${service}: its log record in Loki\n`);
  }
}

// Two containers that are not the stack's: one whose main process is OOM-killed over and over
// (restarted by its policy), one whose child process is (the container lives on).
export const victims = { restarts: "e2e-oom-restarts", child: "e2e-oom-child" };
export const removeVictims = () => sh("docker", ["rm", "-f", victims.restarts, victims.child]).catch(() => "");

async function startVictims(): Promise<void> {
  const victim = (name: string, script: string, restart: string[]) =>
    sh("docker", [
      "run",
      "-d",
      "--name",
      name,
      "-m",
      "64m",
      "--memory-swap",
      "64m",
      ...restart,
      "--entrypoint",
      "/bin/sh",
      image("grafana"),
      "-c",
      script,
    ]);
  // busybox dd allocates its whole 200 MiB block, well past the limit.
  const blowUp = "dd if=/dev/zero of=/dev/null bs=200M count=1";
  await victim(victims.restarts, `sleep 4; exec ${blowUp}`, ["--restart", "on-failure:20"]);
  await victim(victims.child, `while true; do ${blowUp}; sleep 3; done`, []);
}

/** Waits until the stack's alerts and Docker show the victims' OOM kills. */
async function watchVictims(): Promise<void> {
  const alerts = async (name: string) => {
    const r = await authed("prometheus", "/api/v1/alerts");
    return (
      JSON.parse(r.body) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }
    ).data.alerts.filter((a) => a.labels.alertname === name);
  };
  const restarting = await eventually("ContainerRestarting pending or firing for the victim", 240, async () => {
    const found = (await alerts("ContainerRestarting")).find((a) => a.labels.container_name === victims.restarts);
    return found && ["pending", "firing"].includes(found.state) ? found : undefined;
  });
  log(`ContainerRestarting for ${victims.restarts}: ${restarting.state}\n`);
  // Docker itself says the kill was the OOM killer's.
  await eventually("Docker reports the child victim OOM-killed", 60, async () =>
    (await sh("docker", ["inspect", "-f", "{{.State.OOMKilled}}", victims.child])) === "true" ? true : undefined,
  );
  const cgroup = await sh("docker", ["info", "--format", "{{.CgroupVersion}}"]);
  if (cgroup === "2") {
    await promQueryAnswers(
      "the victim's OOM kills in Prometheus",
      `increase(container_memory_fails_total{container_name="${victims.child}"}[5m]) > bool 0`,
      "1",
    );
    const oom = await eventually("ContainerOomKilled for the victim", 120, async () => {
      const found = (await alerts("ContainerOomKilled")).find((a) => a.labels.container_name === victims.child);
      return found && ["pending", "firing"].includes(found.state) ? found : undefined;
    });
    log(`ContainerOomKilled for ${victims.child}: ${oom.state}\n`);
  } else {
    log(
      "NOT RUN: the OOM-kill count in metrics (ContainerOomKilled). This engine runs on cgroup v1, where Docker " +
        "reports memory.failcnt, which this kernel leaves at 0 after OOM kills; on cgroup v2 it reports memory.events oom.\n",
    );
  }
}

/** One span posted as OTLP/JSON to the host port, then read back from Jaeger by its id. */
async function probeTrace(): Promise<void> {
  const traceId = "5b8efff798038103d269b633813fc60c";
  const span = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "e2e-probe" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: "eee19b7ec3c1b174",
                name: "GET /probe",
                kind: 2,
                startTimeUnixNano: String(BigInt(Date.now()) * 1000000n),
                endTimeUnixNano: String(BigInt(Date.now() + 5) * 1000000n),
              },
            ],
          },
        ],
      },
    ],
  };
  const sent = await curl({
    url: `http://${bind}:${ports.otlpHttp}/v1/traces`,
    extra: ["-H", "Content-Type: application/json", "-d", JSON.stringify(span)],
  });
  assert.equal(sent.status, 200, sent.body);
  await traceInJaeger("the probe trace in Jaeger, by id", traceId, 1, "e2e-probe");
}

/**
 * These checks spend nearly all their time waiting: verify, the probe trace and the clients on
 * the collector's 10 s batch and the span-metrics flush, the OOM victims on restarts and an
 * alert's `for`. They start together here, once every route answers, and the tests named for
 * them below await their results, so the tier waits once instead of once per check. Each has its
 * own run ids and containers, and all end before the first test that stops a service.
 */
export const waiting = {} as {
  verifyReport: Promise<string>;
  probeSeen: Promise<void>;
  clientsDone: Promise<void>;
  victimsSeen: Promise<void>;
  /** The consumer stack's app image (examples/app-stack/app), built while the tests wait anyway. */
  appImage: Promise<string>;
};
/** Runs `work` in the background; the test that awaits it reports its failure. */
export const background = <T>(work: Promise<T>): Promise<T> => {
  work.catch(() => undefined);
  return work;
};

/** Starts every check that only waits; the suites named for them await the results. */
export async function startWaiting(): Promise<void> {
  await startVictims();
  waiting.verifyReport = background(runVerify());
  waiting.probeSeen = background(probeTrace());
  waiting.clientsDone = background(sendFromClients());
  waiting.victimsSeen = background(watchVictims());
  waiting.appImage = background(
    sh("bash", [join(repo, "examples/app-stack/app/build.sh"), "scaibu-e2e/app-demo:local"]),
  );
}
