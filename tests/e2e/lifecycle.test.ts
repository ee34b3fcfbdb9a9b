/**
 * The real lifecycle on a real Docker engine: preview, up (all healthy), no-op preview/up,
 * drift repair with `up --refresh`, HTTPS through Traefik with the stack's CA, telemetry
 * end to end, and a destroy that leaves nothing of the stack behind.
 * Needs: a Docker engine, the pulumi CLI + plugins on PATH, and the scaibu-e2e/*:local images
 * (scripts/test.sh provides all three).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { containersDashboard, dockerHostDashboard } from "../../configs/grafana/host-dashboards";
import { sendCounterPoints, sendLogs, sendTraces } from "../../scripts/verify/send";
import { curl, eventually, health, lines, sh } from "./docker";

import {
  bind,
  caFileIn,
  containerNames,
  domain,
  e2eWorkspace,
  image,
  IMAGE_SERVICES,
  localStack,
  networkNames,
  ports,
  project,
  repo,
  services,
} from "./stack-config";

const stackName = `e2e-${process.pid}`;
const stackLabel = `${project}/${stackName}`;
const state = mkdtempSync(join(tmpdir(), "scaibu-e2e-state-"));
const caFile = caFileIn(state);
let stack: Stack;
let outputs: OutputMap;
const log = (line: string) => process.stderr.write(line);

const resolveArg = (svc: string) => `${domain}.${svc}:${ports.https}:${bind}`;
const https = (svc: string, path: string, extra?: string[]) =>
  curl({ url: `https://${domain}.${svc}:${ports.https}${path}`, resolve: resolveArg(svc), cacert: caFile, extra });
/** Surfaces behind the operator's basic auth (Grafana has its own login; OTLP its own route). */
const GUARDED = ["prometheus", "loki", "jaeger", "traefik"];
let operator: { user: string; password: string };
/** HTTPS with the operator credentials where the surface asks for them. */
const authed = (svc: string, path: string, extra: string[] = []) =>
  https(svc, path, GUARDED.includes(svc) ? ["-u", `${operator.user}:${operator.password}`, ...extra] : extra);

/** Waits until Jaeger holds trace `id` with `spans` spans, sent by `service`. */
const traceInJaeger = (what: string, id: string, spans: number, service: string) =>
  eventually(what, 90, async () => {
    const r = await authed("jaeger", `/api/traces/${id}`);
    if (r.status !== 200) return undefined;
    const [trace] = (JSON.parse(r.body) as { data: { spans: unknown[]; processes: object }[] }).data;
    return trace!.spans.length === spans && JSON.stringify(trace!.processes).includes(service) ? true : undefined;
  });

/** Waits until the PromQL instant `query` answers `value`. */
const promQueryAnswers = (what: string, query: string, value: string) =>
  eventually(what, 90, async () => {
    const r = await authed("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`);
    const v = (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1];
    return v === value ? true : undefined;
  });

async function assertNoChanges(kind: "preview" | "up"): Promise<void> {
  const summary =
    kind === "preview"
      ? (await stack.preview({ expectNoChanges: true, onOutput: log })).changeSummary
      : ((await stack.up({ expectNoChanges: true, onOutput: log })).summary.resourceChanges ?? {});
  const changed = Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0);
  assert.deepEqual(changed, [], `a second ${kind} must change nothing`);
}

describe("pulumi lifecycle on a real Docker engine", { timeout: 40 * 60 * 1000 }, () => {
  before(async () => {
    for (const svc of IMAGE_SERVICES) {
      await sh("docker", ["image", "inspect", "--format", "{{.Id}}", image(svc)]); // fails loudly if not built
    }
    stack = await e2eWorkspace(stackName, state);
  });

  after(async () => {
    // Whatever failed above, leave the host clean.
    await removeVictims();
    if (stack) {
      try {
        await stack.destroy({ onOutput: log });
        await stack.workspace.removeStack(stackName);
      } catch (err) {
        log(`cleanup: ${String(err)}\n`);
      }
    }
    rmSync(state, { recursive: true, force: true });
  });

  it("fails preview on a bad config value, naming the key", async () => {
    const key = `${project}:services`;
    const good = await stack.getConfig(key);
    await stack.setConfig(key, { value: JSON.stringify({ loki: { memoryMb: 10 } }) });
    try {
      await assert.rejects(stack.preview(), /scaibu-observability:services\.loki\.memoryMb = 10/);
    } finally {
      await stack.setConfig(key, good);
    }
  });

  it("previews a fresh stack", async () => {
    const { changeSummary } = await stack.preview({ onOutput: log });
    assert.ok(
      (changeSummary.create ?? 0) >= 40,
      `expected the whole graph to be created, got ${JSON.stringify(changeSummary)}`,
    );
  });

  it("comes up with every container healthy", async () => {
    const result = await stack.up({ onOutput: log });
    assert.equal(result.summary.result, "succeeded");
    outputs = result.outputs;
    for (const name of containerNames) assert.equal(await health(name), "healthy", name);
  });

  it("exposes the public outputs", () => {
    const urls = outputs.urls!.value as Record<string, string>;
    for (const svc of services) assert.equal(urls[svc], `https://${domain}.${svc}:${ports.https}`);
    const ca = outputs.caCertPem!.value as string;
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    writeFileSync(caFile, ca);
    assert.equal(outputs.etcHosts!.value, `${bind} ${services.map((s) => `${domain}.${s}`).join(" ")} ${domain}.app`);
    const otlp = outputs.otlp!.value as Record<string, string>;
    assert.equal(otlp.grpc, `http://${bind}:${ports.otlpGrpc}`);
    assert.equal(otlp.http, `http://${bind}:${ports.otlpHttp}`);
    assert.equal(outputs.grafanaAdmin!.secret, true);
    assert.equal(outputs.traefikDashboard!.secret, true);
    assert.equal(outputs.operator!.secret, true);
    operator = outputs.operator!.value as typeof operator;
    const nets = outputs.networks!.value as Record<string, { name: string; id: string }>;
    assert.deepEqual(
      Object.values(nets)
        .map((n) => n.name)
        .sort(),
      [...networkNames].sort(),
    );
  });

  it("publishes ports only on the bind address", async () => {
    for (const name of containerNames) {
      const bindings = await sh("docker", ["inspect", "-f", "{{json .HostConfig.PortBindings}}", name]);
      for (const ip of bindings.matchAll(/"HostIp":"([^"]*)"/g)) assert.equal(ip[1], bind, `${name}: ${bindings}`);
    }
  });

  it("serves every routed service over HTTPS with the stack's CA", async () => {
    const checks: [string, string, RegExp][] = [
      ["prometheus", "/-/ready", /Ready/],
      ["prometheus", "/api/v1/status/buildinfo", /"status":"success"/],
      ["loki", "/ready", /ready/],
      // Exists in every Jaeger v2 release (the legacy search endpoints are gone after 2.20).
      ["jaeger", "/api/dependencies?endTs=0&lookback=1", /"data"/],
      ["grafana", "/api/health", /"database"/],
    ];
    for (const [svc, path, body] of checks) {
      const res = await eventually(`${svc}${path}`, 60, async () => {
        const r = await authed(svc, path);
        return r.status === 200 ? r : undefined;
      });
      assert.match(res.body, body, `${svc}${path}`);
    }
  });

  it("asks for the operator credentials on Prometheus, Loki, Jaeger and the dashboard", async () => {
    const probes: [string, string][] = [
      ["prometheus", "/api/v1/status/buildinfo"],
      ["loki", "/ready"],
      ["jaeger", "/api/dependencies?endTs=0&lookback=1"],
      ["traefik", "/api/overview"],
    ];
    for (const [svc, path] of probes) {
      assert.equal((await https(svc, path)).status, 401, `${svc} without credentials`);
      assert.equal((await https(svc, path, ["-u", `${operator.user}:wrong`])).status, 401, `${svc} wrong password`);
      assert.equal((await authed(svc, path)).status, 200, `${svc} with the operator credentials`);
    }
    const dash = outputs.traefikDashboard!.value as { user: string; password: string };
    assert.deepEqual([dash.user, dash.password], [operator.user, operator.password]);
  });

  it("takes OTLP through Traefik only with the bearer token", async () => {
    assert.equal(outputs.otlpToken!.secret, true);
    const token = outputs.otlpToken!.value as string;
    const post = (extra: string[]) =>
      https("otel", "/v1/traces", ["-H", "Content-Type: application/json", "-d", '{"resourceSpans":[]}', ...extra]);
    assert.equal((await post([])).status, 401, "no token");
    assert.equal((await post(["-H", "Authorization: Bearer wrong"])).status, 401, "wrong token");
    const ok = await eventually("routed OTLP with the token", 60, async () => {
      const r = await post(["-H", `Authorization: Bearer ${token}`]);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(ok.status, 200);
  });

  /** The outputs as `pulumi stack output --json --show-secrets` writes them. */
  const outputsFile = () => {
    const file = join(state, "outputs.json");
    writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]))), {
      mode: 0o600,
    });
    return file;
  };

  /** npm run verify against the deployed stack; its report. */
  const runVerify = () => sh("node", ["--import", "tsx", join(repo, "scripts/verify.ts"), "--outputs", outputsFile()]);

  /** The Python and Node example apps, configured by the stack outputs alone; their data read back. */
  async function sendFromClients(): Promise<void> {
    const env = { ...process.env, SCAIBU_STACK_OUTPUTS: outputsFile() };
    for (const k of Object.keys(env)) if (k.startsWith("OTEL_")) Reflect.deleteProperty(env, k);
    const python = await sh("bash", [join(repo, "scripts/clients/python-env.sh")]);
    const apps = {
      "client-demo-python": [python, join(repo, "clients/python/examples/app.py")],
      "client-demo-node": ["node", "--import", "tsx", join(repo, "clients/node/examples/app.ts")],
    };
    for (const [service, [cmd, ...args]] of Object.entries(apps)) {
      const run = `${service}-${process.pid}`;
      const sent = JSON.parse(await sh(cmd!, [...args, run], env)) as {
        traceId: string;
        spans: number;
        sentTo: string;
        exportFailures: Record<string, number>;
      };
      assert.equal(sent.sentTo, outputs.otlp!.value.http, `${service} took its endpoint from the stack outputs`);
      assert.deepEqual(Object.values(sent.exportFailures).filter(Boolean), [], `${service}: no failed export`);
      await traceInJaeger(`${service}: its trace in Jaeger, by id`, sent.traceId, sent.spans, service);
      await promQueryAnswers(`${service}: its counter in Prometheus`, `sum(app_events_total{run="${run}"})`, "1");
      // The Loki image here is a placeholder: the log record is sent but cannot be read back.
      log(`NOT VERIFIED (placeholder)  ${service}: its log record in Loki\n`);
    }
  }

  // Two containers that are not the stack's: one whose main process is OOM-killed over and over
  // (restarted by its policy), one whose child process is (the container lives on).
  const victims = { restarts: "e2e-oom-restarts", child: "e2e-oom-child" };
  const removeVictims = () => sh("docker", ["rm", "-f", victims.restarts, victims.child]).catch(() => "");

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
  let verifyReport: Promise<string>;
  let probeSeen: Promise<void>;
  let clientsDone: Promise<void>;
  let victimsSeen: Promise<void>;
  /** The consumer stack's app image (examples/app-stack/app), built while the tests wait anyway. */
  let appImage: Promise<string>;
  /** Runs `work` in the background; the test that awaits it reports its failure. */
  const background = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined);
    return work;
  };

  it("starts verify, a probe trace, the clients, two OOM victims and the app image build in the background", async () => {
    await startVictims();
    verifyReport = background(runVerify());
    probeSeen = background(probeTrace());
    clientsDone = background(sendFromClients());
    victimsSeen = background(watchVictims());
    appImage = background(sh("bash", [join(repo, "examples/app-stack/app/build.sh"), "scaibu-e2e/app-demo:local"]));
    const running = await lines("docker", ["ps", "-q", "--filter", `name=^(${Object.values(victims).join("|")})$`]);
    assert.equal(running.length, 2, "both OOM victims run");
  });

  it("shows no secret in docker inspect of any container", async () => {
    const secrets = [
      operator.password,
      outputs.otlpToken!.value as string,
      (outputs.grafanaAdmin!.value as { password: string }).password,
    ];
    for (const name of containerNames) {
      const inspect = await sh("docker", ["inspect", name]);
      for (const secret of secrets) assert.ok(!inspect.includes(secret), `${name}: a secret in docker inspect`);
    }
  });

  it("keeps Grafana's unauthenticated /metrics off the routed surface", async () => {
    assert.equal((await https("grafana", "/metrics")).status, 404);
    assert.equal((await https("grafana", "/api/health")).status, 200);
  });

  it("sends HSTS and speaks TLS 1.2 or newer only", async () => {
    const r = await authed("prometheus", "/-/ready");
    assert.match(r.headers, /strict-transport-security: max-age=31536000/i);
    const connect = (version: string) =>
      sh("sh", [
        "-c",
        `echo | openssl s_client -connect ${bind}:${ports.https} -servername ${domain}.grafana ${version} -cipher DEFAULT:@SECLEVEL=0 2>&1; true`,
      ]);
    assert.match(await connect("-tls1_2"), /New, TLSv1\.2, Cipher is (?!\(NONE\))/);
    // Traefik answers a TLS 1.1 hello with a protocol_version alert; no cipher is agreed.
    const old = await connect("-tls1_1");
    assert.match(old, /alert protocol version/);
    assert.match(old, /Cipher is \(NONE\)/);
  });

  it("redirects plain HTTP to HTTPS", async () => {
    const res = await curl({
      url: `http://${domain}.grafana:${ports.http}/`,
      resolve: `${domain}.grafana:${ports.http}:${bind}`,
    });
    assert.ok([301, 308].includes(res.status), `status ${res.status}`);
    assert.match(res.headers, /location: https:\/\/e2e\.grafana/i);
  });

  // Preview-only tests: they change no container, so they run while verify, the clients and the
  // OOM victims are still waiting in the background.
  it("passes the policy pack on a real preview, which fails one that publishes on every interface", async () => {
    // policy/analyzer starts the pack as a binary analyzer: the language host built here predates
    // the RunPlugin call a current CLI uses for `--policy-pack policy` (see policy/analyzer).
    const pack = join(repo, "policy/analyzer");
    await stack.preview({ policyPacks: [pack], onOutput: log });
    await stack.setConfig(`${project}:bindAddress`, { value: "0.0.0.0" });
    await stack.setConfig(`${project}:allowAllInterfaces`, { value: "true" }); // the stack's opt-in, not the pack's
    try {
      await assert.rejects(stack.preview({ policyPacks: [pack], onOutput: log }), (err: Error) => {
        assert.match(err.message, /no-public-ports/);
        assert.match(err.message, /observability-traefik-service port 18443 is published on 0\.0\.0\.0/);
        return true;
      });
    } finally {
      await stack.setConfig(`${project}:bindAddress`, { value: bind });
      await stack.removeConfig(`${project}:allowAllInterfaces`);
    }
  });

  it("replaces no volume when only the domain changes", async () => {
    const key = `${project}:domain`;
    const before = await stack.getConfig(key);
    await stack.setConfig(key, { value: "e2x" });
    const volumeOps: string[] = [];
    try {
      await stack.preview({
        onEvent: (e) => {
          const m = e.resourcePreEvent?.metadata;
          if (m && m.type === "docker:index/volume:Volume" && m.op !== "same") volumeOps.push(`${m.op} ${m.urn}`);
        },
      });
    } finally {
      await stack.setConfig(key, before);
    }
    assert.deepEqual(volumeOps, []);
  });

  it("refuses, at preview, a second stack that would adopt this stack's volumes, naming the owner", async () => {
    const otherName = `${stackName}-twin`;
    const twin = await e2eWorkspace(otherName, state);
    // Same domain and instanceName, nothing else shared: only the volume names meet.
    await twin.setConfig(`${project}:ports`, {
      value: JSON.stringify({ http: 18081, https: 18444, otlpGrpc: 14327, otlpHttp: 14328 }),
    });
    await twin.setConfig(`${project}:networks`, {
      value: JSON.stringify({
        observability: { name: "e2e-twin-observability-network", subnet: "172.16.239.0/24" },
        data: { name: "e2e-twin-data-network" },
        messaging: { name: "e2e-twin-messaging-network" },
        cicd: { name: "e2e-twin-cicd-network" },
        temporal: { name: "e2e-twin-temporal-network" },
      }),
    });
    const services = (await twin.getConfig(`${project}:services`)).value;
    const onlyStores = JSON.parse(services) as Record<string, Record<string, unknown>>;
    for (const svc of ["traefik", "otelCollector", "grafana"]) onlyStores[svc] = { enabled: false };
    await twin.setConfig(`${project}:services`, { value: JSON.stringify(onlyStores) });
    try {
      await assert.rejects(
        twin.preview({ onOutput: log }),
        /e2e-(loki|prometheus|jaeger)-data already exists and belongs to stack scaibu-observability\/e2e-/,
      );
      assert.equal(await health(`${domain}.loki`), "healthy", "the first stack's Loki is untouched");
    } finally {
      await twin.destroy({ onOutput: log });
      await twin.workspace.removeStack(otherName);
    }
  });

  // After the preview-only tests: Prometheus rediscovers every 30 s, and its first try may have
  // come before the socket proxy answered.
  it("reaches the Docker API only through the read-only socket proxy", async () => {
    for (const name of containerNames) {
      const mounts = await sh("docker", ["inspect", "-f", "{{json .Mounts}}", name]);
      assert.equal(mounts.includes("docker.sock"), name === `${domain}.socket-proxy`, `${name}: ${mounts}`);
    }
    const proxy = (args: string[]) =>
      sh("docker", ["exec", `${domain}.socket-proxy`, "wget", "-q", "-O", "-", ...args]).then(
        (out) => ({ ok: true, out }),
        (err: Error) => ({ ok: false, out: err.message }),
      );
    const list = await proxy(["http://127.0.0.1:2375/containers/json"]);
    assert.ok(list.ok && list.out.includes(`/${domain}.loki`), list.out.slice(0, 300));
    const create = await proxy(["--post-data", "{}", "http://127.0.0.1:2375/containers/create"]);
    assert.ok(!create.ok && /403/.test(create.out), create.out);
    const images = await proxy(["http://127.0.0.1:2375/images/json"]);
    assert.ok(!images.ok && /403/.test(images.out), images.out);
    // Both readers work through it: Traefik routes (every HTTPS check above), Prometheus discovers.
    const query = encodeURIComponent('sum(prometheus_sd_discovered_targets{config="docker"})');
    await eventually("Prometheus docker discovery through the proxy", 90, async () => {
      const r = await authed("prometheus", `/api/v1/query?query=${query}`);
      const value = /"value":\[[^,]+,"(\d+)"\]/.exec(r.body)?.[1];
      return value !== undefined && Number(value) > 0 ? true : undefined;
    });
  });

  it("carries a trace from OTLP on the host to Jaeger", async () => {
    await probeSeen;
  });

  it("passes npm run verify: telemetry round trips and the seed's API tables", async () => {
    const report = await verifyReport;
    log(`${report}\n`);
    assert.match(report, /FAIL 0,/);
    assert.match(report, /trace via traefik in Jaeger \(by id\)\s+3 spans\s+3 spans\s+ok/);
    assert.match(report, /counter in Prometheus .* ok/);
    // The Loki and Grafana images here are placeholders: reported, never counted as passed.
    assert.match(report, /log in Loki .* NOT VERIFIED \(placeholder\)/);
  });

  it("the Python and Node clients send through the stack, configured by its outputs alone", async () => {
    await clientsDone;
  });

  /** Waits until the PromQL instant `query` returns at least one series; returns them. */
  const promSeries = (what: string, query: string) =>
    eventually(what, 120, async () => {
      const r = await authed("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`);
      const result = (JSON.parse(r.body) as { data: { result: { metric: Record<string, string> }[] } }).data.result;
      return result.length ? result : undefined;
    });

  it("collects the Docker host's metrics and each stack container's, labelled with the stack", async () => {
    for (const q of [
      "system_cpu_time_seconds_total",
      'system_memory_usage_bytes{state="used"}',
      'system_filesystem_utilization_ratio{mountpoint="/"}',
      "system_cpu_load_average_1m",
    ]) {
      await promSeries(`host series ${q}`, q);
    }
    for (const name of containerNames) {
      const [series] = await promSeries(
        `${name}: memory series`,
        `container_memory_usage_total_bytes{container_name="${name}", container_label_io_scaibu_stack="${stackLabel}"}`,
      );
      assert.ok(series!.metric.container_id, name);
    }
    // The alert rules on these series are loaded, and no stack container counts as down.
    const rules = await authed("prometheus", "/api/v1/rules?type=alert");
    const groups = (JSON.parse(rules.body) as { data: { groups: { name: string }[] } }).data.groups.map((g) => g.name);
    assert.ok(groups.includes("scaibu-host") && groups.includes("scaibu-containers"), groups.join());
    const down = await authed(
      "prometheus",
      "/api/v1/query?query=" + encodeURIComponent('ALERTS{alertname="StackContainerDown"}'),
    );
    assert.deepEqual((JSON.parse(down.body) as { data: { result: unknown[] } }).data.result, []);
  });

  it("answers every panel of the Docker host and Containers dashboards from the real Prometheus", async () => {
    // Panels that show only events (restarts, OOM kills) or traffic an idle host may not have.
    const mayBeEmpty = new Set(["Restarts", "OOM kills", "Block I/O", "Paging"]);
    const panels = [...dockerHostDashboard().panels, ...containersDashboard().panels].filter((p) => p.targets);
    const empty: string[] = [];
    for (const panel of panels) {
      for (const target of panel.targets!) {
        const expr = target.expr.replace(/\$__rate_interval/g, "1m").replace(/\$container/g, ".*");
        const answer = async () => {
          const r = await authed("prometheus", `/api/v1/query?query=${encodeURIComponent(expr)}`);
          const body = JSON.parse(r.body) as { status: string; data: { result: unknown[] } };
          assert.equal(body.status, "success", `${panel.title}: ${expr}`);
          return body.data.result.length;
        };
        if (mayBeEmpty.has(panel.title)) {
          if ((await answer()) === 0) empty.push(panel.title);
        } else {
          await eventually(`${panel.title}: ${expr} answers`, 90, async () =>
            (await answer()) > 0 ? true : undefined,
          );
        }
      }
    }
    log(`dashboard panels without data on this idle host (allowed): ${[...new Set(empty)].join(", ") || "none"}\n`);
  });

  it("shows a foreign container that outgrows its 64 MiB limit as OOM-killed, and alerts on it", async () => {
    try {
      await victimsSeen;
    } finally {
      await removeVictims();
    }
  });

  it("keeps every span through a Jaeger outage and a collector restart (persistent queue)", async () => {
    const host = { url: `http://${bind}:${ports.otlpHttp}` };
    await sh("docker", ["stop", `${domain}.jaeger`]);
    let ids: string[] = [];
    try {
      ids = await sendTraces(host, "e2e-faults", 50, 10); // 500 spans, accepted while Jaeger is down
      await sh("docker", ["restart", `${domain}.otel`]); // what it holds must survive this
    } finally {
      await sh("docker", ["start", `${domain}.jaeger`]);
    }
    const found = await eventually("500 spans in Jaeger after the outage", 180, async () => {
      let spans = 0;
      for (const id of ids) {
        const r = await authed("jaeger", `/api/traces/${id}`);
        if (r.status === 200) spans += (JSON.parse(r.body) as { data: { spans: unknown[] }[] }).data[0]!.spans.length;
      }
      return spans === 500 ? spans : undefined;
    });
    assert.equal(found, 500);
  });

  it("keeps metric samples, with their own timestamps, through a Prometheus outage and a collector restart", async () => {
    await sh("docker", ["stop", `${domain}.prometheus`]);
    let sent: { time: number; value: number }[] = [];
    try {
      sent = await sendCounterPoints(
        { url: `http://${bind}:${ports.otlpHttp}` },
        "e2e-faults",
        "scaibu.faults.points",
        5,
        2000,
      );
      // What the collector holds for Prometheus (in its batch, then its on-disk queue) must
      // survive this.
      await sh("docker", ["restart", `${domain}.otel`]);
    } finally {
      await sh("docker", ["start", `${domain}.prometheus`]);
    }
    const query = encodeURIComponent('scaibu_faults_points_total{service_name="e2e-faults"}[30m]');
    const samples = await eventually(`${sent.length} samples in Prometheus after the outage`, 180, async () => {
      const r = await authed("prometheus", `/api/v1/query?query=${query}`);
      const values = (JSON.parse(r.body) as { data?: { result?: { values: [number, string][] }[] } }).data?.result?.[0]
        ?.values;
      return values && values.length >= sent.length ? values : undefined;
    });
    assert.equal(samples.length, sent.length, "no sample lost, none added");
    samples.forEach(([ts, value], i) => {
      assert.equal(Number(value), sent[i]!.value, `sample ${i}`);
      assert.ok(Math.abs(ts * 1000 - sent[i]!.time) < 2000, `sample ${i} at ${ts}, sent at ${sent[i]!.time / 1000}`);
    });
  });

  it("keeps every log record through a Loki outage and a collector restart", async () => {
    const records = 300;
    const run = `loki-outage-${process.pid}`;
    await sh("docker", ["stop", `${domain}.loki`]);
    try {
      await sendLogs({ url: `http://${bind}:${ports.otlpHttp}` }, "e2e-faults", run, records);
      await sh("docker", ["restart", `${domain}.otel`]); // what it holds for Loki must survive this
    } finally {
      await sh("docker", ["start", `${domain}.loki`]);
    }
    // Traefik routes Loki again only once it is healthy after the restart: ask until it answers.
    const loki = await eventually("Loki answering through Traefik after its restart", 60, async () => {
      const r = await authed("loki", "/loki/api/v1/status/buildinfo");
      return r.status === 200 ? r : undefined;
    });
    if (/placeholder/.test(loki.body)) {
      // The Loki image here is a placeholder that stores nothing, but it decodes and counts the
      // OTLP records it receives: that checks the collector's side (the real program) exactly.
      const delivered = await eventually(`${records} log records delivered to Loki's endpoint`, 120, async () => {
        const r = await authed("loki", `/placeholder/log-records?run=${run}`);
        const n = (JSON.parse(r.body) as { records: number }).records;
        return n >= records ? n : undefined;
      });
      // Delivery is at least once: a batch in flight at the restart may arrive twice, never not at all.
      assert.ok(delivered >= records);
      log(`delivered ${delivered} of ${records} log records (${delivered - records} repeated) after the outage\n`);
      log(`NOT VERIFIED (placeholder)  all ${records} log records queryable in Loki after the outage\n`);
      return;
    }
    const query = encodeURIComponent(`sum(count_over_time({service_name="e2e-faults"} | run="${run}" [1h]))`);
    const found = await eventually(`${records} log records in Loki`, 120, async () => {
      const r = await authed("loki", `/loki/api/v1/query?query=${query}`);
      const v = (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1];
      return v === String(records) ? v : undefined;
    });
    assert.equal(found, String(records));
  });

  it("answers malformed OTLP with a clean 4xx and goes on accepting good data", async () => {
    const restarts = await sh("docker", ["inspect", "-f", "{{.RestartCount}}", `${domain}.otel`]);
    const post = (contentType: string, data: string[]) =>
      curl({
        url: `http://${bind}:${ports.otlpHttp}/v1/traces`,
        extra: ["-H", `Content-Type: ${contentType}`, ...data],
      });
    const big = join(state, "big.json");
    writeFileSync(big, `{"resourceSpans":[],"pad":"${"x".repeat(21 * 1024 * 1024)}"}`);
    const cases: [string, Promise<{ status: number }>][] = [
      ["bad protobuf", post("application/x-protobuf", ["--data-binary", "not a protobuf message"])],
      ["wrong content type", post("text/plain", ["--data-binary", "{}"])],
      ["a 21 MiB body", post("application/json", ["--data-binary", `@${big}`])],
    ];
    for (const [what, res] of cases) {
      const { status } = await res;
      assert.ok(status >= 400 && status < 500, `${what}: ${status}`);
    }
    // Invalid UTF-8 in an attribute: refused or sanitised, never a server error.
    const invalid = join(state, "invalid-utf8.json");
    writeFileSync(
      invalid,
      Buffer.concat([
        Buffer.from('{"resourceSpans":[{"resource":{"attributes":[{"key":"bad","value":{"stringValue":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}}]},"scopeSpans":[]}]}'),
      ]),
    );
    const utf8 = await post("application/json", ["--data-binary", `@${invalid}`]);
    assert.ok(utf8.status < 500, `invalid UTF-8: ${utf8.status}`);
    assert.equal(await sh("docker", ["inspect", "-f", "{{.RestartCount}}", `${domain}.otel`]), restarts);
    const [id] = await sendTraces({ url: `http://${bind}:${ports.otlpHttp}` }, "e2e-after-bad-input", 1, 3);
    await eventually("a good trace after the bad input", 90, async () => {
      const r = await authed("jaeger", `/api/traces/${id}`);
      return r.status === 200 ? true : undefined;
    });
  });

  it("loses no span while a config change replaces Jaeger's container under traffic", async () => {
    await stack.setConfig(`${project}:jaeger`, { value: JSON.stringify({ retentionHours: 48 }) });
    const ids: string[] = [];
    let sending = true;
    // About 4 traces a second, for as long as the replacement takes.
    const sender = (async () => {
      while (sending) {
        ids.push(...(await sendTraces({ url: `http://${bind}:${ports.otlpHttp}` }, "e2e-replace", 2, 4)));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    let replaced: string[] = [];
    try {
      const result = await stack.up({
        onOutput: log,
        onEvent: (e) => {
          const m = e.resourcePreEvent?.metadata;
          if (m && ["replace", "create-replacement", "delete-replaced"].includes(m.op)) {
            replaced.push(m.urn.split("::").pop()!);
          }
        },
      });
      assert.equal(result.summary.result, "succeeded");
    } finally {
      sending = false;
      await sender;
    }
    replaced = [...new Set(replaced)];
    assert.deepEqual(replaced, ["observability-jaeger-service"], "only Jaeger's container is replaced");
    assert.ok(ids.length >= 20, `${ids.length} traces sent during the replacement`);
    await eventually(`all ${ids.length} traces in Jaeger`, 180, async () => {
      for (const id of ids) {
        const r = await authed("jaeger", `/api/traces/${id}`);
        if (r.status !== 200) return undefined;
        if ((JSON.parse(r.body) as { data: { spans: unknown[] }[] }).data[0]!.spans.length !== 4) return undefined;
      }
      return true;
    });
  });

  // The next test, "changes nothing on a second preview and up", is also the check that Pulumi
  // sees nothing to change after the daemon restart.
  it("comes back healthy after a Docker daemon restart", async (t) => {
    if (process.env.CI !== "true" && process.env.SCAIBU_E2E_RESTART_DOCKER !== "1") {
      t.skip("restarts the Docker daemon: runs in CI, or locally with SCAIBU_E2E_RESTART_DOCKER=1");
      return;
    }
    await sh("bash", [join(repo, "scripts/docker-engine.sh"), "restart"]);
    const restarted = Date.now();
    // By their restart policy (unless-stopped): nobody starts them but the daemon.
    for (const name of containerNames) {
      await eventually(`${name} healthy after the daemon restart`, 180, async () =>
        (await health(name)) === "healthy" ? true : undefined,
      );
    }
    log(`every container healthy ${Math.round((Date.now() - restarted) / 1000)} s after the daemon came back\n`);
  });

  it("changes nothing on a second preview and up (after the daemon restart, where it ran)", async () => {
    await assertNoChanges("preview");
    await assertNoChanges("up");
  });

  it("replaces only Loki's container when only Loki's config changes", async () => {
    const key = `${project}:loki`;
    const before = await stack.getConfig(key).catch(() => undefined);
    await stack.setConfig(key, { value: JSON.stringify({ retentionHours: 744 }) });
    const touched: string[] = [];
    try {
      await stack.preview({
        onEvent: (e) => {
          const m = e.resourcePreEvent?.metadata;
          if (m && m.op !== "same" && m.op !== "read") touched.push(`${m.op} ${m.type} ${m.urn.split("::").pop()}`);
        },
      });
    } finally {
      if (before) await stack.setConfig(key, before);
      else await stack.removeConfig(key);
    }
    // The dynamic-resource provider (the network guards) is handed the stack's config, so any config
    // change updates it; it replaces nothing.
    const replaced = touched.filter(
      (t) => !t.startsWith("update pulumi:pulumi:Stack") && t !== "update pulumi:providers:pulumi-nodejs default",
    );
    assert.ok(replaced.length > 0, "the change must show up");
    for (const t of replaced) assert.match(t, /observability-loki-service$/, `unexpected change: ${t}`);
  });

  it("restores a container removed behind its back with up --refresh", async () => {
    await sh("docker", ["rm", "-f", `${domain}.loki`]);
    const result = await stack.up({ refresh: true, onOutput: log });
    assert.equal(result.summary.result, "succeeded");
    // Only Loki's container comes back; nothing else is touched (after the daemon restart above
    // too, which made the engine fill in the network's gateway).
    const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && n > 0);
    assert.deepEqual(changes, [["create", 1]]);
    assert.equal(await health(`${domain}.loki`), "healthy");
  });

  it("keeps the exported Grafana login working after destroy and up with kept volumes", async () => {
    // Grafana applies its admin password only when it creates the admin in an empty database; the
    // start script resets it on a kept one (configs/grafana grafanaStartScript). The placeholder
    // image behaves the same way (first start only, plus `grafana cli admin reset-admin-password`),
    // so this checks the stack's wiring; real Grafana's side is NOT VERIFIED here.
    const creds = () => outputs.grafanaAdmin!.value as { user: string; password: string };
    const login = async () =>
      (await https("grafana", "/api/user", ["-u", `${creds().user}:${creds().password}`])).status;
    await stack.setConfig(`${project}:keepDataVolumes`, { value: "true" });
    try {
      outputs = (await stack.up({ onOutput: log })).outputs;
      assert.equal(await login(), 200);
      const before = creds().password;
      await stack.destroy({ onOutput: log });
      await sh("docker", ["volume", "inspect", `${domain}-grafana-data`]); // kept, with the old database
      outputs = (await stack.up({ onOutput: log })).outputs;
      // A new stack: a new CA and new credentials for the tests after this one.
      writeFileSync(caFile, outputs.caCertPem!.value as string);
      operator = outputs.operator!.value as typeof operator;
      assert.notEqual(creds().password, before, "a new stack makes a new password");
      assert.equal(await login(), 200, "the new exported password logs in on the kept database");
      log("NOT VERIFIED (placeholder)  real Grafana 13: reset-admin-password on a kept database\n");
    } finally {
      await stack.setConfig(`${project}:keepDataVolumes`, { value: "false" });
      outputs = (await stack.up({ onOutput: log })).outputs;
    }
  });

  it("serves a consumer stack (examples/app-stack) and refuses, naming it, to destroy a network it uses", async () => {
    const image = await appImage;
    const appName = `app-${process.pid}`;
    const app = await localStack(appName, state, join(repo, "examples/app-stack"));
    await app.setAllConfig({
      "scaibu-app-stack:observabilityStack": { value: `organization/${project}/${stackName}` },
      "scaibu-app-stack:image": { value: image },
    });
    try {
      const up = await app.up({ onOutput: log });
      assert.equal(up.outputs.url!.value, `https://${domain}.app:${ports.https}`);
      const run = `consumer-${process.pid}`;
      const r = await https("app", `/?run=${run}`);
      assert.equal(r.status, 200, r.body);
      const { traceId } = JSON.parse(r.body) as { traceId: string };
      await Promise.all([
        traceInJaeger("the app's trace in Jaeger, by id", traceId, 2, "app-demo"),
        promQueryAnswers("the app's counter in Prometheus", `sum(app_demo_requests_total{run="${run}"})`, "1"),
      ]);

      await app.destroy({ onOutput: log });
      await assertNoChanges("preview"); // the consumer's destroy left the observability stack as it was

      await app.up({ onOutput: log });
      // With the app still attached, destroying the observability stack stops at its network guard.
      await assert.rejects(stack.destroy({ onOutput: log }), (err: Error) => {
        assert.match(err.message, new RegExp(`is still used by ${appName}-app, which this stack did not create`));
        assert.doesNotMatch(err.message, /timeout while waiting for state/);
        return true;
      });
      // The guards are checked before anything is removed: the refused destroy left the stack running.
      for (const name of containerNames) assert.equal(await health(name), "healthy", `${name} after the refusal`);
    } finally {
      await app.destroy({ onOutput: log });
      await app.workspace.removeStack(appName);
    }
  });

  it("destroys every container, network and volume of the stack", async () => {
    await stack.destroy({ onOutput: log });
    assert.deepEqual(await lines("docker", ["ps", "-aq", "--filter", `label=io.scaibu.stack=${stackLabel}`]), []);
    assert.deepEqual(
      await lines("docker", ["volume", "ls", "-q", "--filter", `label=io.scaibu.stack=${stackLabel}`]),
      [],
    );
    for (const name of networkNames) {
      assert.deepEqual(await lines("docker", ["network", "ls", "-q", "--filter", `name=^${name}$`]), [], name);
    }
    for (const name of containerNames) {
      assert.deepEqual(await lines("docker", ["ps", "-aq", "--filter", `name=^${name}$`]), [], name);
    }
  });
});
