import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LOKI_ALERTMANAGER_CREDENTIALS_PATH,
  LOKI_CONFIG_PATH,
  LOKI_DATA_DIR,
  LOKI_SCHEMA,
  lokiCommand,
  lokiSchemaProblems,
  lokiSettings,
  lokiFiles,
} from "./loki";
import { fileAt, parseYaml } from "../tests/support/config-files";

const input = (raw: Record<string, unknown> = {}) => lokiSettings.parse(raw);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = (raw: Record<string, unknown> = {}): any =>
  parseYaml(fileAt(lokiFiles(input(raw)), LOKI_CONFIG_PATH).content);

describe("loki config", () => {
  it("is the image's default config path, port 3100, data under /loki", () => {
    assert.deepEqual(
      lokiFiles(input()).map((f) => f.path),
      ["/etc/loki/local-config.yaml", "/etc/loki/rules/fake/scaibu-stack.yml"],
    );
    assert.deepEqual(lokiCommand(), ["-config.file=/etc/loki/local-config.yaml", "-target=all"]);
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
    const attrs = c.limits_config.otlp_config.resource_attributes;
    // The effective index labels are exactly these: Loki's default list (with the per-process
    // service.instance.id) is switched off.
    assert.equal(attrs.ignore_defaults, true);
    assert.deepEqual(attrs.attributes_config, [
      {
        action: "index_label",
        attributes: [
          "service.name",
          "service.namespace",
          "deployment.environment",
          "deployment.environment.name",
          "container.name",
        ],
      },
    ]);
  });

  it("enables the ruler API and ships rules in the single tenant's directory, outside the volume", () => {
    const c = doc();
    assert.equal(c.ruler.enable_api, true);
    assert.deepEqual(c.ruler.storage, { type: "local", local: { directory: "/etc/loki/rules" } });
    assert.equal(c.common.storage.filesystem.rules_directory, "/etc/loki/rules");
    assert.ok(!c.ruler.storage.local.directory.startsWith(`${LOKI_DATA_DIR}/`));
    const rules = parseYaml<{ groups: { rules: { alert: string; expr: string }[] }[] }>(
      fileAt(lokiFiles(input()), "/etc/loki/rules/fake/scaibu-stack.yml").content,
    );
    assert.ok(rules.groups[0]!.rules.every((r) => r.alert && r.expr.includes("count_over_time")));
    assert.equal(c.analytics.reporting_enabled, false);
  });

  it("sends the ruler's alerts with the stack client's login from a file, only when Alertmanager asks for it", () => {
    const url = "http://scaibu.alertmanager:9093";
    const config = (alertmanagerAuth: boolean) =>
      parseYaml<{ ruler: Record<string, unknown> }>(
        fileAt(lokiFiles({ ...input(), alertmanagerUrl: url, alertmanagerAuth }), LOKI_CONFIG_PATH).content,
      ).ruler;
    assert.deepEqual(config(true).alertmanager_client, {
      type: "Basic",
      credentials_file: LOKI_ALERTMANAGER_CREDENTIALS_PATH,
    });
    assert.equal(config(false).alertmanager_client, undefined);
    assert.equal(doc().ruler.alertmanager_client, undefined);
  });

  it("is deterministic", () => {
    assert.deepEqual(lokiFiles(input({ retentionHours: 240 })), lokiFiles(input({ retentionHours: 240 })));
  });

  it("rejects bad input", () => {
    for (const bad of [{ retentionHours: 0 }, { retentionHours: 25 }, { ingestionRateMb: 2.5 }]) {
      assert.equal(lokiSettings.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
});

describe("loki schema_config", () => {
  const v13 = LOKI_SCHEMA[0]!;
  it("is the one period this stack has always written (never edited: a change re-keys stored data)", () => {
    assert.deepEqual(LOKI_SCHEMA, [
      {
        from: "2024-04-01",
        store: "tsdb",
        object_store: "filesystem",
        schema: "v13",
        index: { prefix: "index_", period: "24h" },
      },
    ]);
    assert.deepEqual(lokiSchemaProblems(LOKI_SCHEMA), []);
  });

  it("names a date that is not one, dates that do not increase, a first period not in force, and a non-24h index", () => {
    const now = new Date("2026-12-03T12:00:00Z");
    assert.deepEqual(
      lokiSchemaProblems(
        [
          v13,
          { ...v13, from: "2026-02-30" },
          { ...v13, from: "2025-01-01" },
          { ...v13, from: "2027-01-01", index: { prefix: "index_", period: "168h" } },
        ],
        now,
      ),
      // Period 2 is not compared with period 1, which is no date at all.
      ['period 1: from "2026-02-30" is not a date (YYYY-MM-DD)', "period 3: index period 168h, retention needs 24h"],
    );
    assert.deepEqual(lokiSchemaProblems([{ ...v13, from: "2026-12-04" }], now), [
      "period 0: from 2026-12-04 is in the future: Loki would have no schema for today",
    ]);
    assert.deepEqual(lokiSchemaProblems([v13, { ...v13, from: "2024-04-01" }], now), [
      "period 1: from 2024-04-01 is not after 2024-04-01",
    ]);
    assert.deepEqual(lokiSchemaProblems([], now), ["no schema period"]);
  });
});
