import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LOKI_CONFIG_PATH,
  LOKI_DATA_DIR,
  LOKI_HTTP_PORT,
  lokiCommand,
  lokiConfig,
  lokiFiles,
} from "../../configs/loki";
import { fileAt, parseYaml } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = (input = {}): any => parseYaml(fileAt(lokiFiles(input), LOKI_CONFIG_PATH).content);

describe("loki config", () => {
  it("is the image's default config path, port 3100, data under /loki", () => {
    assert.deepEqual(
      lokiFiles().map((f) => f.path),
      ["/etc/loki/local-config.yaml"],
    );
    assert.deepEqual(lokiCommand(), ["-config.file=/etc/loki/local-config.yaml", "-target=all"]);
    assert.equal(LOKI_HTTP_PORT, 3100);
    assert.equal(LOKI_DATA_DIR, "/loki");
  });

  it("runs single-binary, unauthenticated, one replica, in-memory ring", () => {
    const c = doc();
    assert.equal(c.target, "all");
    assert.equal(c.auth_enabled, false);
    assert.equal(c.server.http_listen_port, 3100);
    assert.equal(c.common.path_prefix, "/loki");
    assert.equal(c.common.replication_factor, 1);
    assert.equal(c.common.ring.kvstore.store, "inmemory");
  });

  it("stores chunks on the filesystem with TSDB and schema v13", () => {
    const c = doc();
    assert.equal(c.common.storage.filesystem.chunks_directory, "/loki/chunks");
    assert.equal(c.schema_config.configs.length, 1);
    assert.deepEqual(
      {
        store: c.schema_config.configs[0].store,
        object_store: c.schema_config.configs[0].object_store,
        schema: c.schema_config.configs[0].schema,
      },
      { store: "tsdb", object_store: "filesystem", schema: "v13" },
    );
    assert.equal(c.schema_config.configs[0].index.period, "24h");
  });

  it("enforces retention with the compactor and enables deletion", () => {
    const c = doc();
    assert.equal(c.compactor.retention_enabled, true);
    assert.equal(c.compactor.delete_request_store, "filesystem");
    assert.equal(c.limits_config.retention_period, "720h");
    assert.equal(c.limits_config.deletion_mode, "filter-and-delete");
    assert.equal(doc({ retentionHours: 168 }).limits_config.retention_period, "168h");
  });

  it("limits ingestion to 10 MB/s (burst 20) and accepts OTLP with structured metadata", () => {
    const c = doc();
    assert.equal(c.limits_config.ingestion_rate_mb, 10);
    assert.equal(c.limits_config.ingestion_burst_size_mb, 20);
    assert.equal(c.limits_config.allow_structured_metadata, true);
    const labels = c.limits_config.otlp_config.resource_attributes.attributes_config[0];
    assert.equal(labels.action, "index_label");
    assert.ok(labels.attributes.includes("service.name"));
  });

  it("enables the ruler API with local rules under /loki/rules", () => {
    const c = doc();
    assert.equal(c.ruler.enable_api, true);
    assert.deepEqual(c.ruler.storage, { type: "local", local: { directory: "/loki/rules" } });
    assert.equal(c.analytics.reporting_enabled, false);
  });

  it("is deterministic", () => {
    assert.deepEqual(lokiFiles({ retentionHours: 240 }), lokiFiles({ retentionHours: 240 }));
  });

  it("rejects bad input", () => {
    assert.throws(() => lokiConfig({ retentionHours: 0 }), /retentionHours/);
    assert.throws(() => lokiConfig({ retentionHours: 25 }), /multiple of 24/);
    assert.throws(() => lokiConfig({ ingestionRateMb: 2.5 }), /ingestionRateMb/);
  });
});
