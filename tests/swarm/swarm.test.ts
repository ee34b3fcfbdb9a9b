/**
 * The swarm tier: `fleet.mode: swarm` on a real 3-node Docker Swarm built on this machine from
 * the project's own engine (tests/swarm/harness.sh). The stack deploys through node 1 (a manager)
 * on two nodes; node 3 joins after `pulumi up`. Backends run on node 1; Loki is a placeholder
 * image here, so a log line is followed as far as the real collector's gateway and reported NOT
 * VERIFIED beyond it. Needs: root (namespaces), the engine build, the pulumi CLI and plugins on
 * PATH, the scaibu-e2e/*:local images in the host's engine (scripts/test.sh provides all).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2eWorkspace, image, repo, SWARM_MANAGER_IMAGES, SWARM_STACK_SERVICES } from "@scaibu/observability-devkit";
import { CATALOG } from "../../configs/catalog";
import { AGENT_CONTAINER_POINTS } from "../../configs/fleet";
import { traefikLabels } from "@scaibu/observability-routing";
import { COLLECTOR_UID } from "../../configs/privileges";
import { eventually, sh, STATUS_ONLY } from "../e2e/shell";

const harness = join(repo, "tests/swarm/harness.sh");
const domain = "sw";
const stackName = `swarm-${process.pid}`;
const state = mkdtempSync(join(tmpdir(), "scaibu-swarm-state-"));
const agentServices = [`${domain}-node-metrics`, `${domain}-node-logs`];
const fleetNetwork = `${domain}-fleet-network`;
const log = (line: string) => process.stderr.write(line);
let stack: Stack;
let ca = "";
/** The stack outputs as `pulumi stack output --json --show-secrets` writes them (for npm run status). */
let outputsFile = "";

/** npm run status against the swarm's manager: the rows of `section` (its fleet rows by default). */
async function fleetStatus(section = "fleet"): Promise<{ what: string; value: string; level: string }[]> {
  const out = await promisify(execFile)(
    "node",
    ["-r", "@scaibu/observability-loader", join(repo, "tools/status/index.ts"), "--outputs", outputsFile, "--json"],
    { env: { ...process.env, DOCKER_HOST: host(1) }, maxBuffer: 4 * 1024 * 1024 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" })); // exit 1: the UIs are off here
  const report = JSON.parse(out.stdout) as { rows: { section: string; what: string; value: string; level: string }[] };
  return report.rows.filter((r) => r.section === section).map(({ what, value, level }) => ({ what, value, level }));
}

const swarm = (...args: string[]) => sh("bash", [harness, ...args]);
const host = (k: number) => `unix:///tmp/scaibu-swarm/node${k}/docker.sock`;
const dk = (k: number, ...args: string[]) => sh("docker", ["-H", host(k), ...args]);
const nodeName = (k: number) => `scaibu-node-${k}`;
/** Runs a program in the network namespace of container `name` on node `k` (the engine's pid is the host's). */
async function inNetns(k: number, name: string, cmd: string[]): Promise<string> {
  const pid = await dk(k, "inspect", "-f", "{{.State.Pid}}", name);
  return sh("nsenter", ["-t", pid, "-n", ...cmd]);
}
const curlIn = (k: number, name: string, url: string, extra: string[] = []) =>
  inNetns(k, name, ["curl", "-sS", "--max-time", "10", ...extra, url]);

/** The operator login (the `operator` output): Prometheus asks for it on its own port too. */
let operator = { user: "", password: "" };

/** PromQL against the real Prometheus on node 1, from inside its own network namespace. */
async function prom(query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const body = await curlIn(
    1,
    `${domain}.prometheus`,
    `http://127.0.0.1:${CATALOG.prometheus.ports.http}/api/v1/query?query=${encodeURIComponent(query)}`,
    ["-u", `${operator.user}:${operator.password}`],
  );
  return (JSON.parse(body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data
    .result;
}
/** Jaeger's Swarm service (a backend that runs as one placed replica in this mode). */
const jaegerService = `${domain}-jaeger`;
/** The node and container of Jaeger's running task. */
async function jaegerTask(): Promise<[number, string]> {
  for (const k of [1, 2, 3]) {
    const c = await taskContainer(k, jaegerService).catch(() => "");
    if (c) return [k, c];
  }
  throw new Error(`no running task of ${jaegerService} on any node`);
}
/** Waits until Jaeger, wherever its task runs, holds every span of the trace `send.ts` reported. */
const traceInJaeger = (what: string, sent: { traceId: string; spans: number }) =>
  eventually(`${what} in Jaeger`, 90, async () => {
    const [k, task] = await jaegerTask();
    const body = await curlIn(k, task, `http://127.0.0.1:${CATALOG.jaeger.ports.ui}/api/traces/${sent.traceId}`, [
      "-u",
      `${operator.user}:${operator.password}`,
    ]);
    const [trace] = (JSON.parse(body) as { data?: { spans: unknown[] }[] }).data ?? [];
    return trace?.spans.length === sent.spans ? true : undefined;
  });
/** Runs tests/swarm/send.ts in the network namespace of container `name` on node `k`, to `url`. */
const sendFrom = async (k: number, name: string, url: string, run: string) =>
  JSON.parse(
    await inNetns(k, name, ["node", "-r", "@scaibu/observability-loader", join(repo, "tests/swarm/send.ts"), url, run]),
  ) as { traceId: string; spans: number };
/**
 * From container `name` on node 2: it resolves the collector by name on `network` (node 2 learns
 * it through the overlay), and a trace it sends there is in Jaeger.
 */
async function traceFromNode2(
  name: string,
  network: string,
  what: string,
): Promise<{ traceId: string; spans: number }> {
  const collector = await addressOn(1, `${domain}.otel`, network);
  const resolved = await dk(2, "exec", name, "nslookup", `${domain}.otel`);
  assert.ok(resolved.includes(collector), `node 2 resolves ${domain}.otel to ${collector}: ${resolved}`);
  const url = `http://${collector}:${CATALOG.otelCollector.ports.otlpHttp}`;
  const sent = await sendFrom(2, name, url, `${name}-${process.pid}`);
  await traceInJaeger(what, sent);
  return sent;
}
/** The trace the app on node 2 sent, which Jaeger must keep through its updates and restarts. */
let appTrace: { traceId: string; spans: number } | undefined;
/** A container that sleeps on node `k` (busybox of the Prometheus image), on `network` if given; remove it with `rm -fv`. */
const sleeper = (k: number, name: string, network?: string) =>
  dk(
    k,
    "run",
    "-d",
    "--name",
    name,
    ...(network ? ["--network", network] : []),
    "--entrypoint",
    "sleep",
    image("prometheus"),
    "600",
  );
/** A container's address on `network` (on the node it runs on). */
const addressOn = (k: number, container: string, network: string) =>
  dk(k, "inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container);

const hostsReporting = async (metric = "system_cpu_load_average_1m") =>
  (await prom(`count by (host_name) (${metric})`)).map((r) => r.metric.host_name).sort();

/** The nodes where every agent service has a running task. */
const agentNodes = async () => {
  const per = await Promise.all(agentServices.map(tasksOn));
  return per[0]!.filter((n) => per.every((nodes) => nodes.includes(n)));
};
const tasksOn = async (svc: string) =>
  (await dk(1, "service", "ps", svc, "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"))
    .split("\n")
    .filter((l) => / Running /.test(` ${l} `))
    .map((l) => l.split(" ")[0]!)
    .sort();

/**
 * Runs `body` with an app service that has one task on node 2, on the fleet network (dnsrr: this
 * kernel has no IPVS), carrying `labels`; `rest` is what follows them (mounts, entrypoint, the image
 * and its arguments). The service is removed whatever `body` does: one left on the fleet network
 * would hold it, and every later test's `up` and `destroy` would fail on it instead of its own fault.
 */
async function withAppOnNode2<T>(
  name: string,
  labels: Record<string, string>,
  rest: string[],
  body: () => Promise<T>,
): Promise<T> {
  await dk(
    1,
    "service",
    "create",
    "--detach",
    "--name",
    name,
    "--network",
    fleetNetwork,
    "--constraint",
    `node.hostname==${nodeName(2)}`,
    "--endpoint-mode",
    "dnsrr",
    ...Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
    ...rest,
  );
  try {
    return await body();
  } finally {
    await dk(1, "service", "rm", name).catch((err: unknown) => log(`cleanup: ${String(err)}\n`));
  }
}
/** A real /metrics and /-/ready: Prometheus' own image with its default config, its data on a tmpfs its user can write (no volume left). */
const prometheusApp = ["--mount", "type=tmpfs,destination=/prometheus,tmpfs-mode=1777", image("prometheus")];

/** A container of service `svc` running on node `k`. */
const taskContainer = async (k: number, svc: string) =>
  (await dk(k, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${svc}`)).split("\n")[0]!;

/** Metric `name` (summed) from a collector's own telemetry endpoint, read in its network namespace. */
async function selfMetric(k: number, container: string, name: string, port: number): Promise<number> {
  const text = await curlIn(k, container, `http://127.0.0.1:${port}/metrics`);
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

const config = {
  domain,
  instanceName: domain,
  fleet: { mode: "swarm", encryptOverlay: false }, // this kernel has no ESP (see docs/fleet.md)
  networks: {
    observability: { name: `${domain}-observability-network`, subnet: "172.16.237.0/24" },
    data: { name: `${domain}-data-network` },
    messaging: { name: `${domain}-messaging-network` },
    cicd: { name: `${domain}-cicd-network` },
    temporal: { name: `${domain}-temporal-network` },
  },
  services: SWARM_STACK_SERVICES,
  // Every rule's `for` capped at 10 s, so the fleet alert is seen soon.
  alerting: { maxFor: "10s" },
  // A host an app service of the swarm is routed at (its certificate covers it).
  consumerHosts: ["web"],
  storage: { meter: false },
};

describe("fleet.mode swarm on a real 3-node swarm", { timeout: 25 * 60 * 1000 }, () => {
  before(async () => {
    await swarm("stop");
    await swarm("start", "1", "2", "3");
    await swarm("init");
    await swarm("join", "2");
    await swarm("load", "1", ...SWARM_MANAGER_IMAGES);
    // The agent's image, and a small shell image for the app and the logger.
    for (const k of ["2", "3"])
      await swarm("load", k, image("otel-collector"), image("prometheus"), image("socket-proxy"));
    stack = await e2eWorkspace(stackName, state, config);
    await stack.setConfig("docker:host", { value: host(1) });
  });

  after(async () => {
    try {
      await stack?.destroy({ onOutput: log });
      await stack?.workspace.removeStack(stackName);
    } catch (err) {
      log(`cleanup: ${String(err)}\n`);
    }
    await swarm("stop").catch((err: unknown) => log(`cleanup: ${String(err)}\n`));
    rmSync(state, { recursive: true, force: true });
  });

  it("refuses at preview an engine that is not a Swarm manager, naming fleet.mode", async () => {
    // Node 3 runs but has not joined yet.
    await stack.setConfig("docker:host", { value: host(3) });
    try {
      await assert.rejects(stack.preview({ onOutput: log }), (err: Error) =>
        /fleet\.mode = "swarm": the Docker engine at unix:\/\/\S+node3\S+ is not in a swarm/.test(String(err)),
      );
    } finally {
      await stack.setConfig("docker:host", { value: host(1) });
    }
  });

  it("deploys through a manager and runs an agent task on every node", async () => {
    const up = await stack.up({ onOutput: log });
    assert.equal(up.summary.result, "succeeded");
    ca = String(up.outputs.caCertPem!.value);
    operator = up.outputs.operator!.value as typeof operator;
    // What an app stack reads to join the fleet (the `fleet` output).
    assert.deepEqual(up.outputs.fleet!.value, { network: fleetNetwork, agents: agentServices });
    outputsFile = join(state, "outputs.json");
    writeFileSync(
      outputsFile,
      JSON.stringify(Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]))),
      {
        mode: 0o600,
      },
    );
    await eventually("an agent on nodes 1 and 2", 120, async () => {
      const nodes = await agentNodes();
      return nodes.join() === [nodeName(1), nodeName(2)].join() ? nodes : undefined;
    });
    // dnsrr, as the engine applied it: no virtual IP on any network (this kernel has no IPVS).
    for (const svc of agentServices) {
      const endpoint = await dk(
        1,
        "service",
        "inspect",
        "-f",
        "{{.Spec.EndpointSpec.Mode}} {{len .Endpoint.VirtualIPs}}",
        svc,
      );
      assert.equal(endpoint, "dnsrr 0", svc);
    }
  });

  it("has every node's host metrics in Prometheus, one series set per host.name with its swarm node id", async () => {
    await eventually("host metrics of nodes 1 and 2", 120, async () =>
      (await hostsReporting()).join() === [nodeName(1), nodeName(2)].join() ? true : undefined,
    );
    const ids = (await dk(1, "node", "ls", "--format", "{{.Hostname}} {{.ID}}")).split("\n").map((l) => l.split(" "));
    const series = await prom("system_cpu_load_average_1m");
    for (const [hostname, id] of ids) {
      const mine = series.filter((s) => s.metric.host_name === hostname);
      assert.equal(mine.length, 1, `${hostname}: one series`);
      assert.equal(mine[0]!.metric.docker_swarm_node_id, id, `${hostname}: its swarm node id`);
    }
  });

  it("gives a node that joins after `pulumi up` its agent, without another up", async () => {
    await swarm("join", "3");
    await eventually("an agent on node 3", 120, async () =>
      (await agentNodes()).includes(nodeName(3)) ? true : undefined,
    );
    await eventually("host metrics of node 3", 120, async () =>
      (await hostsReporting()).includes(nodeName(3)) ? true : undefined,
    );
    // Prometheus finds every agent through the Swarm API and scrapes it on the fleet network.
    await eventually("both agents of each node scraped", 90, async () => {
      const up = await prom('up{job="node-agents"} == 1');
      const seen = up.map((r) => `${r.metric.host_name} ${r.metric.service}`).sort();
      const want = [1, 2, 3].flatMap((k) => agentServices.map((svc) => `${nodeName(k)} ${svc}`)).sort();
      return seen.join() === want.join() ? true : undefined;
    });
    assert.deepEqual(await fleetStatus(), [
      { what: `${domain}-node-api`, value: "running on 3 of 3 nodes", level: "ok" },
      { what: `${domain}-node-logs`, value: "running on 3 of 3 nodes", level: "ok" },
      { what: `${domain}-node-metrics`, value: "running on 3 of 3 nodes", level: "ok" },
    ]);
  });

  it("reads each node's containers through that node's own proxy, and nothing else of its engine", async () => {
    // A container started on each node after its agent, as an app's would be.
    const probes = [1, 2, 3].map((k) => `${domain}-probe-${k}`);
    for (const k of [1, 2, 3]) await sleeper(k, probes[k - 1]!);
    try {
      const seenOn = async (k: number) =>
        (await prom(`count by (container_name) (container_memory_usage_total_bytes{host_name="${nodeName(k)}"})`)).map(
          (r) => r.metric.container_name!,
        );
      // The manager's own containers too: the collector no longer reads the Docker API itself.
      const manager = (await dk(1, "ps", "--format", "{{.Names}}"))
        .split("\n")
        .filter((n) => n.startsWith(`${domain}.`));
      assert.ok(manager.includes(`${domain}.prometheus`), manager.join());
      for (const k of [1, 2, 3]) {
        const want = [probes[k - 1]!, ...(k === 1 ? manager : [])];
        await eventually(`node ${k}'s containers in docker_stats, under its host_name`, 150, async () => {
          const seen = new Set(await seenOn(k));
          const missing = want.filter((n) => !seen.has(n));
          if (missing.length) throw new Error(`missing ${missing.join(" ")}`);
          return true;
        }).catch(async (err: unknown) => {
          // What the agent and the proxy said, for the failure's reader.
          for (const svc of [`${domain}-node-metrics`, `${domain}-node-api`])
            log(`${svc}:\n${await dk(1, "service", "logs", "--tail", "15", svc).catch((e: unknown) => String(e))}\n`);
          throw err;
        });
        // Never another node's.
        const seen = await seenOn(k);
        for (const other of probes.filter((_, i) => i !== k - 1))
          assert.ok(!seen.includes(other), `${nodeName(k)} shows ${other}`);
      }
    } finally {
      // -v: the image declares a volume (/prometheus), which would outlive the container.
      for (const k of [1, 2, 3]) await dk(k, "rm", "-fv", probes[k - 1]!).catch(() => "");
    }
    // What NodeContainerMetricsMissing reads: each node's agent counts the points its docker_stats
    // scrapes, and Prometheus has that count under every node's host_name, rising; the alert is quiet.
    await eventually("every node's docker_stats count rising in Prometheus", 90, async () => {
      const r = await prom(`sum by (host_name) (rate(${AGENT_CONTAINER_POINTS}[1m])) > 0`);
      return r.length === 3 ? true : undefined;
    });
    assert.deepEqual(await prom('ALERTS{alertname="NodeContainerMetricsMissing"}'), []);
    // The proxy on node 2 answers docker_stats' reads alone, and only on its internal overlay.
    const apiNetwork = `${domain}-node-api-network`;
    assert.equal(
      await dk(1, "network", "inspect", "-f", "{{.Driver}} {{.Internal}} {{.Attachable}}", apiNetwork),
      "overlay true false",
    );
    const proxy = await addressOn(2, await taskContainer(2, `${domain}-node-api`), apiNetwork);
    const agent = await taskContainer(2, `${domain}-node-metrics`);
    const code = (path: string, extra: string[] = []) =>
      inNetns(2, agent, [...STATUS_ONLY, ...extra, `http://${proxy}:${CATALOG.socketProxy.ports.api}${path}`]);
    assert.equal(await code("/v1.44/containers/json"), "200");
    for (const path of ["/v1.44/networks", "/v1.44/services", "/v1.44/nodes", "/v1.44/secrets"])
      assert.equal(await code(path), "403", path);
    assert.equal(
      await code("/v1.44/containers/create", ["-X", "POST", "-H", "Content-Type: application/json", "-d", "{}"]),
      "403",
    );
    // No container joins it, on any node.
    try {
      await assert.rejects(
        dk(2, "run", "--name", "not-attached", "--network", apiNetwork, "--entrypoint", "true", image("prometheus")),
        /attachable/i,
      );
    } finally {
      // The engine creates the container before it refuses the network.
      await dk(2, "rm", "-fv", "not-attached").catch(() => "");
    }
  });

  it("carries a trace from an app task on node 2 over the overlay to Jaeger", async () => {
    // The app: a task on node 2 on the fleet network; the SDK sends from inside its network namespace.
    await withAppOnNode2(`${domain}-app`, {}, ["--entrypoint", "sleep", image("prometheus"), "600"], async () => {
      const app = await eventually(
        "the app's task on node 2",
        60,
        async () => (await taskContainer(2, `${domain}-app`)) || undefined,
      );
      // Swarm's DNS on the overlay gives tasks on every node the gateway's name.
      appTrace = await traceFromNode2(app, fleetNetwork, "the app's trace");
      // The same app task reaches Prometheus on the overlay (it scrapes there), and gets nothing
      // from it without a login: no query, no admin API (configs/web-auth.ts).
      const prometheus = await dk(
        1,
        "inspect",
        "-f",
        `{{(index .NetworkSettings.Networks "${fleetNetwork}").IPAddress}}`,
        `${domain}.prometheus`,
      );
      const code = (path: string, extra: string[] = []) =>
        inNetns(2, app, [...STATUS_ONLY, ...extra, `http://${prometheus}:${CATALOG.prometheus.ports.http}${path}`]);
      assert.equal(await code("/api/v1/query?query=up"), "401");
      assert.equal(
        await code("/api/v1/admin/tsdb/delete_series", ["-X", "POST", "--data-urlencode", "match[]=up"]),
        "401",
      );
      assert.equal(await code("/api/v1/query?query=up", ["-u", `${operator.user}:${operator.password}`]), "200");
    });
  });

  it("runs Jaeger as one Swarm replica on the manager, on its volume there, routed by Traefik, and keeps its traces through a stop-first update", async () => {
    const [k, task] = await jaegerTask();
    assert.equal(k, 1, "on the manager Pulumi deploys through");
    const spec = JSON.parse(await dk(1, "service", "inspect", "-f", "{{json .Spec}}", jaegerService)) as {
      Mode: object;
      UpdateConfig: { Order: string; FailureAction: string };
      TaskTemplate: { Placement: { Constraints: string[] } };
    };
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
    assert.deepEqual([spec.UpdateConfig.Order, spec.UpdateConfig.FailureAction], ["stop-first", "rollback"]);
    const manager = await dk(1, "info", "-f", "{{.Swarm.NodeID}}");
    assert.deepEqual(spec.TaskTemplate.Placement.Constraints, [`node.id==${manager}`]);
    // The manager's declared volume at /tmp, where the image's own 1777 directory let uid 10001 write.
    const mount = await dk(
      1,
      "inspect",
      "-f",
      '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{.Destination}} {{.RW}}{{end}}{{end}}',
      task,
    );
    assert.equal(mount, `${domain}-jaeger-data /tmp true`);
    assert.equal(await dk(1, "exec", task, "stat", "-c", "%u %a", "/tmp"), "0 1777");
    assert.equal(await dk(1, "exec", task, "stat", "-c", "%u", "/tmp/keys", "/tmp/values"), "10001\n10001");
    // Traefik's swarm provider routes it on the stack's overlay, behind the operator's login.
    const caFile = join(state, "jaeger-ca.crt");
    writeFileSync(caFile, ca);
    const host = `${domain}.jaeger`;
    const { websecure } = CATALOG.traefik.ports;
    const viaTraefik = (extra: string[]) =>
      inNetns(1, `${domain}.traefik`, [
        ...STATUS_ONLY,
        "--resolve",
        `${host}:${websecure}:127.0.0.1`,
        "--cacert",
        caFile,
        ...extra,
        `https://${host}/api/services`,
      ]);
    await eventually(`https://${host} through Traefik`, 90, async () =>
      (await viaTraefik(["-u", `${operator.user}:${operator.password}`])) === "200" ? true : undefined,
    );
    assert.equal(await viaTraefik([]), "401");
    // A stop-first update (what a new image or config does): the old task stops, the new one opens the same data.
    await dk(1, "service", "update", "--force", "--detach", jaegerService);
    await eventually("Jaeger's forced update completed", 180, async () =>
      (await dk(1, "service", "inspect", "-f", "{{.UpdateStatus.State}}", jaegerService)) === "completed"
        ? true
        : undefined,
    );
    assert.notEqual((await jaegerTask())[1], task, "a new task");
    await traceInJaeger("the app's trace, after Jaeger's stop-first update", appTrace!);
    // Prometheus scrapes it by its name, and its task's container, named by Swarm, is the stack's
    // Jaeger to the container alerts: no StackContainerDown for it (every rule's `for` is 10 s here).
    await eventually("Jaeger scraped by its name", 60, async () =>
      (await prom(`up{job="jaeger"} == 1`)).length === 1 ? true : undefined,
    );
    await eventually("Jaeger's task in docker_stats under node 1", 90, async () =>
      (await prom(`container_memory_usage_limit_bytes{container_name=~"${jaegerService}[.].+"}`)).some(
        (r) => r.metric.host_name === nodeName(1),
      )
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 20_000));
    assert.deepEqual(await prom(`ALERTS{alertname="StackContainerDown"}`), []);
    // npm run status counts its tasks where a container would be.
    const row = (await fleetStatus("containers")).find((r) => r.what === `${domain}.jaeger`);
    assert.deepEqual(row, {
      what: `${domain}.jaeger`,
      value: `Swarm service ${jaegerService}: 1 of 1 task running`,
      level: "ok",
    });
  });

  it("joins a container on node 2 to the stack's own network by its output name: it reaches the collector by name, and destroy waits for it", async () => {
    const outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as {
      networks: Record<string, { name: string }>;
      routing: { httpsPort: number };
    };
    const network = outputs.networks.observability!.name;
    // Traefik, on overlays now, still publishes its port on the manager's loopback (through docker_gwbridge).
    const published = await sh("ip", [
      "netns",
      "exec",
      "scaibu-sw-1",
      ...STATUS_ONLY,
      "-k",
      `https://127.0.0.1:${outputs.routing.httpsPort}/`,
    ]);
    assert.equal(published, "404", "Traefik answers on the published port");
    // And routes the stack's own services as on one host: its docker provider finds them on the overlay.
    const port = outputs.routing.httpsPort;
    const routed = (extra: string[]) =>
      sh("ip", [
        "netns",
        "exec",
        "scaibu-sw-1",
        ...STATUS_ONLY,
        "-k",
        "--resolve",
        `${domain}.prometheus:${port}:127.0.0.1`,
        ...extra,
        `https://${domain}.prometheus:${port}/-/ready`,
      ]);
    assert.equal(await routed([]), "401", "Prometheus routed, behind the operator's login");
    assert.equal(await routed(["-u", `${operator.user}:${operator.password}`]), "200");
    // The stack's networks are attachable overlays; the internal ones of Loki and the socket proxy stay bridges.
    assert.equal(
      await dk(1, "network", "inspect", "-f", "{{.Driver}} {{.Attachable}} {{.Internal}}", network),
      "overlay true false",
    );
    for (const served of [`${domain}-loki-network`, `${domain}-docker-api-network`]) {
      assert.equal(await dk(1, "network", "inspect", "-f", "{{.Driver}} {{.Internal}}", served), "bridge true", served);
    }
    // What a consumer stack does on one host, here on node 2: a plain container on the network by name.
    const consumer = `${domain}-consumer`;
    await sleeper(2, consumer, network);
    try {
      await traceFromNode2(consumer, network, "the consumer's trace");
      // Node 1's engine cannot inspect it, but the swarm knows it: the guard names it before anything goes.
      assert.ok((await dk(1, "network", "inspect", "--verbose", network)).includes(consumer));
      await assert.rejects(stack.destroy({ onOutput: log }), (err: Error) =>
        new RegExp(`network ${network} is still used by ${consumer} \\(on 10\\.213\\.0\\.2\\)`).test(String(err)),
      );
      assert.equal(await dk(1, "inspect", "-f", "{{.State.Running}}", `${domain}.otel`), "true");
    } finally {
      await dk(2, "rm", "-fv", consumer);
    }
  });

  it("routes an app service on node 2 through Traefik on the manager, by its service labels, with the stack's certificate", async () => {
    const web = `${domain}-web`;
    const outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as {
      routing: { label: { key: string; value: string }; hosts: Record<string, string> };
    };
    const host = outputs.routing.hosts.web!;
    // What an app stack writes: the routing package's labels for Traefik's swarm provider, and the
    // label that names this stack (the `routing` output).
    const labels = {
      ...traefikLabels({ name: "consumer-web", host, port: CATALOG.prometheus.ports.http }, fleetNetwork, "swarm"),
      [outputs.routing.label.key]: outputs.routing.label.value,
    };
    const caFile = join(state, "ca.crt");
    writeFileSync(caFile, ca);
    const { websecure } = CATALOG.traefik.ports;
    const viaTraefik = () =>
      curlIn(1, `${domain}.traefik`, `https://${host}/-/ready`, [
        "--resolve",
        `${host}:${websecure}:127.0.0.1`,
        "--cacert",
        caFile,
      ]);
    await withAppOnNode2(web, labels, prometheusApp, async () => {
      const body = await eventually(`https://${host} through Traefik`, 90, async () =>
        viaTraefik().then(
          (b) => (/Ready/.test(b) ? b : undefined),
          () => undefined,
        ),
      );
      assert.match(body, /Prometheus Server is Ready/);
    });
    await eventually("the removed service's route gone", 90, async () =>
      viaTraefik().then(
        (b) => (/Ready/.test(b) ? undefined : true),
        () => true,
      ),
    );
  });

  it("scrapes an app service that opts in with its labels, on its node, with that node's labels", async () => {
    const app = `${domain}-metrics-app`;
    await dk(1, "node", "update", "--label-add", "scaibu.zone=b", nodeName(2));
    try {
      await withAppOnNode2(
        app,
        { "prometheus.io/scrape": "true", "prometheus.io/port": String(CATALOG.prometheus.ports.http) },
        prometheusApp,
        async () => {
          const [target] = await eventually("the app's target up in job swarm-services", 120, async () => {
            const r = await prom(`up{job="swarm-services"} == 1`);
            return r.length ? r : undefined;
          });
          assert.equal(target!.metric.service, app);
          assert.equal(target!.metric.host_name, nodeName(2));
          assert.equal(target!.metric.node_label_scaibu_zone, "b");
          // Only what opts in: the agents run on every node unlabelled, and are not in the apps' job.
          assert.deepEqual(
            (await prom(`count by (service) (up{job="swarm-services"})`)).map((r) => r.metric.service),
            [app],
          );
          // The node's label reaches the agents' series too (from the discovery's next refresh after the
          // label was added: their targets then change labels), which host metrics join on host_name.
          await eventually("node 2's label on its agents' series", 60, async () => {
            const agents = await prom(`up{job="node-agents", host_name="${nodeName(2)}"}`);
            return agents.length === agentServices.length &&
              agents.every((a) => a.metric.node_label_scaibu_zone === "b")
              ? true
              : undefined;
          });
        },
      );
      await eventually("the removed app leaves the targets", 120, async () =>
        (await prom(`up{job="swarm-services"}`)).length === 0 ? true : undefined,
      );
    } finally {
      await dk(1, "node", "update", "--label-rm", "scaibu.zone", nodeName(2));
    }
  });

  it("ships a container's log line on node 3 through node 3's agent and the gateway", async () => {
    const agent = await taskContainer(3, `${domain}-node-logs`);
    const port = 8888;
    const before = await selfMetric(3, agent, "otelcol_exporter_sent_log_records", port);
    await dk(
      3,
      "run",
      "-d",
      "--name",
      "sw-logger",
      "--network",
      "none",
      "--entrypoint",
      "sh",
      image("prometheus"),
      "-c",
      "for i in $(seq 20); do echo fleet-marker-line $i; sleep 0.5; done; sleep 600",
    );
    await eventually("node 3's agent sends the logger's lines", 60, async () =>
      (await selfMetric(3, agent, "otelcol_exporter_sent_log_records", port)) >= before + 20 ? true : undefined,
    );
    assert.equal(await selfMetric(3, agent, "otelcol_exporter_send_failed_log_records", port), 0);
    const fleetAccepted = async () =>
      (await curlIn(1, `${domain}.otel`, `http://127.0.0.1:${CATALOG.otelCollector.ports.metrics}/metrics`))
        .split("\n")
        .filter((l) => l.startsWith("otelcol_receiver_accepted_log_records") && l.includes('receiver="otlp/fleet"'))
        .reduce((s, l) => s + Number(l.split(" ").pop()), 0);
    assert.ok((await fleetAccepted()) >= 20, "the gateway accepted them on its mTLS receiver");
    log("NOT VERIFIED (placeholder)  the marker line from node 3 in Loki: the Loki image here is a placeholder\n");
    await dk(3, "rm", "-fv", "sw-logger"); // with its anonymous volume (the image declares one)
  });

  it("refuses at the handshake a client without a certificate, one another CA signed, and a server certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scaibu-swarm-tls-"));
    try {
      writeFileSync(join(dir, "ca.pem"), ca);
      // `pulumi stack export --show-secrets`: the keys, as the stack holds them.
      const exported = (await stack.exportStack()) as {
        deployment: { resources: { urn: string; outputs?: Record<string, unknown> }[] };
      };
      const output = (name: string, key: string) => {
        const v = exported.deployment.resources.find((r) => r.urn.endsWith(`::${name}`))!.outputs![key];
        return typeof v === "string" ? v : (JSON.parse((v as { plaintext: string }).plaintext) as string);
      };
      const pair = (label: string, cert: string, key: string) => {
        writeFileSync(join(dir, `${label}.pem`), cert);
        writeFileSync(join(dir, `${label}.key`), key, { mode: 0o600 });
        return ["-cert", join(dir, `${label}.pem`), "-key", join(dir, `${label}.key`)];
      };
      const agent = pair(
        "agent",
        output("observability-certs-fleet-agent", "certPem"),
        output("observability-certs-fleet-agent-key", "privateKeyPem"),
      );
      // Traefik's server certificate: the stack's CA signed it, for serverAuth only.
      const server = pair(
        "server",
        output("observability-certs-server", "certPem"),
        output("observability-certs-server-key", "privateKeyPem"),
      );
      await promisify(execFile)("openssl", [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        join(dir, "intruder.key"),
        "-out",
        join(dir, "intruder.pem"),
        "-subj",
        "/CN=intruder",
        "-days",
        "1",
        "-addext",
        "extendedKeyUsage=clientAuth",
      ]);
      const intruder = ["-cert", join(dir, "intruder.pem"), "-key", join(dir, "intruder.key")];
      // TLS 1.3 sends the server's verdict after the client's Finished: s_client stays a second to read it.
      const handshake = (extra: string[]) =>
        inNetns(1, `${domain}.otel`, [
          "sh",
          "-c",
          `sleep 1 | openssl s_client -brief -connect 127.0.0.1:${CATALOG.otelCollector.ports.otlpFleet} ` +
            `-servername ${domain}.otel -CAfile ${join(dir, "ca.pem")} ${extra.join(" ")} 2>&1; echo "exit $?"`,
        ]);
      const none = await handshake([]);
      assert.match(none, /alert certificate required/, none);
      const foreign = await handshake(intruder);
      assert.match(foreign, /alert unknown ca/, foreign);
      const serverAuthOnly = await handshake(server);
      assert.match(serverAuthOnly, /alert bad certificate/, serverAuthOnly);
      const ok = await handshake(agent);
      assert.doesNotMatch(ok, /alert/, ok);
      assert.match(ok, /Verification: OK[\s\S]*exit 0/, ok);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs each node agent with its privileges alone, proven inside its namespaces on node 2", async () => {
    const pidOf = async (svc: string) => dk(2, "inspect", "-f", "{{.State.Pid}}", await taskContainer(2, svc));
    const status = async (pid: string) => readFileSync(`/proc/${pid}/status`, "utf8");
    const capEff = (text: string) => BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(text)![1]}`);
    // The node's Docker API proxy: root with no capability, and the node's socket the one it reaches.
    const proxyPid = await pidOf(`${domain}-node-api`);
    assert.equal(capEff(await status(proxyPid)), 0n, "node proxy: no capability");
    assert.match(await status(proxyPid), /^Uid:\s+0\s/m);
    const metricsPid = await pidOf(`${domain}-node-metrics`);
    const logsPid = await pidOf(`${domain}-node-logs`);
    assert.equal(capEff(await status(metricsPid)), 0n, "host metrics: no capability");
    assert.equal(capEff(await status(logsPid)), 1n << 2n, "logs: CAP_DAC_READ_SEARCH alone");
    assert.match(await status(metricsPid), new RegExp(`^Uid:\\s+${COLLECTOR_UID}\\s`, "m"));
    const probe = async (pid: string, creds: string[]) =>
      JSON.parse(await sh("python3", [join(repo, "tests/e2e/probe/namespace_probe.py"), pid, ...creds, "", ""])) as {
        sockets: Record<string, string>;
        written: string[];
        dirsChecked: number;
        masked: Record<string, string[]>;
      };
    const metrics = await probe(metricsPid, [String(COLLECTOR_UID), String(COLLECTOR_UID), "", ""]);
    const connected = Object.entries(metrics.sockets).filter(([, r]) => r === "CONNECTED");
    assert.deepEqual(connected, [], "no socket of the node answers connect()");
    assert.deepEqual(metrics.written, [], "nothing of the container or the node takes a new file");
    assert.deepEqual(metrics.masked["/hostfs/run"], [], "the node's /run (its engine's socket) is an empty mask");
    assert.ok(metrics.dirsChecked > 100, `${metrics.dirsChecked} directories checked`);
    const proxy = await probe(proxyPid, ["0", "0", "", ""]);
    assert.deepEqual(
      Object.entries(proxy.sockets)
        .filter(([, r]) => r === "CONNECTED")
        .map(([path]) => path),
      ["/var/run/docker.sock"],
      "the proxy reaches its node's engine and no other socket",
    );
    const logs = await probe(logsPid, ["0", "0", "", "CAP_DAC_READ_SEARCH"]);
    assert.deepEqual(logs.sockets, {}, "the log agent sees no socket at all");
    assert.deepEqual(logs.written, [], "and writes nothing");
  });

  it("places Jaeger on the node labelled for data (fleet.backendPlacement), its volume made there, and back on the manager's data", async () => {
    const data = `${domain}-jaeger-data`;
    const setFleet = (fleet: object) => stack.setConfig("scaibu-observability:fleet", { value: JSON.stringify(fleet) });
    await dk(1, "node", "update", "--label-add", `${domain}.data=true`, nodeName(2));
    await swarm("load", "2", image("jaeger"));
    // Off the manager the volume is the user's to keep (destroy cannot reach it): keepDataVolumes,
    // in an up of its own first, so the manager's volume is kept when Jaeger leaves it.
    await stack.setConfig("scaibu-observability:keepDataVolumes", { value: "true" });
    assert.equal((await stack.up({ onOutput: log })).summary.result, "succeeded");
    await setFleet({ ...config.fleet, backendPlacement: [`node.labels.${domain}.data==true`] });
    // The traces on the manager do not move with it: preview says so, keepDataVolumes or not.
    await assert.rejects(stack.preview({ onOutput: log }), (err: Error) =>
      new RegExp(`fleet\\.backendPlacement = .*Docker volume ${data} does not go with it`).test(String(err)),
    );
    await stack.setConfig("scaibu-observability:acceptDataLoss", { value: JSON.stringify([data]) });
    assert.equal((await stack.up({ onOutput: log })).summary.result, "succeeded");
    const [k, task] = await jaegerTask();
    assert.equal(k, 2, "on the labelled node");
    // Swarm made the volume on node 2, its root from the image's /tmp, and Jaeger writes it.
    assert.equal(await dk(2, "volume", "ls", "-q", "--filter", `name=${data}`), data);
    assert.equal(await dk(2, "exec", task, "stat", "-c", "%u %a", "/tmp"), "0 1777");
    assert.equal(await dk(2, "exec", task, "stat", "-c", "%u", "/tmp/keys"), "10001");
    // The collector on node 1 reaches it by its name over the overlay: a new trace lands on node 2.
    const app = await sleeper(2, "jaeger-placed-app", `${domain}-observability-network`);
    try {
      await traceFromNode2(app, `${domain}-observability-network`, "a trace stored on node 2");
    } finally {
      await dk(2, "rm", "-fv", "jaeger-placed-app");
    }
    // Back on the manager, on the volume kept there: the trace of before is served again.
    await stack.setConfig("scaibu-observability:keepDataVolumes", { value: "false" });
    await stack.setConfig("scaibu-observability:acceptDataLoss", { value: "[]" });
    await setFleet(config.fleet);
    assert.equal((await stack.up({ onOutput: log })).summary.result, "succeeded");
    assert.equal((await jaegerTask())[0], 1);
    await traceInJaeger("the app's trace, back on the manager's volume", appTrace!);
    // Node 2's volume is left to the user, as the docs say; its old task's container goes first.
    await eventually(`no container on node 2 uses ${data}`, 60, async () => {
      const users = await dk(2, "ps", "-aq", "--filter", `volume=${data}`);
      if (users) await dk(2, "rm", "-f", ...users.split("\n"));
      return users ? undefined : true;
    });
    await dk(2, "volume", "rm", data);
    await dk(1, "node", "update", "--label-rm", `${domain}.data`, nodeName(2));
  });

  it("drops a drained node's agent while the other nodes keep reporting", async () => {
    await dk(1, "node", "update", "--availability", "drain", nodeName(2));
    await eventually("no agent on the drained node 2", 90, async () =>
      (await Promise.all(agentServices.map(tasksOn))).flat().includes(nodeName(2)) ? undefined : true,
    );
    const drainedAt = Date.now() / 1000;
    // npm run status counts the nodes that should run an agent: a drained one does not.
    assert.deepEqual(
      (await fleetStatus()).map((r) => `${r.value} ${r.level}`),
      ["running on 2 of 2 nodes ok", "running on 2 of 2 nodes ok", "running on 2 of 2 nodes ok"],
    );
    for (const k of [1, 3]) {
      await eventually(`node ${k} still reports`, 90, async () => {
        const [s] = await prom(`timestamp(system_cpu_load_average_1m{host_name="${nodeName(k)}"})`);
        return s && Number(s.value[1]) > drainedAt ? true : undefined;
      });
    }
  });

  it("alerts when a node's agent stops answering (NodeAgentDown), and clears when it is back", async () => {
    const agent = await taskContainer(3, `${domain}-node-metrics`);
    await dk(3, "pause", agent);
    try {
      await eventually("NodeAgentDown firing for node 3", 120, async () => {
        const firing = await prom('ALERTS{alertname="NodeAgentDown", alertstate="firing"}');
        return firing.some((a) => a.metric.host_name === nodeName(3) && a.metric.service === `${domain}-node-metrics`)
          ? true
          : undefined;
      });
    } finally {
      await dk(3, "unpause", agent);
    }
    await eventually("NodeAgentDown cleared", 120, async () =>
      (await prom('ALERTS{alertname="NodeAgentDown"}')).length === 0 ? true : undefined,
    );
  });

  it("changes nothing on a second up, after a refresh that reads an agent restarted by hand", async () => {
    // What NodeContainerMetricsMissing advises: a forced restart, which Swarm records in the service.
    await dk(1, "service", "update", "--force", "--detach", `${domain}-node-metrics`);
    await eventually("the agents' forced update completed on every node", 180, async () =>
      (await dk(1, "service", "inspect", "-f", "{{.UpdateStatus.State}}", `${domain}-node-metrics`)) === "completed"
        ? true
        : undefined,
    );
    await stack.refresh({ onOutput: log });
    const steps: string[] = [];
    const r = await stack.up({
      onOutput: log,
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && m.op !== "same" && m.op !== "read")
          steps.push(`${m.op} ${m.urn.split("::").pop()} (${(m.diffs ?? []).join(", ")})`);
      },
    });
    const changed = Object.entries(r.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && n > 0);
    assert.deepEqual(changed, [], `steps: ${steps.join("; ")}`);
  });

  it("goes back to a single host with one up: no agent, config, secret or fleet network left, the log agent back", async () => {
    await stack.setConfig("scaibu-observability:fleet", { value: JSON.stringify({ mode: "single" }) });
    // The switch replaces the overlays with bridges: another stack's container on one stops it at preview.
    const network = `${domain}-observability-network`;
    await sleeper(3, "in-the-way", network);
    try {
      // Node 1 learns of it through the overlay's gossip, a moment after it starts.
      await eventually("node 1 sees the container on node 3", 30, async () =>
        (await dk(1, "network", "inspect", "--verbose", network)).includes("in-the-way") ? true : undefined,
      );
      await assert.rejects(stack.preview({ onOutput: log }), (err: Error) =>
        new RegExp(
          `fleet\\.mode = "single" makes network ${network} a bridge \\(it is an overlay now\\), which replaces it, but in-the-way \\(on 10\\.213\\.0\\.3\\) uses it`,
        ).test(String(err)),
      );
    } finally {
      await dk(3, "rm", "-fv", "in-the-way");
    }
    const r = await stack.up({ onOutput: log });
    assert.equal(r.summary.result, "succeeded");
    for (const kind of ["service", "config", "secret"]) {
      assert.equal(await dk(1, kind, "ls", "-q"), "", `no ${kind} left`);
    }
    // The manager drops a removed overlay a moment after the API call returns.
    await eventually("the fleet network gone", 60, async () =>
      (await dk(1, "network", "ls", "-q", "--filter", `name=${fleetNetwork}`)) === "" ? true : undefined,
    );
    assert.equal(await dk(1, "inspect", "-f", "{{.State.Health.Status}}", `${domain}.otel-logs`), "healthy");
    const networks = await dk(1, "inspect", "-f", "{{json .NetworkSettings.Networks}}", `${domain}.otel`);
    assert.ok(!networks.includes(fleetNetwork), networks);
    // The stack's networks are bridges again (replaced, with their containers).
    assert.equal(await dk(1, "network", "inspect", "-f", "{{.Driver}}", `${domain}-observability-network`), "bridge");
    assert.equal(r.outputs.fleet, undefined, "no fleet output");
    // Jaeger is a container again, on the volume its service wrote (the service was scaled to none first).
    const body = await curlIn(
      1,
      `${domain}.jaeger`,
      `http://127.0.0.1:${CATALOG.jaeger.ports.ui}/api/traces/${appTrace!.traceId}`,
      ["-u", `${operator.user}:${operator.password}`],
    );
    assert.equal((JSON.parse(body) as { data: { spans: unknown[] }[] }).data[0]?.spans.length, appTrace!.spans);
  });

  it("switches from one host to the swarm again: Jaeger's container hands its volume to the service, traces and all", async () => {
    await stack.setConfig("scaibu-observability:fleet", { value: JSON.stringify(config.fleet) });
    const r = await stack.up({ onOutput: log });
    assert.equal(r.summary.result, "succeeded");
    assert.equal((await jaegerTask())[0], 1);
    assert.equal(await dk(1, "ps", "-aq", "--filter", `name=^${domain}.jaeger$`), "", "the container is gone");
    await traceInJaeger("the app's trace, through single mode and back", appTrace!);
  });

  it("leaves no service, config, secret, network or volume of the stack on any node after destroy", async () => {
    await stack.destroy({ onOutput: log });
    // A removed service's tasks go from each node a moment later.
    await eventually("every node clean", 60, async () => {
      for (const k of [1, 2, 3]) {
        const left = [
          ...(await dk(k, "ps", "-a", "--format", "{{.ID}} {{.Names}} ({{.Status}})")).split("\n"),
          ...(await dk(k, "volume", "ls", "-q")).split("\n"),
          ...(await dk(k, "network", "ls", "-q", "--filter", "label=io.scaibu.stack")).split("\n"),
          ...(k === 1
            ? [
                ...(await dk(1, "service", "ls", "-q")).split("\n"),
                ...(await dk(1, "config", "ls", "-q")).split("\n"),
                ...(await dk(1, "secret", "ls", "-q")).split("\n"),
              ]
            : []),
        ].filter(Boolean);
        if (left.length) throw new Error(`node ${k}: ${left.join(" ")}`);
      }
      return true;
    });
  });
});
