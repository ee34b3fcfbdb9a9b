import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parseSettings, SettingsError } from "./schema";
import { CATALOG, SERVICE_KEYS } from "../configs/catalog";
import { durationMs } from "../configs/schema";

function rejects(raw: Record<string, unknown>, key: string, ...fragments: string[]): void {
  assert.throws(
    () => parseSettings(raw),
    (err: unknown) => {
      assert.ok(err instanceof SettingsError, `expected SettingsError, got ${String(err)}`);
      assert.match(err.message, new RegExp(`scaibu-observability:${key.replace(/\./g, "\\.")}\\b`), err.message);
      for (const f of fragments) assert.ok(err.message.includes(f), `message lacks "${f}":\n${err.message}`);
      return true;
    },
  );
}

describe("settings", () => {
  it("defaults are secure and match the seed", () => {
    const s = parseSettings({});
    assert.equal(s.domain, "scaibu");
    assert.equal(s.bindAddress, "127.0.0.1");
    assert.equal(s.allowAllInterfaces, false);
    assert.equal(s.instanceName, "scaibu");
    assert.equal(s.networks.observability.subnet, "172.28.0.0/16");
    // The seed's five networks, prefixed per deployment so two stacks on one host do not collide.
    assert.deepEqual(
      Object.values(s.networks).map((n) => n.name),
      ["observability", "data", "messaging", "cicd", "temporal"].map((r) => `scaibu-${r}-network`),
    );
    assert.equal(s.platformNetworks, true);
    assert.deepEqual(s.ports, { http: 80, https: 443, otlpGrpc: 4317, otlpHttp: 4318 });
    for (const k of SERVICE_KEYS) {
      assert.equal(s.services[k].image, CATALOG[k].image);
      assert.equal(s.services[k].enabled, true);
    }
    assert.equal(s.loki.retentionHours, 720);
    assert.equal(s.prometheus.scrapeInterval, "30s");
    assert.equal(s.jaeger.storage, "badger");
  });

  it("keeps given values and fills the rest", () => {
    const s = parseSettings({ services: { loki: { memoryMb: 2048 } }, ports: { https: 8443 } });
    assert.equal(s.services.loki.memoryMb, 2048);
    assert.equal(s.services.loki.image, CATALOG.loki.image);
    assert.equal(s.ports.https, 8443);
    assert.equal(s.ports.http, 80);
  });

  it("accepts IPv6 loopback with or without brackets and stores it bare", () => {
    assert.equal(parseSettings({ bindAddress: "[::1]" }).bindAddress, "::1");
    assert.equal(parseSettings({ bindAddress: "::1" }).bindAddress, "::1");
  });

  it("names networks after instanceName, never after domain, unless named in config", () => {
    const s = parseSettings({ domain: "obs", instanceName: "team-a", networks: { data: { name: "data-network" } } });
    assert.equal(s.networks.observability.name, "team-a-observability-network");
    assert.equal(s.networks.data.name, "data-network");
    assert.equal(parseSettings({ domain: "obs" }).networks.cicd.name, "scaibu-cicd-network");
  });

  it("keeps a secret config value secret and never prints it", async () => {
    const s = parseSettings({ grafana: { adminPassword: "correct-horse-battery" } });
    assert.ok(s.grafana.adminPassword);
    assert.equal(await pulumi.isSecret(s.grafana.adminPassword), true);
    assert.throws(
      () => parseSettings({ grafana: { adminPassword: "hunter2" } }),
      (err: unknown) =>
        err instanceof SettingsError &&
        err.message.includes("scaibu-observability:grafana.adminPassword = [secret]") &&
        !err.message.includes("hunter2"),
    );
  });

  it("allows all interfaces only when asked explicitly", () => {
    assert.equal(parseSettings({ bindAddress: "0.0.0.0", allowAllInterfaces: true }).bindAddress, "0.0.0.0");
  });

  const bad: [string, Record<string, unknown>, string, ...string[]][] = [
    ["domain", { domain: "Bad_Domain" }, "domain", '"Bad_Domain"', "DNS label"],
    ["bindAddress all interfaces", { bindAddress: "0.0.0.0" }, "bindAddress", '"0.0.0.0"', "allowAllInterfaces"],
    ["bindAddress ::", { bindAddress: "::" }, "bindAddress", '"::"'],
    [
      "operatorUser taking a stack client's login",
      { auth: { operatorUser: "scaibu-collector" } },
      "auth.operatorUser",
      '"scaibu-collector"',
      "any name but scaibu-collector, scaibu-prometheus, scaibu-alertmanager, scaibu-loki, scaibu-grafana",
    ],
    ["bindAddress [::]", { bindAddress: "[::]" }, "bindAddress", '"[::]"'],
    // Parsed, not compared as text: every spelling of "all interfaces" is refused.
    ["bindAddress ::0", { bindAddress: "::0" }, "bindAddress", '"::0"', "allowAllInterfaces"],
    ["bindAddress long ::", { bindAddress: "0:0:0:0:0:0:0:0" }, "bindAddress", "allowAllInterfaces"],
    ["bindAddress mapped 0.0.0.0", { bindAddress: "::ffff:0.0.0.0" }, "bindAddress", "allowAllInterfaces"],
    ["bindAddress not an IP", { bindAddress: "localhost" }, "bindAddress", '"localhost"', "IP address"],
    ["port out of range", { ports: { https: 70000 } }, "ports.https", "70000"],
    ["port not a number", { ports: { http: "eighty" } }, "ports.http", '"eighty"'],
    ["duplicate ports", { ports: { http: 4317 } }, "ports.otlpGrpc", "ports.http"],
    ["memory too small", { services: { loki: { memoryMb: 10 } } }, "services.loki.memoryMb", "10"],
    [
      "image without tag",
      { services: { loki: { image: "grafana/loki" } } },
      "services.loki.image",
      '"grafana/loki"',
      "explicit tag",
    ],
    ["enabled not boolean", { services: { jaeger: { enabled: "yes" } } }, "services.jaeger.enabled", '"yes"'],
    ["subnet", { networks: { observability: { subnet: "172.28.0.0/33" } } }, "networks.observability.subnet", "CIDR"],
    ["instanceName", { instanceName: "Team A" }, "instanceName", '"Team A"', "DNS label"],
    ["tiny subnet", { networks: { observability: { subnet: "10.0.0.0/31" } } }, "networks.observability.subnet", "/30"],
    ["grafana user", { grafana: { adminUser: "a b" } }, "grafana.adminUser", '"a b"'],
    ["auth.open", { auth: { open: ["grafana"] } }, "auth.open.0", '"grafana"', "prometheus"],
    ["auth.enabled", { auth: { enabled: "no" } }, "auth.enabled", '"no"'],
    [
      "socket proxy off under its readers",
      { services: { socketProxy: { enabled: false } } },
      "services.socketProxy.enabled",
      "services.traefik",
    ],
    [
      "socket proxy off under docker_stats",
      {
        services: {
          socketProxy: { enabled: false },
          traefik: { enabled: false },
          prometheus: { enabled: false },
          grafana: { enabled: false },
          otelCollector: { enabled: true },
        },
      },
      "services.socketProxy.enabled",
      "hostMetrics.containers",
    ],
    [
      "collector memory limit above its container",
      { collector: { memoryLimitMib: 600 } },
      "collector.memoryLimitMib",
      "600",
      "services.otelCollector.memoryMb - 160 (480)",
    ],
    ["host metrics interval", { hostMetrics: { intervalSeconds: 1 } }, "hostMetrics.intervalSeconds", "1", "10"],
    ["host metrics switch", { hostMetrics: { enabled: "on" } }, "hostMetrics.enabled", '"on"'],
    ["network name", { networks: { data: { name: "bad name" } } }, "networks.data.name", '"bad name"'],
    [
      "duplicate network names",
      { networks: { data: { name: "scaibu-cicd-network" } } },
      "networks.cicd.name",
      "networks.data",
    ],
    ["unknown top-level key", { domian: "x" }, "domian", "unknown key", "domain"],
    ["unknown nested key", { services: { lokii: {} } }, "services.lokii", "unknown key", "loki"],
    ["retention", { prometheus: { retention: "15 days" } }, "prometheus.retention", '"15 days"', "duration"],
    ["jaeger storage", { jaeger: { storage: "cassandra" } }, "jaeger.storage", '"cassandra"', "badger"],
    ["cert validity", { certificate: { validityHours: 1 } }, "certificate.validityHours", "1"],
    ["log size", { logRotation: { maxSize: "10MB" } }, "logRotation.maxSize", '"10MB"'],
    ["loki retention", { loki: { retentionHours: -5 } }, "loki.retentionHours", "-5"],
    [
      "sub-second scrape interval",
      { prometheus: { scrapeInterval: "500ms" } },
      "prometheus.scrapeInterval",
      "at least 1s",
    ],
    [
      "reserved resource attribute",
      { resourceAttributes: { "scaibu.stack": "x" } },
      "resourceAttributes.scaibu.stack",
      "reserved",
    ],
    ["loki retention off-period", { loki: { retentionHours: 721 } }, "loki.retentionHours", "721", "multiple of 24"],
    ["docker socket", { dockerSocket: "var/run/docker.sock" }, "dockerSocket", "absolute path"],
    [
      "consumer host taken by a service",
      { consumerHosts: ["app", "grafana"] },
      "consumerHosts.1",
      '"grafana" is taken',
    ],
    ["consumer host not a DNS label", { consumerHosts: ["my_app"] }, "consumerHosts.0", "my_app"],
    [
      "grafana without datasources",
      { services: { loki: { enabled: false } } },
      "services.grafana.enabled",
      "services.loki",
    ],
    ["resource attribute key", { resourceAttributes: { "bad key": "x" } }, "resourceAttributes.bad key"],
  ];
  for (const [title, raw, key, ...fragments] of bad) {
    it(`rejects ${title}, naming ${key}`, () => rejects(raw, key, ...fragments));
  }

  it("reads Prometheus durations", () => {
    assert.equal(durationMs("1h30m"), 5400000);
    assert.equal(durationMs("1500ms"), 1500);
    assert.equal(parseSettings({ prometheus: { scrapeInterval: "1500ms" } }).prometheus.scrapeInterval, "1500ms");
  });

  it("reports every problem at once", () => {
    assert.throws(
      () => parseSettings({ domain: "A", ports: { https: 0 } }),
      (err: unknown) => err instanceof SettingsError && err.issues.length === 2,
    );
  });
});
