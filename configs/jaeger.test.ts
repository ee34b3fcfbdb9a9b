import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  JAEGER_CONFIG_PATH,
  JAEGER_DATA_DIR,
  JAEGER_HEALTH_PATH,
  JAEGER_HTPASSWD_PATH,
  JAEGER_OTLP_CERT_PATH,
  JAEGER_OTLP_HTPASSWD_PATH,
  JAEGER_OTLP_KEY_PATH,
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
    // Stored before answered: nothing between the receiver and the store that acknowledges early,
    // and no queue on the exporter.
    assert.deepEqual(c.service.pipelines.traces.processors, []);
    assert.equal("processors" in c, false);
    assert.equal("queue" in c.exporters.jaeger_storage_exporter, false);
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

  it("asks for a login on the query API and UI (HTTP and gRPC) when its route is guarded, never on health", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const c: any = parseYaml(fileAt(jaegerFiles({ ...input(), queryAuth: true }), JAEGER_CONFIG_PATH).content);
    const auth = { authenticator: "basicauth/query" };
    assert.deepEqual(c.extensions.jaeger_query.http.auth, auth);
    assert.deepEqual(c.extensions.jaeger_query.grpc.auth, auth);
    assert.deepEqual(c.extensions["basicauth/query"], { htpasswd: { file: JAEGER_HTPASSWD_PATH } });
    assert.ok(c.service.extensions.includes("basicauth/query"));
    // The health check stays open (Docker's probe has no login).
    assert.equal(c.extensions.healthcheckv2.http.auth, undefined);
    const open = doc();
    assert.equal(open.extensions.jaeger_query.http.auth, undefined);
    assert.equal(open.extensions["basicauth/query"], undefined);
    assert.ok(!open.service.extensions.includes("basicauth/query"));
  });

  it("takes OTLP (gRPC and HTTP) only over TLS 1.3 and from the stack client, with a file of its own, when guarded", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const c: any = parseYaml(fileAt(jaegerFiles({ ...input(), queryAuth: true }), JAEGER_CONFIG_PATH).content);
    const tls = { cert_file: JAEGER_OTLP_CERT_PATH, key_file: JAEGER_OTLP_KEY_PATH, min_version: "1.3" };
    for (const protocol of ["grpc", "http"]) {
      assert.deepEqual(c.receivers.otlp.protocols[protocol].tls, tls, protocol);
      assert.deepEqual(c.receivers.otlp.protocols[protocol].auth, { authenticator: "basicauth/otlp" }, protocol);
    }
    // Not the query's file: the operator can read traces but not write them.
    assert.deepEqual(c.extensions["basicauth/otlp"], { htpasswd: { file: JAEGER_OTLP_HTPASSWD_PATH } });
    assert.notEqual(JAEGER_OTLP_HTPASSWD_PATH, JAEGER_HTPASSWD_PATH);
    assert.ok(c.service.extensions.includes("basicauth/otlp"));
    const open = doc();
    for (const protocol of ["grpc", "http"]) {
      assert.equal(open.receivers.otlp.protocols[protocol].tls, undefined, protocol);
      assert.equal(open.receivers.otlp.protocols[protocol].auth, undefined, protocol);
    }
    assert.equal(open.extensions["basicauth/otlp"], undefined);
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
