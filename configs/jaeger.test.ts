import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  JAEGER_CONFIG_PATH,
  JAEGER_DATA_DIR,
  JAEGER_HEALTH_PATH,
  JAEGER_HTPASSWD_PATH,
  jaegerCommand,
  jaegerFiles,
  jaegerSettings,
} from "./jaeger";
import { fileAt, parseYaml } from "../tests/support/config-files";

/** Builder input as the settings schema hands it over (defaults filled). */
const input = (raw: Record<string, unknown> = {}) => jaegerSettings.parse(raw);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = (raw: Record<string, unknown> = {}): any =>
  parseYaml(fileAt(jaegerFiles(input(raw)), JAEGER_CONFIG_PATH).content);

describe("jaeger v2 config", () => {
  it("is passed with --config", () => {
    assert.deepEqual(
      jaegerFiles(input()).map((f) => f.path),
      ["/etc/jaeger/config.yaml"],
    );
    assert.deepEqual(jaegerCommand(), ["--config=/etc/jaeger/config.yaml"]);
  });

  it("receives OTLP, stores via jaeger_storage_exporter and serves the UI on 16686", () => {
    const c = doc();
    assert.equal(c.receivers.otlp.protocols.grpc.endpoint, "0.0.0.0:4317");
    assert.equal(c.receivers.otlp.protocols.http.endpoint, "0.0.0.0:4318");
    assert.equal(c.extensions.jaeger_query.http.endpoint, "0.0.0.0:16686");
    const store = c.exporters.jaeger_storage_exporter.trace_storage;
    assert.equal(c.extensions.jaeger_query.storage.traces, store);
    assert.ok(c.extensions.jaeger_storage.backends[store]);
    assert.deepEqual(c.service.pipelines.traces.exporters, ["jaeger_storage_exporter"]);
    for (const e of ["jaeger_storage", "jaeger_query", "healthcheckv2"]) assert.ok(c.service.extensions.includes(e), e);
  });

  it("uses persistent badger by default with the TTL from input", () => {
    const c = doc({ retentionHours: 48 });
    const b = Object.values(c.extensions.jaeger_storage.backends)[0] as { badger: Record<string, unknown> };
    assert.deepEqual(b.badger.directories, { keys: `${JAEGER_DATA_DIR}/keys`, values: `${JAEGER_DATA_DIR}/values` });
    assert.equal(b.badger.ephemeral, false);
    assert.deepEqual(b.badger.ttl, { spans: "48h" });
  });

  it("can use the memory backend", () => {
    const c = doc({ storage: "memory" });
    const b = Object.values(c.extensions.jaeger_storage.backends)[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(b), ["memory"]);
  });

  it("answers health on :13133/status and exposes metrics on :8888", () => {
    const c = doc();
    assert.equal(c.extensions.healthcheckv2.use_v2, true);
    assert.equal(c.extensions.healthcheckv2.http.endpoint, "0.0.0.0:13133");
    assert.equal(c.extensions.healthcheckv2.http.status.path, JAEGER_HEALTH_PATH);
    assert.deepEqual(c.service.telemetry.metrics.readers, [
      { pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } },
    ]);
  });

  it("asks for a login on the query API and UI (HTTP and gRPC) when its route is guarded, never on health or OTLP", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const c: any = parseYaml(fileAt(jaegerFiles({ ...input(), queryAuth: true }), JAEGER_CONFIG_PATH).content);
    const auth = { authenticator: "basicauth/query" };
    assert.deepEqual(c.extensions.jaeger_query.http.auth, auth);
    assert.deepEqual(c.extensions.jaeger_query.grpc.auth, auth);
    assert.deepEqual(c.extensions["basicauth/query"], { htpasswd: { file: JAEGER_HTPASSWD_PATH } });
    assert.ok(c.service.extensions.includes("basicauth/query"));
    // The collector's OTLP push (gRPC, no TLS inside the network: per-RPC credentials need TLS)
    // and the health check stay as they were.
    assert.equal(c.receivers.otlp.protocols.grpc.auth, undefined);
    assert.equal(c.extensions.healthcheckv2.http.auth, undefined);
    const open = doc();
    assert.equal(open.extensions.jaeger_query.http.auth, undefined);
    assert.equal(open.extensions["basicauth/query"], undefined);
    assert.ok(!open.service.extensions.includes("basicauth/query"));
  });

  it("is deterministic", () => {
    assert.deepEqual(jaegerFiles(input({ retentionHours: 24 })), jaegerFiles(input({ retentionHours: 24 })));
  });

  it("rejects an unknown storage backend and bad numbers", () => {
    for (const bad of [{ storage: "cassandra" }, { retentionHours: 0 }, { memoryMaxTraces: -1 }]) {
      assert.equal(jaegerSettings.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
});
