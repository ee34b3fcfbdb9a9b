/** fleet.mode swarm under mocks: the overlay, the node agents and the gateway, and what single mode keeps. */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
  byType,
  declared,
  installMocks,
  promiseOf,
  record,
  resolvedInputs,
  securityRows,
  SWARM_ROW_PREFIX,
  inputsByName,
} from "./harness";

installMocks({ fleet: { mode: "swarm" } });

import { CLIENT_USAGES, SERVER_USAGES } from "../../components/certificates";
import { Networks } from "../../components/networks";
import { ObservabilityStack } from "../../components/stack";
import { loadSettings } from "../../settings/load";
import { parseSettings, SettingsError } from "../../settings/schema";
import {
  AGENT_CONFIG_PATH,
  backendConstraints,
  NODE_ENV,
  NODE_PROXY_HOSTNAME,
  PROMETHEUS_FLEET_RULES_PATH,
} from "../../configs/fleet";
import {
  JAEGER_HTPASSWD_PATH,
  JAEGER_OTLP_HTPASSWD_PATH,
  JAEGER_OTLP_KEY_PATH,
  JAEGER_SWARM_DATA_DIR,
} from "../../configs/jaeger";
import { volumesOf } from "../../configs/volumes";
import { meteredVolumes } from "../../configs/render";
import { declaredVolumes } from "../../settings/data-loss";
import { CERTIFICATE_RULES_PATH } from "../../configs/certificate-rules";
import { CATALOG } from "../../configs/catalog";
import {
  nodeProxyConfig,
  SOCKET_PROXY_CONFIG_PATH,
  socketProxyConfig,
  socketProxyEntrypoint,
} from "../../configs/socket-proxy";
import { swarmServiceProblems } from "../../policy/rules";
import { OUTPUTS } from "../../contract/outputs";
import { stackOutputs } from "../../contract/stack-outputs";

type Row = Record<string, unknown>;
/** The manager the program deploys through, as providers/swarm-manager.ts swarmFacts finds it. */
const SWARM = { nodeId: "manager-node-1", services: [] };
let stack: ObservabilityStack;
const containers = new Map<string, Row>();
/** The node agents' services by name. */
const services = new Map<string, Row>();

before(async () => {
  stack = new ObservabilityStack(
    "observability",
    { settings: loadSettings(), stackLabel: "scaibu-observability/unit", swarm: Promise.resolve(SWARM) },
    { transformations: [record] },
  );
  await promiseOf(stack.urn);
  for (const [name, inputs] of await inputsByName("docker:index/container:Container")) containers.set(name, inputs);
  for (const [name, inputs] of await inputsByName("docker:index/service:Service")) services.set(name, inputs);
});

const uploads = (c: Row) => c.uploads as { file: string; content: string }[];
const collectorConfig = () =>
  parse(uploads(containers.get("scaibu.otel")!).find((u) => u.file.endsWith("config.yaml"))!.content) as {
    receivers: Record<string, { protocols: { grpc: { endpoint: string; tls: Record<string, string> } } }>;
    service: { pipelines: Record<string, { receivers: string[] }> };
  };
const METRICS = "scaibu-node-metrics";
const LOGS = "scaibu-node-logs";
const PROXY = "scaibu-node-api";
const AGENTS = [METRICS, LOGS];
const spec = (name: string) => (services.get(name)!.taskSpec as { containerSpec: Row }).containerSpec;

describe("resource graph (fleet.mode swarm)", () => {
  it("adds an attachable overlay network and two global agent services, each with its configs and the key as a secret", async () => {
    const counts: Record<string, number> = {};
    for (const d of declared) counts[d.type] = (counts[d.type] ?? 0) + 1;
    assert.equal(counts["scaibu:observability:Fleet"], 1);
    assert.equal(counts["docker:index/service:Service"], 4, "two agents, the node proxy and Jaeger");
    assert.equal(
      counts["docker:index/serviceConfig:ServiceConfig"],
      9,
      "config, certificate, CA of each agent; the proxy's filter; Jaeger's config and certificate",
    );
    assert.equal(counts["docker:index/secret:Secret"], 5, "the agents' key, for each; Jaeger's two htpasswd and key");
    const fleet = (await Promise.all(byType("docker:index/network:Network").map(resolvedInputs))).filter(
      (n) => n.name === "scaibu-fleet-network",
    );
    assert.equal(fleet.length, 1);
    assert.equal(fleet[0]!.driver, "overlay");
    assert.equal(fleet[0]!.attachable, true);
    assert.deepEqual([...services.keys()].sort(), ["scaibu-jaeger", PROXY, LOGS, METRICS]);
    for (const name of [PROXY, LOGS, METRICS]) assert.deepEqual(services.get(name)!.mode, { global: true }, name);
  });

  it("makes the stack's networks attachable overlays, encrypted, and keeps the internal ones bridges on the manager", async () => {
    const networks = await Promise.all(byType("docker:index/network:Network").map(resolvedInputs));
    const roles = Object.values(stack.networkOutputs).map((o) => o.name);
    const roleNames = await Promise.all(roles.map(promiseOf));
    assert.ok(roleNames.includes("scaibu-observability-network"), roleNames.join());
    for (const name of roleNames) {
      const n = networks.find((x) => x.name === name)!;
      // A consumer's container on any node joins by the name in the stack's outputs.
      assert.equal(n.driver, "overlay", name);
      assert.equal(n.attachable, true, name);
      assert.deepEqual(n.options, { encrypted: "" }, name);
      assert.equal(n.internal, undefined, name);
    }
    // Loki and the socket proxy ask for no login: no container of another node may join theirs.
    const internal = networks.filter((n) => n.internal === true && n.driver === "bridge");
    assert.deepEqual(internal.map((n) => n.name).sort(), ["scaibu-docker-api-network", "scaibu-loki-network"]);
    for (const n of internal) {
      assert.equal(n.driver, "bridge", String(n.name));
      assert.equal(n.attachable, undefined, String(n.name));
    }
  });

  it("guards the fleet network too, and makes the guard wait for the agents' services: a refused destroy leaves them", async () => {
    const guards = byType("scaibu:docker:NetworkGuard");
    assert.equal(guards.length, 1);
    const deps = guards[0]!.opts.dependsOn as pulumi.Resource[];
    const want = ["docker:index/network:Network", "docker:index/container:Container", "docker:index/service:Service"];
    const all = want.flatMap((t) =>
      byType(t)
        .filter((d) => !d.name.startsWith("unencrypted"))
        .map((d) => d.resource!),
    );
    for (const r of all) assert.ok(deps.includes(r), "every network, container and service");
    assert.equal(deps.length, all.length);
    assert.ok(((await resolvedInputs(guards[0]!)).networks as string[]).includes("scaibu-fleet-network"));
  });

  it("does not encrypt them where the nodes' kernels lack ESP (fleet.encryptOverlay false)", async () => {
    const before = declared.length;
    const networks = new Networks(
      "unencrypted",
      {
        names: { observability: "o" },
        observabilitySubnet: "10.9.0.0/24",
        stackLabel: "p/u",
        overlay: { encrypted: false },
      },
      { transformations: [record] },
    );
    await promiseOf(networks.urn);
    const [o] = await Promise.all(
      declared
        .slice(before)
        .filter((d) => d.type === "docker:index/network:Network")
        .map(resolvedInputs),
    );
    assert.deepEqual([o!.driver, o!.attachable, o!.options], ["overlay", true, undefined]);
  });

  it("runs a Docker API proxy on every node for that node's metrics agent alone, and docker_stats in the agent", async () => {
    const networks = await Promise.all(byType("docker:index/network:Network").map(resolvedInputs));
    const api = networks.find((n) => n.name === "scaibu-node-api-network")!;
    // No container joins it, only the services the manager declares; no route out.
    assert.deepEqual([api.driver, api.internal, api.attachable], ["overlay", true, undefined]);
    const apiId = (await promiseOf(stack.fleet!.nodeApiNetwork!.id)) as string;
    const fleetId = (await promiseOf(stack.fleet!.network.id)) as string;
    const joined = (name: string) =>
      ((services.get(name)!.taskSpec as { networksAdvanceds: { id: string }[] }).networksAdvanceds ?? []).map(
        (n) => n.id,
      );
    assert.deepEqual(joined(PROXY), [apiId]);
    assert.deepEqual(joined(METRICS), [fleetId, apiId]);
    assert.deepEqual(joined(LOGS), [fleetId]);
    for (const [name, c] of containers) {
      const on = (c.networksAdvanced as { name: string }[]).map((n) => n.name);
      assert.ok(!on.includes("scaibu-node-api-network"), name);
    }
    // Each task's hostname carries its node's id, and the agent asks for its own node's.
    const proxy = spec(PROXY);
    assert.equal(proxy.hostname, NODE_PROXY_HOSTNAME);
    assert.equal(NODE_PROXY_HOSTNAME, "node-api-{{.Node.ID}}");
    assert.deepEqual(proxy.commands, socketProxyEntrypoint());
    assert.deepEqual(
      (proxy.mounts as { type: string; source?: string; target: string; readOnly: boolean }[]).filter(
        (m) => m.type === "bind",
      ),
      [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }],
    );
    const configs = await Promise.all(byType("docker:index/serviceConfig:ServiceConfig").map(resolvedInputs));
    const filter = configs.find((c) => String(c.name).startsWith(`${PROXY}-`))!;
    assert.equal(Buffer.from(String(filter.data), "base64").toString(), nodeProxyConfig());
    const agent = parse(
      Buffer.from(
        String(configs.find((c) => String(c.name).startsWith(`${METRICS}-agent.yaml`))!.data),
        "base64",
      ).toString(),
    ) as {
      receivers: Record<string, { endpoint?: string }>;
      service: { pipelines: { metrics: { receivers: string[] } } };
    };
    assert.equal(agent.receivers.docker_stats!.endpoint, "tcp://node-api-${env:SCAIBU_NODE_ID}:2375");
    assert.deepEqual(agent.service.pipelines.metrics.receivers, ["host_metrics", "docker_stats"]);
  });

  it("leaves docker_stats to the agents: not in the collector, which leaves the socket proxy's network, and no resync", async () => {
    const config = collectorConfig() as unknown as { receivers: Record<string, unknown> };
    assert.equal(config.receivers.docker_stats, undefined);
    const on = (containers.get("scaibu.otel")!.networksAdvanced as { name: string }[]).map((n) => n.name);
    assert.ok(!on.includes("scaibu-docker-api-network"), on.join());
    assert.equal(byType("scaibu:docker:StatsResync").length, 0);
  });

  it("starts the agents after the stack's containers and the node proxy: docker_stats lists them when it starts", async () => {
    for (const name of AGENTS) {
      const d = declared.find(
        (x) => x.type === "docker:index/service:Service" && x.name.endsWith(name === METRICS ? "metrics" : "logs"),
      )!;
      // The SDK hands a promised dependsOn to transformations as an Output.
      const deps = (await promiseOf(d.opts.dependsOn as pulumi.Output<pulumi.Resource[]>)) as pulumi.Resource[];
      assert.ok(Array.isArray(deps), name);
      const all = [
        ...byType("docker:index/container:Container").map((c) => c.resource!),
        stack.fleet!.nodeProxy!.service,
      ];
      for (const r of all) assert.ok(deps.includes(r), name);
    }
  });

  it("drops the single host's log agent and the collector's own host_metrics: the node agents read every node", () => {
    assert.equal(containers.has("scaibu.otel-logs"), false);
    const config = collectorConfig();
    assert.equal(config.receivers.host_metrics, undefined);
    const hostMounts = (containers.get("scaibu.otel")!.mounts as { type: string; source?: string }[]).filter(
      (m) => m.type === "bind",
    );
    assert.deepEqual(hostMounts, [], "the gateway mounts nothing of its host");
    const tmpfs = (containers.get("scaibu.otel")!.mounts as { type: string; target: string }[])
      .filter((m) => m.type === "tmpfs")
      .map((m) => m.target);
    assert.deepEqual(tmpfs, ["/tmp"], "nor masks a host path it does not mount");
  });

  it("makes the collector a gateway: on the fleet network, an mTLS receiver that requires a client certificate", async () => {
    const otel = containers.get("scaibu.otel")!;
    const networks = (otel.networksAdvanced as { name: string }[]).map((n) => n.name);
    assert.ok(networks.includes("scaibu-fleet-network"), networks.join());
    const fleet = collectorConfig().receivers["otlp/fleet"]!.protocols.grpc;
    assert.equal(fleet.endpoint, `0.0.0.0:${CATALOG.otelCollector.ports.otlpFleet}`);
    assert.ok(fleet.tls.client_ca_file && fleet.tls.cert_file && fleet.tls.key_file);
    const files = uploads(otel).map((u) => u.file);
    for (const f of Object.values(fleet.tls)) if (f.startsWith("/")) assert.ok(files.includes(f), f);
    const pipelines = collectorConfig().service.pipelines;
    assert.ok(pipelines.metrics!.receivers.includes("otlp/fleet"));
    assert.ok(pipelines.logs!.receivers.includes("otlp/fleet"));
    // The gateway's key travels in the container's secret upload.
    const decl = declared.find(
      (d) => d.type === "docker:index/container:Container" && d.name === "observability-otel-service",
    )!;
    assert.equal(await pulumi.isSecret(pulumi.output(decl.inputs.uploads as pulumi.Input<unknown>)), true);
  });

  it("has Traefik route the swarm's app services too: on the fleet network, its swarm provider through the socket proxy", () => {
    const traefik = containers.get("scaibu.traefik")!;
    const networks = (traefik.networksAdvanced as { name: string }[]).map((n) => n.name);
    assert.deepEqual(networks, [
      "scaibu-observability-network",
      "scaibu-docker-api-network",
      "scaibu-loki-network",
      "scaibu-fleet-network",
    ]);
    const file = uploads(traefik).find((u) => u.file === "/etc/traefik/traefik.yml")!;
    const providers = (parse(file.content) as { providers: Record<string, Record<string, unknown>> }).providers;
    assert.equal(providers.swarm!.network, "scaibu-fleet-network");
    assert.equal(providers.swarm!.endpoint, `tcp://scaibu.socket-proxy:${CATALOG.socketProxy.ports.api}`);
    assert.equal(providers.swarm!.exposedByDefault, false);
    assert.equal(providers.swarm!.constraints, providers.docker!.constraints);
    // The proxy lets through the swarm's lists the two readers make (configs/socket-proxy.ts).
    const proxy = containers.get("scaibu.socket-proxy")!;
    assert.equal(uploads(proxy).find((u) => u.file === SOCKET_PROXY_CONFIG_PATH)?.content, socketProxyConfig(true));
  });

  it("has Prometheus find the agents and the apps that opt in through the Swarm API, with their nodes' labels", () => {
    type Job = {
      job_name: string;
      dockerswarm_sd_configs?: { host: string; role: string; filters: { name: string; values: string[] }[] }[];
      relabel_configs: { source_labels?: string[]; regex?: string; action?: string; replacement?: string }[];
    };
    const prom = containers.get("scaibu.prometheus")!;
    const file = uploads(prom).find((u) => u.file === "/etc/prometheus/prometheus.yml")!;
    const jobs = (parse(file.content) as { scrape_configs: Job[] }).scrape_configs;
    const swarmJobs = jobs.filter((j) => j.dockerswarm_sd_configs);
    assert.deepEqual(swarmJobs.map((j) => j.job_name).sort(), ["node-agents", "swarm-services"]);
    for (const job of swarmJobs) {
      // Through the socket proxy, running tasks only, on the fleet network, node labels as node_label_*.
      const [sd] = job.dockerswarm_sd_configs!;
      assert.equal(sd!.host, `tcp://scaibu.socket-proxy:${CATALOG.socketProxy.ports.api}`);
      assert.equal(sd!.role, "tasks");
      assert.deepEqual(sd!.filters.find((f) => f.name === "desired-state")!.values, ["running"]);
      const keep = job.relabel_configs.filter((r) => r.action === "keep");
      assert.ok(
        keep.some(
          (r) => r.source_labels![0] === "__meta_dockerswarm_network_name" && r.regex === "scaibu-fleet-network",
        ),
      );
      assert.ok(job.relabel_configs.some((r) => r.action === "labelmap" && r.replacement === "node_label_$1"));
      // A task not placed on a node yet is no target (tests/tools/swarm-discovery.test.ts).
      assert.ok(keep.some((r) => r.source_labels![0] === "__meta_dockerswarm_node_hostname" && r.regex === ".+"));
    }
    // Its fleet alerts: an agent down, and a node whose agent measures none of its containers,
    // naming the services to look at.
    const rules = uploads(prom).find((u) => u.file === PROMETHEUS_FLEET_RULES_PATH)!.content;
    const alerts = (parse(rules) as { groups: { rules: { alert: string; annotations: { description: string } }[] }[] })
      .groups[0]!.rules;
    assert.deepEqual(
      alerts.map((r) => r.alert),
      ["NodeAgentDown", "NodeContainerMetricsMissing"],
    );
    assert.match(
      alerts[1]!.annotations.description,
      /docker service ps scaibu-node-api\b.*--force scaibu-node-metrics/,
    );
    // And the swarm's mTLS pair counts down with the stack's other certificates (the earlier end of the two).
    const certRules = uploads(prom).find((u) => u.file === CERTIFICATE_RULES_PATH)!.content;
    const fleetExpiry = (
      parse(certRules) as { groups: { rules: { alert: string; expr: string }[] }[] }
    ).groups[0]!.rules.filter((r) => r.alert.startsWith("Fleet")).map((r) => [r.alert, r.expr]);
    const end = Date.parse("2036-12-01T00:00:00Z") / 1000; // the mocks' validityEndTime
    assert.deepEqual(fleetExpiry, [
      ["FleetCertificateExpiresSoon", `vector(${end} - time()) < ${30 * 86400}`],
      ["FleetCertificateExpiring", `vector(${end} - time()) < ${7 * 86400}`],
    ]);
    const apps = swarmJobs.find((j) => j.job_name === "swarm-services")!;
    const optIn = apps.relabel_configs[0]!;
    assert.deepEqual(optIn, {
      source_labels: ["__meta_dockerswarm_service_label_prometheus_io_scrape"],
      regex: "true",
      action: "keep",
    });
  });
  it("issues the gateway a server certificate for its name and the agents a client-only one", async () => {
    const certs = byType("tls:index/locallySignedCert:LocallySignedCert");
    const byName = async (n: string) => resolvedInputs(certs.find((c) => c.name === n)!);
    assert.deepEqual((await byName("observability-certs-fleet-gateway")).allowedUses, [...SERVER_USAGES]);
    assert.deepEqual((await byName("observability-certs-fleet-agent")).allowedUses, [...CLIENT_USAGES]);
    const csrs = await Promise.all(byType("tls:index/certRequest:CertRequest").map(resolvedInputs));
    assert.ok(csrs.some((c) => JSON.stringify(c.dnsNames) === JSON.stringify(["scaibu.otel"])));
    assert.equal(await pulumi.isSecret(stack.certificates.fleet!.agent.keyPem), true);
  });

  it("splits the agents by privilege: host metrics as the collector's uid with nothing, logs as uid 0 with DAC_READ_SEARCH alone", () => {
    const binds = (name: string) =>
      (spec(name).mounts as { type: string; source?: string; target: string; readOnly: boolean }[])
        .filter((m) => m.type === "bind")
        .map((m) => `${m.source}->${m.target}:${m.readOnly}`);
    const metrics = spec(METRICS);
    assert.equal(metrics.user, "10101:10101");
    assert.deepEqual(metrics.capDrops, ["ALL"]);
    assert.equal(metrics.capAdds, undefined);
    assert.deepEqual(binds(METRICS), ["/->/hostfs:true"]);
    const masks = (metrics.mounts as { type: string; target: string; readOnly: boolean }[])
      .filter((m) => m.type === "tmpfs")
      .map((m) => `${m.target}:${m.readOnly}`);
    for (const dir of ["/hostfs/run", "/hostfs/var/run", "/hostfs/tmp", "/hostfs/var/tmp"]) {
      assert.ok(masks.includes(`${dir}:true`), dir);
    }
    const logs = spec(LOGS);
    assert.equal(logs.user, "0:0");
    assert.deepEqual(logs.capDrops, ["ALL"]);
    assert.deepEqual(logs.capAdds, ["CAP_DAC_READ_SEARCH"]);
    assert.deepEqual(binds(LOGS), ["/var/lib/docker/containers->/var/lib/docker/containers:true"]);
    for (const name of [METRICS, LOGS]) assert.equal(spec(name).readOnly, true, `${name}: read-only rootfs`);
  });

  it("deploys each agent as docs/security.md states it", () => {
    const rows = [...securityRows()].filter(([name]) => name.startsWith(SWARM_ROW_PREFIX));
    assert.deepEqual(
      rows.map(([name]) => name.replace(SWARM_ROW_PREFIX, "scaibu-")).sort(),
      [...services.keys()].sort(),
    );
    for (const [name, [user, caps, ro, tmpfs]] of rows) {
      const c = spec(name.replace(SWARM_ROW_PREFIX, "scaibu-"));
      const mounts = (c.mounts as { type: string; target: string; readOnly: boolean }[])
        .filter((m) => m.type === "tmpfs")
        .map((m) => `${m.target} (${m.readOnly ? "ro" : "rw"})`);
      assert.deepEqual(
        [
          c.user,
          ((c.capAdds as string[] | undefined) ?? []).join(", ") || "none",
          c.readOnly ? "yes" : "no",
          mounts.join(", ") || "—",
        ],
        [user, caps, ro, tmpfs],
        name,
      );
    }
  });

  it("gives the agent its node from Swarm's templates and no secret in its environment", async () => {
    const env = spec(METRICS).env as Record<string, string>;
    for (const [k, v] of Object.entries(NODE_ENV)) assert.equal(env[k], v);
    const key = await promiseOf(stack.certificates.fleet!.agent.keyPem);
    assert.ok(!JSON.stringify(env).includes(key.split("\n")[1]!));
    const secrets = spec(LOGS).secrets as { fileName: string; fileMode: number; fileUid: string }[];
    assert.deepEqual(
      secrets.map((s) => [s.fileName, s.fileMode.toString(8), s.fileUid]),
      [["scaibu-agent.key", "440", "0"]],
    );
    for (const secret of byType("docker:index/secret:Secret")) {
      assert.equal(await pulumi.isSecret(pulumi.output(secret.inputs.data as pulumi.Input<string>)), true);
    }
  });

  it("names each config by its content, so a change makes a new one and rolls the service", async () => {
    const configs = await Promise.all(byType("docker:index/serviceConfig:ServiceConfig").map(resolvedInputs));
    for (const c of configs)
      assert.match(String(c.name), /^scaibu-(node-metrics|node-logs|node-api|jaeger)-[A-Za-z0-9_.-]+-[0-9a-f]{12}$/);
    const yamlOf = (svc: string) =>
      Buffer.from(
        String(configs.find((c) => String(c.name).startsWith(`${svc}-agent.yaml`))!.data),
        "base64",
      ).toString();
    assert.match(yamlOf(METRICS), /host_metrics:/);
    assert.doesNotMatch(yamlOf(METRICS), /file_log/);
    assert.match(yamlOf(LOGS), /file_log:/);
    assert.doesNotMatch(yamlOf(LOGS), /host_metrics/);
    for (const svc of [METRICS, LOGS]) {
      assert.match(yamlOf(svc), /otlp_grpc\/gateway:[\s\S]*cert_file/);
      const mounted = (spec(svc).configs as { fileName: string }[]).map((c) => c.fileName);
      assert.ok(mounted.includes(AGENT_CONFIG_PATH));
    }
    // Equal content under one service, one name: a second render changes nothing.
    const names = configs.map((c) => String(c.name));
    assert.equal(new Set(names).size, names.length);
  });

  it("exports the fleet output in its contract shape: the overlay and the agents' services", async () => {
    const fleet = await promiseOf(pulumi.output(stackOutputs(stack).fleet));
    assert.ok(OUTPUTS.fleet.schema.safeParse(fleet).success, JSON.stringify(fleet));
    assert.deepEqual(fleet, { network: "scaibu-fleet-network", agents: [METRICS, LOGS] });
  });

  it("passes the policy pack's swarm-service-basics rule", () => {
    for (const [name, svc] of services) assert.deepEqual(swarmServiceProblems(svc), [], name);
  });

  it("updates start-first with a rollback on failure, health-checks each agent with its own binary, and lets a forced restart be", () => {
    assert.deepEqual((spec(PROXY).healthcheck as { tests: string[] }).tests.slice(0, 2), ["CMD", "wget"]);
    for (const name of AGENTS) {
      const svc = services.get(name)!;
      const update = svc.updateConfig as Row;
      assert.deepEqual(
        { order: update.order, failureAction: update.failureAction },
        { order: "start-first", failureAction: "rollback" },
        name,
      );
      const hc = spec(name).healthcheck as { tests: string[] };
      assert.deepEqual(hc.tests.slice(0, 3), ["CMD", "/otelcol-contrib", "validate"]);
    }
    // A restart by hand (`docker service update --force`) is no drift for the next up to undo.
    for (const d of byType("docker:index/service:Service"))
      assert.deepEqual(d.opts.ignoreChanges, ["taskSpec.forceUpdate"], d.name);
  });

  it("gives the agents no virtual IP: their tasks' addresses in DNS (dnsrr), which needs no IPVS", () => {
    for (const [name, svc] of services) assert.deepEqual(svc.endpointSpec, { mode: "dnsrr" }, name);
  });
});

describe("Jaeger as a Swarm service (fleet.mode swarm)", () => {
  const JAEGER = "scaibu-jaeger";
  const jaeger = () => services.get(JAEGER)!;
  const task = () => jaeger().taskSpec as Row & { containerSpec: Row };

  it("is one replica placed on the manager Pulumi deploys through, updated stop-first with a rollback, waited for", () => {
    assert.ok(!containers.has("scaibu.jaeger"), "no container");
    assert.deepEqual(jaeger().mode, { replicated: { replicas: 1 } });
    assert.deepEqual((task().placement as Row).constraints, [`node.id==${SWARM.nodeId}`]);
    assert.deepEqual(jaeger().updateConfig, {
      parallelism: 1,
      order: "stop-first",
      failureAction: "rollback",
      monitor: "15s",
    });
    assert.deepEqual(jaeger().convergeConfig, { delay: "1s", timeout: "3m" });
    assert.deepEqual(jaeger().endpointSpec, { mode: "dnsrr" });
  });

  it("answers by its name on the stack's overlay, mounts the manager's declared volume at /tmp, where badger writes", async () => {
    const observability = await promiseOf(stack.networkOutputs.observability!.id);
    assert.deepEqual(task().networksAdvanceds, [{ id: observability, aliases: ["scaibu.jaeger"] }]);
    const volumes = await inputsByName("docker:index/volume:Volume");
    assert.ok(volumes.has("scaibu-jaeger-data"), "declared on the manager, so destroy removes it");
    const mounts = task().containerSpec.mounts as Row[];
    assert.deepEqual(
      mounts.filter((m) => m.type === "volume"),
      [{ type: "volume", source: "scaibu-jaeger-data", target: JAEGER_SWARM_DATA_DIR, readOnly: false }],
    );
    const config = (await inputsByName("docker:index/serviceConfig:ServiceConfig")).values();
    const yaml = [...config]
      .map((c) => Buffer.from(String(c.data), "base64").toString())
      .find((y) => y.includes("jaeger_storage"))!;
    assert.match(yaml, /keys: \/tmp\/keys\n\s*values: \/tmp\/values/);
    // The disk meter still measures it: it is on the manager.
    const meter = containers.get("scaibu.disk-usage")!;
    assert.ok((meter.mounts as Row[]).some((m) => m.source === "scaibu-jaeger-data" && m.readOnly === true));
  });

  it("keeps its privileges and its secrets as Swarm secrets at the paths its config names, readable by its group alone", () => {
    const c = task().containerSpec;
    assert.equal(c.user, "10001:10001");
    assert.deepEqual(c.capDrops, ["ALL"]);
    assert.equal(c.readOnly, true);
    const secrets = (c.secrets as { fileName: string; fileMode: number; fileUid: string; fileGid: string }[]).map(
      (s) => [s.fileName, s.fileMode.toString(8), s.fileUid, s.fileGid],
    );
    assert.deepEqual(
      secrets.map((s) => s[0]),
      [JAEGER_HTPASSWD_PATH, JAEGER_OTLP_HTPASSWD_PATH, JAEGER_OTLP_KEY_PATH],
    );
    for (const s of secrets) assert.deepEqual(s.slice(1), ["440", "0", "10001"], s[0]);
  });

  it("is routed by Traefik's swarm provider on the stack's network, behind the operator's login", async () => {
    const labels = Object.fromEntries(
      (jaeger().labels as { label: string; value: string }[]).map((l) => [l.label, l.value]),
    );
    const network = await promiseOf(stack.networkOutputs.observability!.name);
    assert.equal(labels["traefik.swarm.network"], network);
    assert.equal(labels["traefik.http.routers.scaibu-jaeger.rule"], "Host(`scaibu.jaeger`)");
    assert.equal(labels["traefik.http.services.scaibu-jaeger.loadbalancer.server.port"], "16686");
    assert.match(labels["traefik.http.middlewares.scaibu-jaeger-auth.basicauth.users"]!, /^admin:\$2[aby]\$/);
    assert.equal(labels["io.scaibu.stack"], "scaibu-observability/unit");
  });

  it("hands its volume over from a container that still runs it: the service waits for the handover", async () => {
    const handovers = byType("scaibu:docker:Handover");
    assert.equal(handovers.length, 1);
    const h = await resolvedInputs(handovers[0]!);
    assert.deepEqual(
      { runs: h.runs, container: h.container, service: h.service },
      { runs: "service", container: "scaibu.jaeger", service: JAEGER },
    );
    const svc = declared.find((d) => d.type === "docker:index/service:Service" && d.name.includes("jaeger"))!;
    const after = [await promiseOf<unknown>(svc.opts.dependsOn ?? [])].flat();
    assert.ok(after.includes(handovers[0]!.resource), "the service starts after the handover");
    // A switch of fleet.mode replaces the role networks: only once the handover let go of them.
    const observability = declared.find((d) => d.name === "observability-networks-observability")!;
    const netAfter = [await promiseOf<unknown>(observability.opts.dependsOn ?? [])].flat();
    assert.deepEqual(netAfter, [handovers[0]!.resource]);
  });
});

describe("fleet.backendPlacement", () => {
  const placed = { fleet: { mode: "swarm", backendPlacement: ["node.labels.scaibu.data == true"] } };

  it("puts the backends on labelled nodes: Swarm makes the volume there, so none is declared, measured or guarded", () => {
    const s = parseSettings({ ...placed, keepDataVolumes: true });
    assert.deepEqual(volumesOf("jaeger", s), [
      { role: "data", containerPath: JAEGER_SWARM_DATA_DIR, formerIndex: 0, onNode: true },
    ]);
    assert.ok(!declaredVolumes(s).includes("scaibu-jaeger-data"));
    assert.ok(!meteredVolumes(s).some((v) => v.service === "jaeger"));
    assert.deepEqual(backendConstraints(s.fleet.backendPlacement, "m1"), ["node.labels.scaibu.data == true"]);
    assert.deepEqual(backendConstraints([], "m1"), ["node.id==m1"]);
  });

  it("needs keepDataVolumes, since destroy cannot remove a volume on another node, naming the key", () => {
    assert.throws(
      () => parseSettings(placed),
      (err: SettingsError) => err.issues.some((i) => /fleet\.backendPlacement = .*set keepDataVolumes: true/.test(i)),
    );
    // No badger volume, nothing to keep.
    assert.doesNotThrow(() => parseSettings({ ...placed, jaeger: { storage: "memory" } }));
  });

  it("refuses what swarmkit would never place, and placement outside a swarm, with what is allowed", () => {
    for (const bad of ["node.label.zone == a", "node.labels.zone = a", "node.labels.zone ==", "zone == a"]) {
      assert.throws(
        () => parseSettings({ fleet: { mode: "swarm", backendPlacement: [bad] }, keepDataVolumes: true }),
        (err: SettingsError) =>
          err.issues.some((i) => i.includes("fleet.backendPlacement.0") && i.includes("node.labels.<name>")),
        bad,
      );
    }
    for (const good of ["node.hostname!=node-1", "node.role == manager", "engine.labels.disk == ssd"]) {
      assert.doesNotThrow(() =>
        parseSettings({ fleet: { mode: "swarm", backendPlacement: [good] }, keepDataVolumes: true }),
      );
    }
    assert.throws(
      () => parseSettings({ fleet: { backendPlacement: ["node.role==manager"] } }),
      (err: SettingsError) => err.issues.some((i) => /fleet\.backendPlacement.*needs fleet\.mode swarm/.test(i)),
    );
  });
});

describe("fleet settings", () => {
  it("refuses swarm without the collector, naming the key", () => {
    assert.throws(
      () =>
        parseSettings({
          fleet: { mode: "swarm" },
          services: { otelCollector: { enabled: false }, grafana: { enabled: false } },
        }),
      (err: SettingsError) =>
        err.issues.some((i) =>
          i.startsWith('scaibu-observability:fleet.mode = "swarm": swarm needs services.otelCollector'),
        ),
    );
  });

  it("refuses an unknown mode with what is allowed", () => {
    assert.throws(
      () => parseSettings({ fleet: { mode: "k8s" } }),
      (err: SettingsError) => err.issues.some((i) => i.includes("fleet.mode") && i.includes('"single"|"swarm"')),
    );
  });

  it("refuses a fleet network named like one of the stack's bridges", () => {
    assert.throws(
      () => parseSettings({ fleet: { mode: "swarm", networkName: "scaibu-data-network" } }),
      (err: SettingsError) => err.issues.some((i) => i.includes("fleet.networkName") && i.includes("networks.data")),
    );
  });
});
