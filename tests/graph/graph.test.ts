import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { parse } from "yaml";
import { byType, declared, installMocks, promiseOf, record, resolvedInputs, urnName, inputsByName } from "./harness";

installMocks({ keepDataVolumes: true });

import { CA_USAGES, SERVER_USAGES } from "../../components/certificates";
import { SOCKET_PROXY_CONFIG_PATH, socketProxyConfig, socketProxyEntrypoint } from "../../configs/socket-proxy";
import { loadSettings } from "../../settings/load";
import { ObservabilityStack } from "../../components/stack";
import { hostMounts, missingBasics, publicPorts, unpinnedImage } from "../../policy/rules";

type Row = Record<string, unknown>;
/** The routed hosts; the socket proxy's container stays inside the network. */
const HOSTS = [
  "scaibu.prometheus",
  "scaibu.loki",
  "scaibu.jaeger",
  "scaibu.grafana",
  "scaibu.otel",
  "scaibu.traefik",
  "scaibu.alertmanager",
];
const PROXY = "scaibu.socket-proxy";
/** The log agent: in the network only, like the proxy (configs/otel-logs.ts). */
const AGENT = "scaibu.otel-logs";
/** The disk meter: in the network only, scraped by Prometheus (configs/disk-meter.ts). */
const METER = "scaibu.disk-usage";
const UNROUTED = [PROXY, AGENT, METER];
let stack: ObservabilityStack;
const containers = new Map<string, Row>();

before(async () => {
  stack = new ObservabilityStack(
    "observability",
    { settings: loadSettings(), stackLabel: "scaibu-observability/unit" },
    { transformations: [record] },
  );
  await promiseOf(stack.urn);
  for (const [name, inputs] of await inputsByName("docker:index/container:Container")) containers.set(name, inputs);
});

const labelsOf = (c: Row) =>
  Object.fromEntries((c.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));

/** The `{SHA}` htpasswd form of a password: base64 of its SHA-1 (Apache htpasswd -s). */
const sha1 = (password: string) => createHash("sha1").update(password).digest("base64");

describe("resource graph (defaults)", () => {
  it("declares exactly the expected resources", () => {
    const counts: Record<string, number> = {};
    for (const d of declared) counts[d.type] = (counts[d.type] ?? 0) + 1;
    assert.deepEqual(counts, {
      "scaibu:observability:ObservabilityStack": 1,
      "scaibu:observability:Networks": 1,
      "scaibu:observability:NetworkGuards": 1,
      "docker:index/network:Network": 7,
      "scaibu:docker:NetworkGuard": 1, // one guard for every network
      "scaibu:observability:StatsResync": 1,
      "scaibu:docker:StatsResync": 1, // docker_stats sees every container (providers/stats-resync.ts)
      "scaibu:observability:Certificates": 1,
      "scaibu:observability:ClientLogins": 1,
      "tls:index/privateKey:PrivateKey": 3,
      "tls:index/selfSignedCert:SelfSignedCert": 1,
      "tls:index/certRequest:CertRequest": 2,
      "tls:index/locallySignedCert:LocallySignedCert": 2,
      "scaibu:observability:Loki": 1,
      "scaibu:observability:Prometheus": 1,
      "scaibu:observability:Jaeger": 1,
      "scaibu:observability:OtelCollector": 1,
      "scaibu:observability:Grafana": 1,
      "scaibu:observability:Traefik": 1,
      "scaibu:observability:SocketProxy": 1,
      "scaibu:observability:Service": 10,
      "scaibu:observability:Alertmanager": 1,
      "scaibu:observability:DiskMeter": 1,
      "docker:index/remoteImage:RemoteImage": 8, // the disk meter runs the Prometheus image
      "docker:index/volume:Volume": 6,
      "docker:index/container:Container": 10,
      // operator, Grafana admin, OTLP token, and the five machine clients' logins (configs/web-auth.ts)
      "random:index/randomPassword:RandomPassword": 8,
    });
  });

  it("parents every resource and derives child names from the parent's", async () => {
    for (const d of declared) {
      if (d.type === "scaibu:observability:ObservabilityStack") {
        assert.equal(d.parent, undefined);
        continue;
      }
      const parentName = await urnName(d.parent);
      assert.ok(parentName, `${d.type} ${d.name} has no parent`);
      assert.ok(d.name.startsWith(parentName), `${d.name} is not named after its parent ${parentName}`);
    }
  });

  it("creates the five seed networks, the observability one with its subnet, and the socket proxy's internal one", async () => {
    const nets = await Promise.all(byType("docker:index/network:Network").map(resolvedInputs));
    assert.deepEqual(nets.map((n) => n.name).sort(), [
      "scaibu-cicd-network",
      "scaibu-data-network",
      "scaibu-docker-api-network",
      "scaibu-loki-network",
      "scaibu-messaging-network",
      "scaibu-observability-network",
      "scaibu-temporal-network",
    ]);
    const obs = nets.find((n) => n.name === "scaibu-observability-network")!;
    // With the gateway the engine would fill in anyway, so a refresh reads no difference.
    assert.deepEqual(obs.ipamConfigs, [{ subnet: "172.28.0.0/16", gateway: "172.28.0.1" }]);
    for (const n of nets) assert.equal(n.driver, "bridge");
    // No route out, for the two networks a service serves on alone.
    assert.deepEqual(
      nets
        .filter((n) => n.internal)
        .map((n) => n.name)
        .sort(),
      ["scaibu-docker-api-network", "scaibu-loki-network"],
    );
  });

  it("names each container after its host and gives it the same network alias", () => {
    assert.deepEqual([...containers.keys()].sort(), [...HOSTS, ...UNROUTED].sort());
    for (const [name, c] of containers) {
      const [first] = c.networksAdvanced as { name: string; aliases: string[] }[];
      const own: Record<string, string> = {
        "scaibu.socket-proxy": "scaibu-docker-api-network",
        "scaibu.loki": "scaibu-loki-network",
      };
      const network = own[name] ?? "scaibu-observability-network";
      assert.equal(first!.name, network, name);
      assert.deepEqual(first!.aliases, [name]);
    }
  });

  it("puts the socket proxy and Loki each on its own network alone, joined only by their clients", () => {
    const membersOf = (network: string) =>
      [...containers]
        .filter(([, c]) => (c.networksAdvanced as { name: string }[]).some((n) => n.name === network))
        .map(([name]) => name)
        .sort();
    // Traefik's docker provider, Prometheus' docker_sd, the collector's docker_stats.
    assert.deepEqual(membersOf("scaibu-docker-api-network"), [
      "scaibu.otel",
      "scaibu.prometheus",
      "scaibu.socket-proxy",
      "scaibu.traefik",
    ]);
    // The collector's push, Grafana's datasource, Prometheus' scrape, Traefik's route, Alertmanager (Loki's ruler).
    assert.deepEqual(membersOf("scaibu-loki-network"), [
      "scaibu.alertmanager",
      "scaibu.grafana",
      "scaibu.loki",
      "scaibu.otel",
      "scaibu.prometheus",
      "scaibu.traefik",
    ]);
    for (const [name, network] of [
      ["scaibu.socket-proxy", "scaibu-docker-api-network"],
      ["scaibu.loki", "scaibu-loki-network"],
    ]) {
      assert.deepEqual(
        (containers.get(name!)!.networksAdvanced as { name: string }[]).map((n) => n.name),
        [network],
        `${name}: not on the stack's network, which consumer apps join`,
      );
    }
    // The log agent and the disk meter call neither.
    for (const name of ["scaibu.otel-logs", "scaibu.disk-usage"]) {
      assert.deepEqual(
        (containers.get(name)!.networksAdvanced as { name: string }[]).map((n) => n.name),
        ["scaibu-observability-network"],
        name,
      );
    }
  });

  it("uses each image's id, not its tag, and pins the default tags", async () => {
    const images = await Promise.all(byType("docker:index/remoteImage:RemoteImage").map(resolvedInputs));
    assert.deepEqual(images.map((i) => i.name).sort(), [
      "grafana/grafana:13.2.1",
      "grafana/loki:3.7.7",
      "jaegertracing/jaeger:2.20.0",
      "otel/opentelemetry-collector-contrib:0.161.0",
      "prom/alertmanager:v0.35.0",
      "prom/prometheus:v3.14.0",
      "tecnativa/docker-socket-proxy:v0.4.1",
      "traefik:v3.7.13",
    ]);
    for (const c of containers.values()) assert.match(String(c.image), /^sha256:[0-9a-f]{64}$/);
  });

  it("gives every container a health check, restart policy, memory limit, log rotation and wait", () => {
    for (const [name, c] of containers) {
      const hc = c.healthcheck as { tests: string[] };
      assert.equal(hc.tests[0], "CMD", `${name}: exec-form health check`);
      assert.ok(hc.tests.length > 1, name);
      assert.equal(c.restart, "unless-stopped", name);
      assert.ok(Number(c.memory) >= 64, name);
      assert.equal(c.memorySwap, c.memory, name);
      assert.equal(c.logDriver, "json-file", name);
      assert.deepEqual(c.logOpts, { "max-size": "10m", "max-file": "3", labels: "io.scaibu.container.name" }, name);
      assert.equal(labelsOf(c)["io.scaibu.container.name"], name);
      assert.equal(c.wait, true, name);
    }
  });

  it("passes every container rule of the policy pack (policy/), and pins every image", async () => {
    for (const [name, c] of containers) {
      assert.deepEqual([...publicPorts(c), ...missingBasics(c), ...hostMounts(c)], [], name);
      assert.equal(unpinnedImage(c.image), undefined, name);
    }
    for (const i of await Promise.all(byType("docker:index/remoteImage:RemoteImage").map(resolvedInputs))) {
      assert.equal(unpinnedImage(i.name), undefined, String(i.name));
    }
  });

  it("writes health-check durations as the engine reads them back (Go's form), so re-applies are no-ops", () => {
    const go = /^(?:\d+h)?(?:[1-5]?\dm)?[1-5]?\ds$/; // 30s, 2m0s; never 120s
    for (const [name, c] of containers) {
      const hc = c.healthcheck as Record<string, unknown>;
      for (const k of ["interval", "timeout", "startPeriod", "startInterval"]) {
        assert.match(String(hc[k]), go, `${name} ${k}`);
      }
      assert.equal(hc.startInterval, "1s", `${name}: probes every second while starting`);
    }
  });

  it("health-checks each image with a program that image really contains", () => {
    // traefik: its own binary; collector (scratch): its own binary; loki (distroless): `loki -health`;
    // prometheus/jaeger/grafana: busybox wget in the image.
    const tests = Object.fromEntries(
      [...containers].map(([name, c]) => [name, (c.healthcheck as { tests: string[] }).tests]),
    );
    assert.deepEqual(tests, {
      "scaibu.traefik": ["CMD", "traefik", "healthcheck", "--ping", "--configFile=/etc/traefik/traefik.yml"],
      "scaibu.otel": ["CMD", "/otelcol-contrib", "validate", "--config=/etc/otelcol-contrib/config.yaml"],
      "scaibu.loki": ["CMD", "/usr/bin/loki", "-health"],
      // Behind its own web config: the image's promtool, the login's password read from a file.
      "scaibu.prometheus": [
        "CMD",
        "/bin/promtool",
        "check",
        "ready",
        "--url=http://127.0.0.1:9090",
        "--http.config.file=/etc/prometheus/stack-client.yml",
      ],
      "scaibu.jaeger": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:13133/status"],
      "scaibu.grafana": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3000/api/health"],
      "scaibu.socket-proxy": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2375/_ping"],
      "scaibu.disk-usage": ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9108/metrics"],
      "scaibu.alertmanager": [
        "CMD",
        "/bin/amtool",
        "--alertmanager.url=http://127.0.0.1:9093",
        "--http.config.file=/etc/alertmanager/stack-client.yml",
        "cluster",
        "show",
      ],
      // Its config is its command line (nothing uploaded): the same argument.
      "scaibu.otel-logs": ["CMD", "/otelcol-contrib", "validate", (containers.get(AGENT)!.command as string[])[0]!],
    });
  });

  it("replaces fixed-name containers and networks delete-first", () => {
    for (const d of declared.filter(
      (d) => d.type === "docker:index/container:Container" || d.type === "docker:index/network:Network",
    )) {
      assert.equal(d.opts.deleteBeforeReplace, true, d.name);
    }
  });

  it("keeps data volumes on destroy when asked, with stable names", async () => {
    const vols = byType("docker:index/volume:Volume");
    for (const v of vols) assert.equal(v.opts.retainOnDelete, true, v.name);
    const names = await Promise.all(vols.map(async (v) => (await resolvedInputs(v)).name));
    assert.deepEqual(names.sort(), [
      "scaibu-alertmanager-data",
      "scaibu-grafana-data",
      "scaibu-jaeger-data",
      "scaibu-loki-data",
      "scaibu-otel-queue",
      "scaibu-prometheus-data",
    ]);
  });

  it("routes every service through Traefik on websecure with TLS, and only this stack's containers", () => {
    const expectedPort: Record<string, string | undefined> = {
      "scaibu.prometheus": "9090",
      "scaibu.loki": "3100",
      "scaibu.jaeger": "16686",
      "scaibu.grafana": "3000",
      "scaibu.otel": "4319", // the receiver that asks for the bearer token
      "scaibu.traefik": undefined,
      "scaibu.alertmanager": "9093",
    };
    for (const host of UNROUTED) assert.equal(labelsOf(containers.get(host)!)["traefik.enable"], undefined, host);
    for (const [host, c] of containers) {
      if (UNROUTED.includes(host)) continue;
      const labels = labelsOf(c);
      const router = host.replace(".", "-");
      assert.equal(labels["io.scaibu.stack"], "scaibu-observability/unit", host);
      assert.equal(labels["traefik.enable"], "true", host);
      // Loki is on its own network alone, which Traefik joins to route it.
      const network = host === "scaibu.loki" ? "scaibu-loki-network" : "scaibu-observability-network";
      assert.equal(labels["traefik.docker.network"], network, host);
      const rule = host === "scaibu.grafana" ? `Host(\`${host}\`) && !PathPrefix(\`/metrics\`)` : `Host(\`${host}\`)`;
      assert.equal(labels[`traefik.http.routers.${router}.rule`], rule, host);
      assert.equal(labels[`traefik.http.routers.${router}.entrypoints`], "websecure", host);
      assert.equal(labels[`traefik.http.routers.${router}.tls`], "true", host);
      assert.equal(labels[`traefik.http.services.${router}.loadbalancer.server.port`], expectedPort[host], host);
    }
    const dash = labelsOf(containers.get("scaibu.traefik")!);
    assert.equal(dash["traefik.http.routers.scaibu-traefik.service"], "api@internal");
  });

  it("puts the operator's basic auth in front of every routed surface without its own login", () => {
    const guarded = ["scaibu.prometheus", "scaibu.loki", "scaibu.jaeger", "scaibu.traefik", "scaibu.alertmanager"];
    for (const [host, c] of containers) {
      const router = host.replace(".", "-");
      const labels = labelsOf(c);
      const users = labels[`traefik.http.middlewares.${router}-auth.basicauth.users`];
      if (guarded.includes(host)) {
        assert.match(users ?? "", /^admin:\$2a\$/, host);
        assert.equal(labels[`traefik.http.routers.${router}.middlewares`], `${router}-auth`, host);
      } else {
        // Grafana has its own login; the collector's route is for OTLP.
        assert.equal(users, undefined, host);
      }
    }
  });

  it("publishes only Traefik's 80/443 and the collector's OTLP ports, all on loopback", () => {
    const published: string[] = [];
    for (const [host, c] of containers) {
      for (const p of (c.ports ?? []) as { internal: number; external: number; ip: string }[]) {
        assert.notEqual(p.ip, "0.0.0.0", host);
        assert.notEqual(p.ip, "::", host);
        assert.equal(p.ip, "127.0.0.1", host);
        published.push(`${host}:${p.internal}->${p.external}`);
      }
    }
    assert.deepEqual(published.sort(), [
      "scaibu.otel:4317->4317",
      "scaibu.otel:4318->4318",
      "scaibu.traefik:443->443",
      "scaibu.traefik:80->80",
    ]);
  });

  it("mounts host paths read-only and only where needed", () => {
    const mounts: string[] = [];
    for (const [host, c] of containers) {
      for (const m of (c.mounts ?? []) as { type: string; source?: string; target: string; readOnly: boolean }[]) {
        mounts.push(`${host}:${m.type}:${m.source ?? ""}->${m.target}${m.readOnly ? "" : " (writable)"}`);
      }
    }
    // The socket proxy is the only container with the Docker socket; the host's root is for
    // host_metrics, with the host's runtime and temporary directories (its sockets) masked; only the
    // log agent reads Docker's logs.
    assert.deepEqual(mounts.sort(), [
      // The disk meter reads every data volume, read-only; its metrics file is on a tmpfs.
      "scaibu.disk-usage:tmpfs:->/www (writable)",
      "scaibu.disk-usage:volume:scaibu-alertmanager-data->/volumes/alertmanager-data",
      "scaibu.disk-usage:volume:scaibu-grafana-data->/volumes/grafana-data",
      "scaibu.disk-usage:volume:scaibu-jaeger-data->/volumes/jaeger-data",
      "scaibu.disk-usage:volume:scaibu-loki-data->/volumes/loki-data",
      "scaibu.disk-usage:volume:scaibu-otel-queue->/volumes/otel-queue",
      "scaibu.disk-usage:volume:scaibu-prometheus-data->/volumes/prometheus-data",
      "scaibu.otel-logs:bind:/var/lib/docker/containers->/var/lib/docker/containers",
      "scaibu.otel:bind:/->/hostfs",
      "scaibu.otel:tmpfs:->/hostfs/run",
      "scaibu.otel:tmpfs:->/hostfs/tmp",
      "scaibu.otel:tmpfs:->/hostfs/var/run",
      "scaibu.otel:tmpfs:->/hostfs/var/tmp",
      "scaibu.otel:tmpfs:->/tmp",
      // HAProxy on its uploaded filter writes nothing: no scratch space.
      "scaibu.socket-proxy:bind:/var/run/docker.sock->/var/run/docker.sock",
    ]);
  });

  it("issues a CA and a server certificate for every routed host with the right usages", async () => {
    const [ca] = await Promise.all(byType("tls:index/selfSignedCert:SelfSignedCert").map(resolvedInputs));
    assert.equal(ca!.isCaCertificate, true);
    assert.deepEqual(ca!.allowedUses, [...CA_USAGES]);
    assert.ok((ca!.allowedUses as string[]).includes("cert_signing"));
    const [server] = await Promise.all(byType("tls:index/locallySignedCert:LocallySignedCert").map(resolvedInputs));
    assert.deepEqual(server!.allowedUses, [...SERVER_USAGES]);
    assert.ok((server!.allowedUses as string[]).includes("server_auth"));
    const [csr] = await Promise.all(byType("tls:index/certRequest:CertRequest").map(resolvedInputs));
    // Exactly the routed hosts: `*.scaibu` would cover `x.scaibu`, never `scaibu.<service>`.
    assert.deepEqual([...(csr!.dnsNames as string[])].sort(), [...HOSTS].sort());
  });

  it("uploads Traefik's config and the server key, and keeps that upload secret", async () => {
    const traefik = containers.get("scaibu.traefik")!;
    const files = (traefik.uploads as { file: string; content: string }[]).map((u) => u.file);
    assert.ok(files.includes("/etc/traefik/traefik.yml"));
    assert.ok(files.includes("/etc/traefik/certs/server.key"));
    const decl = declared.find((d) => d.type === "docker:index/container:Container" && d.name.includes("traefik"))!;
    assert.equal(await pulumi.isSecret(pulumi.output(decl.inputs.uploads as pulumi.Input<unknown>)), true);
    assert.equal(await pulumi.isSecret(stack.certificates.serverKeyPem), true);
    assert.equal(await pulumi.isSecret(stack.certificates.caCertPem), false);
  });

  it("passes Grafana's admin password only as a secret file, never in the environment", async () => {
    const decl = declared.find((d) => d.type === "docker:index/container:Container" && d.name.includes("grafana"))!;
    assert.equal(await pulumi.isSecret(pulumi.output(decl.inputs.uploads as pulumi.Input<unknown>)), true);
    const grafana = containers.get("scaibu.grafana")!;
    const password = await promiseOf(stack.grafana!.adminPassword);
    const upload = (grafana.uploads as { file: string; content: string }[]).find((u) => u.content === password);
    assert.equal(upload?.file, "/etc/grafana/secrets/admin-password");
    assert.equal(await pulumi.isSecret(stack.grafana!.adminPassword), true);
  });

  it("makes Prometheus, Alertmanager and Jaeger check the operator's login and each caller's own, and hands each client its login as a secret", async () => {
    type Upload = { file: string; content: string };
    const uploads = (k: string) => containers.get(k)!.uploads as Upload[];
    const at = (k: string, file: string) => uploads(k).find((u) => u.file === file)?.content;
    for (const k of ["prometheus", "alertmanager", "jaeger", "otel", "grafana", "loki"]) {
      const decl = declared.find((d) => d.type === "docker:index/container:Container" && d.name.includes(`-${k}-`))!;
      assert.equal(await pulumi.isSecret(pulumi.output(decl.inputs.uploads as pulumi.Input<unknown>)), true, k);
    }
    const passwords = byType("random:index/randomPassword:RandomPassword").filter((d) =>
      d.name.startsWith("observability-client-logins-"),
    );
    // One per machine client, none shared.
    assert.deepEqual(passwords.map((d) => d.name.replace(/^observability-client-logins-/, "")).sort(), [
      "alertmanager",
      "collector",
      "grafana",
      "loki",
      "prometheus",
    ]);
    for (const p of await Promise.all(passwords.map(resolvedInputs)))
      assert.deepEqual([p.length, p.special], [32, false]);
    const client = async (c: string) => {
      const r = passwords.find((d) => d.name === `observability-client-logins-${c}`)!.resource as random.RandomPassword;
      return { password: await promiseOf(r.result), hash: await promiseOf(r.bcryptHash) };
    };
    const [collector, prom, am, loki, grafana] = await Promise.all(
      ["collector", "prometheus", "alertmanager", "loki", "grafana"].map(client),
    );
    const operator = byType("random:index/randomPassword:RandomPassword").find((d) =>
      d.name.endsWith("-operator-password"),
    )!;
    // The operator's hash is the one Traefik checks: a request through the route passes both.
    const operatorHash = await promiseOf((operator.resource as random.RandomPassword).bcryptHash);
    // Each server lists the operator and exactly the clients that call it (configs/web-auth.ts CALLERS).
    const webUsers = (k: string, dir: string) =>
      (parse(at(k, `${dir}/web.yml`)!) as { basic_auth_users: Record<string, string> }).basic_auth_users;
    assert.deepEqual(webUsers("scaibu.prometheus", "/etc/prometheus"), {
      admin: operatorHash,
      "scaibu-collector": collector!.hash,
      "scaibu-grafana": grafana!.hash,
      "scaibu-prometheus": prom!.hash,
    });
    assert.deepEqual(webUsers("scaibu.alertmanager", "/etc/alertmanager"), {
      admin: operatorHash,
      "scaibu-alertmanager": am!.hash,
      "scaibu-grafana": grafana!.hash,
      "scaibu-loki": loki!.hash,
      "scaibu-prometheus": prom!.hash,
    });
    for (const [k, dir] of [
      ["scaibu.prometheus", "/etc/prometheus"],
      ["scaibu.alertmanager", "/etc/alertmanager"],
    ] as const) {
      assert.ok((containers.get(k)!.command as string[]).includes(`--web.config.file=${dir}/web.yml`), k);
    }
    assert.equal(at("scaibu.prometheus", "/etc/prometheus/stack-client-password"), prom!.password);
    assert.equal(at("scaibu.alertmanager", "/etc/alertmanager/stack-client-password"), am!.password);
    // Jaeger's query: the operator (bcrypt, as Traefik) and Grafana (the basicauth extension's
    // htpasswd, which checks every request uncached: a client's random password as {SHA}).
    assert.equal(
      at("scaibu.jaeger", "/etc/jaeger/htpasswd"),
      `admin:${operatorHash}\nscaibu-grafana:{SHA}${sha1(grafana!.password)}\n`,
    );
    // Traefik's metrics: the operator and Prometheus' scrape, which sends its own login, both bcrypt
    // (one algorithm in the file: configs/web-auth.ts clientHash).
    assert.equal(
      at("scaibu.traefik", "/etc/traefik/auth/metrics.htpasswd"),
      `admin:${operatorHash}\nscaibu-prometheus:${prom!.hash}\n`,
    );
    const promJobs = (
      parse(at("scaibu.prometheus", "/etc/prometheus/prometheus.yml")!) as {
        scrape_configs: { job_name: string; basic_auth?: { username: string; password_file: string } }[];
      }
    ).scrape_configs;
    assert.deepEqual(promJobs.find((j) => j.job_name === "traefik")!.basic_auth, {
      username: "scaibu-prometheus",
      password_file: "/etc/prometheus/stack-client-password",
    });
    // Alertmanager keeps its receivers' secrets beside them.
    assert.ok(uploads("scaibu.alertmanager").some((u) => u.file === "/etc/alertmanager/alertmanager.yml"));
    const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");
    assert.equal(
      at("scaibu.otel", "/etc/otelcol-contrib/stack-client-credentials"),
      basic("scaibu-collector", collector!.password),
    );
    assert.equal(at("scaibu.loki", "/etc/loki/alertmanager-credentials"), basic("scaibu-loki", loki!.password));
    assert.equal(at("scaibu.grafana", "/etc/grafana/secrets/stack-client-password"), grafana!.password);
    // Each client holds its own login alone, and none is in plain sight (env, command line).
    const holders: Record<string, string> = {
      "scaibu.otel": collector!.password,
      "scaibu.prometheus": prom!.password,
      "scaibu.alertmanager": am!.password,
      "scaibu.loki": loki!.password,
      "scaibu.grafana": grafana!.password,
    };
    for (const [name, c] of containers) {
      const files = ((c.uploads ?? []) as Upload[]).map((u) => u.content).join("\n");
      for (const [holder, password] of Object.entries(holders)) {
        if (holder !== name) assert.ok(!files.includes(password), `${name} holds ${holder}'s login`);
      }
      const plain = [...((c.envs ?? []) as string[]), ...((c.command ?? []) as string[])].join("\n");
      for (const password of Object.values(holders))
        assert.ok(!plain.includes(password), `${name}: a login in its env or command`);
    }
  });

  it("has Jaeger take OTLP from the collector alone, over TLS with a key of its own that the collector checks against the CA", async () => {
    type Upload = { file: string; content: string };
    const at = (k: string, file: string) =>
      (containers.get(k)!.uploads as Upload[]).find((u) => u.file === file)?.content;
    const password = await promiseOf(
      (
        byType("random:index/randomPassword:RandomPassword").find(
          (d) => d.name === "observability-client-logins-collector",
        )!.resource as random.RandomPassword
      ).result,
    );
    // The collector alone: the operator reads traces, only the collector writes them. {SHA}, not
    // bcrypt: basicauth checks every gRPC call uncached (configs/web-auth.ts clientHash).
    assert.equal(at("scaibu.jaeger", "/etc/jaeger/otlp-htpasswd"), `scaibu-collector:{SHA}${sha1(password)}\n`);
    const certs = byType("tls:index/locallySignedCert:LocallySignedCert").filter((d) =>
      d.name.endsWith("-jaeger-otlp"),
    );
    assert.equal(certs.length, 1);
    const [csr] = await Promise.all(
      byType("tls:index/certRequest:CertRequest")
        .filter((d) => d.name.endsWith("-jaeger-otlp-csr"))
        .map(resolvedInputs),
    );
    // Issued for the name the collector dials, and for nothing else.
    assert.deepEqual(csr!.dnsNames, ["scaibu.jaeger"]);
    assert.deepEqual((await resolvedInputs(certs[0]!)).allowedUses, [
      "digital_signature",
      "key_encipherment",
      "server_auth",
    ]);
    const key = at("scaibu.jaeger", "/etc/jaeger/otlp-key.pem")!;
    assert.ok(key.length > 0);
    assert.notEqual(key, await promiseOf(stack.certificates.serverKeyPem), "Traefik's key");
    assert.equal(await pulumi.isSecret(stack.certificates.jaeger!.keyPem), true);
    assert.ok(at("scaibu.jaeger", "/etc/jaeger/otlp-cert.pem"));
    assert.equal(at("scaibu.otel", "/etc/otelcol-contrib/stack-ca.pem"), await promiseOf(stack.certificates.caCertPem));
    // Nothing exports its expiry: Prometheus counts down to the end the program knows.
    const rules = at("scaibu.prometheus", "/etc/prometheus/rules/certificate-alerts.yml")!;
    const end = Math.floor(Date.parse(await promiseOf(stack.certificates.jaeger!.notAfter)) / 1000);
    assert.match(rules, new RegExp(`alert: JaegerCertificateExpiresSoon\\n\\s+expr: vector\\(${end} - time\\(\\)\\)`));
  });

  it("puts no secret value into any container's environment", async () => {
    const secrets = [
      await promiseOf(stack.grafana!.adminPassword),
      await promiseOf(stack.operator.password),
      await promiseOf(stack.certificates.serverKeyPem),
    ];
    for (const [name, c] of containers) {
      for (const e of (c.envs ?? []) as string[]) {
        for (const secret of secrets) assert.ok(!e.includes(secret), `${name}: ${e.split("=")[0]} holds a secret`);
      }
    }
  });

  it("names data volumes by role, keeps their former names as aliases and ignores label drift", () => {
    for (const v of byType("docker:index/volume:Volume")) {
      assert.match(v.name, /-service-(data|queue)$/, v.name);
      // Data volumes of 0.1 existed before roles named them; the collector's queue and
      // Alertmanager's data came later.
      const older = v.name.endsWith("-data") && !v.name.includes("alertmanager");
      assert.deepEqual(
        (v.opts.aliases ?? []).map((a) => (a as { name: string }).name),
        older ? [v.name.replace(/-data$/, "-volume-0")] : [],
      );
      assert.deepEqual(v.opts.ignoreChanges, ["labels"], v.name);
    }
    for (const n of byType("docker:index/network:Network")) assert.deepEqual(n.opts.ignoreChanges, ["labels"]);
  });

  it("keeps the CA through changes of its subject or validity", () => {
    const [ca] = byType("tls:index/selfSignedCert:SelfSignedCert");
    assert.deepEqual(ca!.opts.ignoreChanges, ["subject", "validityPeriodHours", "earlyRenewalHours"]);
  });

  it("runs the socket proxy's HAProxy on the stack's own read-only filter, not the image's sections", () => {
    const proxy = containers.get(PROXY)!;
    assert.deepEqual(proxy.entrypoints, socketProxyEntrypoint());
    const files = (proxy.uploads as { file: string; content: string }[]).map((u) => [u.file, u.content]);
    // The filter alone, without the swarm's lists; no switch in the environment to widen it.
    assert.deepEqual(files, [[SOCKET_PROXY_CONFIG_PATH, socketProxyConfig(false)]]);
    assert.equal(proxy.envs, undefined);
  });

  it("makes no service wait for another but the collector for the socket proxy (docker_stats needs it to start)", async () => {
    for (const d of declared.filter((x) => x.type.startsWith("scaibu:observability:"))) {
      assert.deepEqual(d.opts.dependsOn ?? [], [], `${d.type} ${d.name}`);
    }
    // A swarm backend's container waits for its handover, which single mode resolves to none.
    const containers = declared.filter((d) => d.type === "docker:index/container:Container");
    const deps = await Promise.all(
      containers.map(async (d) => [await promiseOf<unknown>(d.opts.dependsOn ?? [])].flat()),
    );
    const waits = containers.flatMap((d, i) => (deps[i]!.length ? [[d.name, deps[i]] as const] : []));
    assert.deepEqual(
      waits.map(([n]) => n),
      ["observability-otel-service"],
    );
    const [, on] = waits[0]!;
    const proxy = declared.find(
      (d) => d.name === "observability-socket-proxy-service" && d.type === "docker:index/container:Container",
    )!;
    assert.deepEqual([on].flat(), [proxy.resource]);
  });

  it("makes the network guard depend on every network and every container, so destroy checks it first", async () => {
    const all = byType("docker:index/container:Container").map((c) => c.resource);
    const networks = byType("docker:index/network:Network").map((n) => n.resource);
    const guards = byType("scaibu:docker:NetworkGuard");
    assert.equal(guards.length, 1);
    const deps = guards[0]!.opts.dependsOn as pulumi.Resource[];
    for (const r of [...networks, ...all]) assert.ok(deps.includes(r!), "every network and container");
    assert.equal(deps.length, networks.length + all.length);
    // It guards the names the networks are created with.
    const names = await Promise.all(
      byType("docker:index/network:Network").map(async (n) => (await resolvedInputs(n)).name),
    );
    assert.deepEqual([...((await resolvedInputs(guards[0]!)).networks as string[])].sort(), names.sort());
  });

  it("re-announces every container to docker_stats after all of them, with their ids as its inputs", async () => {
    const all = byType("docker:index/container:Container");
    const [resync, ...more] = byType("scaibu:docker:StatsResync");
    assert.ok(resync && more.length === 0);
    const deps = resync.opts.dependsOn as pulumi.Resource[];
    assert.equal(deps.length, all.length);
    for (const c of all) assert.ok(deps.includes(c.resource!), "every container");
    // Its inputs change whenever a container is replaced (a new id), so it runs again then.
    const ids = await Promise.all(all.map((c) => promiseOf((c.resource as pulumi.CustomResource).id)));
    assert.deepEqual([...((await resolvedInputs(resync)).containers as string[])].sort(), ids.sort());
  });
});
