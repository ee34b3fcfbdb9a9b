/**
 * Loki's config, against a typed model of every key the program sets, each cited to its Go struct
 * and yaml tag in grafana/loki at v3.7.6 (the mirror has no v3.7.7 tag; nothing of these files
 * changed between them). Loki parses strictly (pkg/util/cfg/dynamic.go DynamicUnmarshal →
 * files.go yaml.UnmarshalStrict: "field X not found in type T" stops it at start), so an unknown
 * or misplaced key here would stop the real Loki: this model is strict the same way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import { LOKI_CONFIG_PATH, lokiFiles, lokiSettings } from "./loki";

const obj = z.strictObject;
const ring = obj({ kvstore: obj({ store: z.enum(["consul", "etcd", "inmemory", "memberlist", "multi"]) }) }); // dskit kv/client.go:57
const model = obj({
  target: z.string(), // pkg/loki/loki.go:85 `target`
  auth_enabled: z.boolean(), // loki.go:86
  server: obj({
    // loki.go:90 → dskit server/server.go
    http_listen_port: z.number().int(), // server.go:94
    grpc_listen_port: z.number().int(), // server.go:98
    log_level: z.enum(["debug", "info", "warn", "error"]), // server.go:147, dskit log/level.go:59
  }),
  common: obj({
    // loki.go:136 → pkg/loki/common/common.go
    instance_addr: z.string(), // common.go:45
    path_prefix: z.string(), // common.go:27
    storage: obj({ filesystem: obj({ chunks_directory: z.string(), rules_directory: z.string() }) }), // common.go:28, 87, 110-111
    replication_factor: z.number().int(), // common.go:30
    ring, // common.go:31 → pkg/util/ring/ring_config.go:26
  }),
  schema_config: obj({
    // loki.go:109 → pkg/storage/config/schema_config.go:275
    configs: z.array(
      obj({
        from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), // schema_config.go:139 DayTime (2006-01-02)
        store: z.string(), // :141
        object_store: z.string(), // :143
        schema: z.string(), // :144
        index: obj({ prefix: z.string(), period: z.string() }), // :145, 547-548
      }),
    ),
  }),
  compactor: obj({
    // loki.go:110 → pkg/compactor/config.go:20
    working_directory: z.string(), // :21
    compaction_interval: z.string(), // :22
    retention_enabled: z.boolean(), // :24
    retention_delete_delay: z.string(), // :25
    delete_request_store: z.string(), // :29
  }),
  limits_config: obj({
    // loki.go:113 → pkg/validation/limits.go:92
    retention_period: z.string(), // :215
    ingestion_rate_mb: z.number(), // :95
    ingestion_burst_size_mb: z.number(), // :96
    allow_structured_metadata: z.boolean(), // :251
    volume_enabled: z.boolean(), // :161
    deletion_mode: z.enum(["disabled", "filter-only", "filter-and-delete"]), // :212, compactor/deletionmode/mode.go:16-18
    otlp_config: obj({
      // :254 → pkg/loghttp/push/otlp_config.go:43
      resource_attributes: obj({
        ignore_defaults: z.boolean(), // otlp_config.go:192
        attributes_config: z.array(
          obj({ action: z.enum(["index_label", "structured_metadata", "drop"]), attributes: z.array(z.string()) }), // :128-130, 17-21
        ),
      }),
    }),
  }),
  ruler: obj({
    // loki.go:99 → pkg/ruler/config.go:18, inlining pkg/ruler/base/ruler.go:79
    enable_api: z.boolean(), // base/ruler.go:115
    alertmanager_url: z.string().optional(), // pkg/ruler/config/alertmanager.go:15 (inlined)
    storage: obj({ type: z.literal("local"), local: obj({ directory: z.string() }) }), // base/ruler.go:93, storage.go:35-46, rulestore/local/local.go:21
    rule_path: z.string(), // base/ruler.go:95
    ring, // base/ruler.go:112 → ruler_ring.go:38
  }),
  analytics: obj({ reporting_enabled: z.boolean() }), // loki.go:127 → pkg/analytics/reporter.go:52
});

const render = (raw: Record<string, unknown> = {}, alertmanagerUrl?: string) =>
  parse(
    lokiFiles({ ...lokiSettings.parse(raw), alertmanagerUrl }).find((f) => f.path === LOKI_CONFIG_PATH)!.content,
  ) as Record<string, unknown>;

describe("Loki config, against Loki's own keys (v3.7.6)", () => {
  it("sets only keys Loki knows, where Loki expects them (with and without the ruler's Alertmanager)", () => {
    for (const cfg of [render(), render({}, "http://scaibu.alertmanager:9093")]) {
      const r = model.safeParse(cfg);
      assert.ok(r.success, r.error?.message);
    }
  });

  it("would reject an unknown or a misplaced key, as Loki's strict parse does", () => {
    const unknown = { ...render(), limits_config: { ...(render().limits_config as object), retention_perid: "720h" } };
    assert.match(model.safeParse(unknown).error?.message ?? "", /retention_perid/);
    const misplaced = { ...render(), retention_period: "720h" };
    assert.match(model.safeParse(misplaced).error?.message ?? "", /retention_period/);
  });

  it("keeps 720 h of logs and takes 10 MB/s per tenant by default, enforced where they land", () => {
    const c = model.parse(render());
    assert.equal(c.limits_config.retention_period, "720h");
    assert.equal(c.compactor.retention_enabled, true, "retention is the compactor's job");
    assert.equal(c.limits_config.ingestion_rate_mb, 10);
    assert.ok(c.limits_config.ingestion_burst_size_mb >= 10);
  });

  it("sends the ruler's alerts to the stack's Alertmanager, with no API path (it is the prefix)", () => {
    assert.equal(
      model.parse(render({}, "http://scaibu.alertmanager:9093")).ruler.alertmanager_url,
      "http://scaibu.alertmanager:9093",
    );
  });

  it("gives every schema period a from date at 00:00 UTC that parses", () => {
    for (const p of model.parse(render()).schema_config.configs) {
      assert.ok(!Number.isNaN(Date.parse(`${p.from}T00:00:00Z`)), p.from);
    }
  });
});
