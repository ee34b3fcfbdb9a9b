import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { byType, declared, installMocks, promiseOf, record, resolvedInputs } from "./harness";

// A trimmed stack: no Grafana, in-memory Jaeger, volumes dropped on destroy, another domain.
installMocks({
  domain: "obs",
  bindAddress: "10.1.2.3",
  keepDataVolumes: false,
  collectDockerLogs: false,
  collector: { persistentQueue: false },
  hostMetrics: { enabled: false, containers: false },
  jaeger: { storage: "memory" },
  platformNetworks: false,
  consumerHosts: ["app"],
  auth: { open: ["jaeger"] },
  services: { grafana: { enabled: false }, loki: { memoryMb: 2048, image: "grafana/loki:3.7.8" } },
});

import { loadSettings } from "../../settings/load";
import { ObservabilityStack } from "../../components/stack";

const containers = new Map<string, Record<string, unknown>>();
const warnings: string[] = [];

before(async () => {
  // What preview prints as warnings.
  (pulumi.log as { warn: (msg: string) => Promise<void> }).warn = async (msg) => {
    warnings.push(msg);
  };
  const stack = new ObservabilityStack(
    "observability",
    { settings: loadSettings(), stackLabel: "p/s" },
    { transformations: [record] },
  );
  await promiseOf(stack.urn);
  for (const c of byType("docker:index/container:Container")) {
    const inputs = await resolvedInputs(c);
    containers.set(String(inputs.name), inputs);
  }
});

describe("resource graph (options)", () => {
  it("leaves out a disabled service entirely", () => {
    assert.deepEqual([...containers.keys()].sort(), [
      "obs.alertmanager",
      "obs.disk-usage",
      "obs.jaeger",
      "obs.loki",
      "obs.otel",
      "obs.prometheus",
      "obs.socket-proxy",
      "obs.traefik",
    ]);
    assert.equal(declared.filter((d) => d.type === "scaibu:observability:Grafana").length, 0);
  });

  it("sends no docker_stats resync when container metrics are off", () => {
    assert.deepEqual(byType("scaibu:docker:StatsResync"), []);
  });

  it("covers only enabled hosts in the certificate, and the consumer hosts", async () => {
    const [csr] = await Promise.all(byType("tls:index/certRequest:CertRequest").map(resolvedInputs));
    assert.deepEqual([...(csr!.dnsNames as string[])].sort(), [
      "obs.alertmanager",
      "obs.app",
      "obs.jaeger",
      "obs.loki",
      "obs.otel",
      "obs.prometheus",
      "obs.traefik",
    ]);
  });

  it("leaves a surface named in auth.open without basic auth, and guards the others", () => {
    const users = (host: string) =>
      (containers.get(host)!.labels as { label: string; value: string }[]).find((l) =>
        l.label.endsWith("-auth.basicauth.users"),
      );
    assert.equal(users("obs.jaeger"), undefined);
    assert.ok(users("obs.prometheus"));
    assert.ok(users("obs.loki"));
  });

  it("warns at preview, naming every surface left open", () => {
    assert.deepEqual(
      warnings.filter((w) => w.startsWith("authentication is off")),
      [
        "authentication is off for obs.jaeger: anyone who reaches 10.1.2.3:443 can read, write or delete their data (config: auth)",
      ],
    );
  });

  it("binds every published port to the configured address", () => {
    for (const c of containers.values()) {
      for (const p of (c.ports ?? []) as { ip: string }[]) assert.equal(p.ip, "10.1.2.3");
    }
  });

  it("applies per-service image and memory settings", async () => {
    assert.equal(containers.get("obs.loki")!.memory, 2048);
    const images = await Promise.all(byType("docker:index/remoteImage:RemoteImage").map(resolvedInputs));
    assert.ok(images.some((i) => i.name === "grafana/loki:3.7.8"));
  });

  it("drops data volumes on destroy unless asked to keep them; in-memory Jaeger has none", async () => {
    const vols = byType("docker:index/volume:Volume");
    for (const v of vols) assert.equal(v.opts.retainOnDelete, false, v.name);
    const names = await Promise.all(vols.map(async (v) => (await resolvedInputs(v)).name));
    // Named by instanceName (default `scaibu`), not by the domain: a domain change keeps the data.
    assert.deepEqual(names.sort(), ["scaibu-alertmanager-data", "scaibu-loki-data", "scaibu-prometheus-data"]);
  });

  it("leaves the shared platform networks to another stack when platformNetworks is false", async () => {
    const nets = await Promise.all(byType("docker:index/network:Network").map(resolvedInputs));
    assert.deepEqual(
      nets.map((n) => n.name),
      ["scaibu-observability-network", "scaibu-docker-api-network", "scaibu-loki-network"],
    );
  });

  it("does not mount host logs or the host root, or keep a capability, without logs and host metrics", () => {
    const otel = containers.get("obs.otel")!;
    assert.deepEqual(
      (otel.mounts as { type: string; target: string }[]).map((m) => `${m.type}:${m.target}`),
      ["tmpfs:/tmp"],
      "only its own read-only /tmp",
    );
    assert.equal(otel.user, "10101:10101");
    assert.deepEqual(otel.capabilities, { drops: ["ALL"], adds: undefined });
    assert.equal(containers.get("obs.otel-logs"), undefined, "no log agent");
  });
});
