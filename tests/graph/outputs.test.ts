import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { fakeDocker, type FakeDocker } from "@scaibu/observability-devkit";
import { installMocks, promiseOf } from "./harness";

installMocks({
  bindAddress: "127.0.0.2",
  ports: { https: 8443, otlpGrpc: 14317, otlpHttp: 14318 },
  consumerHosts: ["app"],
});

type Program = typeof import("../../index");
let program: Program;

let engine: FakeDocker;
before(async () => {
  // The program asks the Docker API (volume owners, data at risk): an empty stand-in engine.
  engine = await fakeDocker({});
  pulumi.runtime.setConfig("docker:host", engine.endpoint);
  program = await import("../../index");
  await promiseOf(program.caCertPem);
});

const SERVICES = ["prometheus", "loki", "jaeger", "grafana", "otel", "traefik", "alertmanager"];

describe("stack outputs (public contract)", () => {
  it("urls: one https URL per routed service, with the non-default port", () => {
    assert.deepEqual(Object.keys(program.urls).sort(), [...SERVICES].sort());
    for (const svc of SERVICES) {
      assert.equal(program.urls[svc as keyof typeof program.urls], `https://scaibu.${svc}:8443`);
    }
  });

  it("otlp: host, in-network and TLS endpoints", () => {
    assert.deepEqual(program.otlp, {
      grpc: "http://127.0.0.2:14317",
      http: "http://127.0.0.2:14318",
      internalGrpc: "http://scaibu.otel:4317",
      internalHttp: "http://scaibu.otel:4318",
      https: "https://scaibu.otel:8443",
    });
  });

  it("networks: name and id per role", async () => {
    const nets = await promiseOf(pulumi.output(program.networks));
    assert.deepEqual(Object.keys(nets), ["observability", "data", "messaging", "cicd", "temporal"]);
    assert.equal(nets.observability!.name, "scaibu-observability-network");
    assert.equal(nets.temporal!.id, "observability-networks-temporal-id");
  });

  it("caCertPem is public, etcHosts lists every host on the bind address", async () => {
    assert.match(await promiseOf(program.caCertPem), /BEGIN CERTIFICATE/);
    assert.equal(await pulumi.isSecret(program.caCertPem), false);
    assert.equal(program.etcHosts, `127.0.0.2 ${SERVICES.map((s) => `scaibu.${s}`).join(" ")} scaibu.app`);
  });

  it("admin credentials leave only as secrets", async () => {
    assert.equal(await pulumi.isSecret(program.grafanaAdmin!), true);
    assert.equal(await pulumi.isSecret(program.traefikDashboard!), true);
    const grafana = await promiseOf(program.grafanaAdmin!);
    assert.equal(grafana.user, "admin");
    assert.match(grafana.password, /^pw-/);
    assert.equal(await pulumi.isSecret(program.operator), true);
    assert.equal(await pulumi.isSecret(program.otlpToken!), true);
    assert.match(await promiseOf(program.otlpToken!), /^pw-/);
    const operator = await promiseOf(program.operator);
    assert.equal(operator.user, "admin");
    assert.match(operator.password, /^pw-/);
    const dash = await promiseOf(program.traefikDashboard!);
    assert.equal(dash.password, operator.password);
    assert.deepEqual(Object.keys(dash).sort(), ["password", "url", "user"]);
    assert.equal(dash.url, "https://scaibu.traefik:8443");
  });

  it("routing: what a consumer stack needs to be routed at https://scaibu.app", async () => {
    const routing = await promiseOf(pulumi.output(program.routing!));
    assert.deepEqual(routing, {
      network: "scaibu-observability-network",
      label: { key: "io.scaibu.route", value: "scaibu-observability/unit" },
      entrypoint: "websecure",
      hosts: { app: "scaibu.app" },
      httpsPort: 8443,
    });
  });
});
