/** The disk budget: one number, split by weight, turned into each backend's limit. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseSettings, SettingsError } from "../settings/schema";
import { base2Bytes, diskShares, GIB, keepsData, MIB, prometheusRetentionSize } from "./disk-budget";
import { meteredVolumes, renderAll, shares } from "./render";
import { PROMETHEUS_CONFIG_PATH } from "./prometheus";

const fileOf = (s: ReturnType<typeof parseSettings>, key: "prometheus" | "otelCollector", path: string) =>
  parse(renderAll(s, "p/s")[key]!.files.find((f) => f.path === path)!.content) as Record<string, unknown>;

describe("disk budget", () => {
  it("splits 20 GiB by default, 45/30/20/5, and never more than the budget", () => {
    const s = parseSettings({});
    const got = shares(s);
    assert.deepEqual(Object.keys(got), ["prometheus", "loki", "jaeger", "otelCollector"]);
    assert.equal(got.prometheus, Math.floor(20 * GIB * 0.45));
    assert.equal(got.otelCollector, Math.floor(20 * GIB * 0.05));
    assert.ok(Object.values(got).reduce((a, b) => a + b, 0) <= 20 * GIB);
  });

  it("gives the share of a backend that keeps no data to the others", () => {
    const s = parseSettings({ jaeger: { storage: "memory" }, collector: { persistentQueue: false } });
    assert.deepEqual(keepsData(s), ["prometheus", "loki"]);
    const got = shares(s);
    assert.equal(got.jaeger, undefined);
    assert.equal(got.prometheus, Math.floor((20 * GIB * 45) / 75));
    assert.equal(got.loki, Math.floor((20 * GIB * 30) / 75));
    assert.deepEqual(diskShares(s.storage, []), {});
  });

  it("caps Prometheus at 85 % of its share, in prometheus.yml, with the age retention beside it", () => {
    const s = parseSettings({ storage: { budgetGb: 10 } });
    const yml = fileOf(s, "prometheus", PROMETHEUS_CONFIG_PATH) as {
      storage: { tsdb: { retention: { time: string; size: string } } };
    };
    assert.deepEqual(yml.storage.tsdb.retention, { time: "15d", size: prometheusRetentionSize(shares(s).prometheus!) });
    assert.equal(yml.storage.tsdb.retention.size, `${Math.floor((10 * GIB * 0.45 * 0.85) / MIB)}MB`);
    // The deprecated flags are gone: the file's retention block would replace them anyway.
    assert.ok(!renderAll(s, "p/s").prometheus!.command.some((a) => a.startsWith("--storage.tsdb.retention")));
  });

  it("lets prometheus.retentionSize override the derived cap, inside the share, and refuses one outside it", () => {
    const s = parseSettings({ prometheus: { retentionSize: "2GB" } });
    const yml = fileOf(s, "prometheus", PROMETHEUS_CONFIG_PATH) as {
      storage: { tsdb: { retention: { size: string } } };
    };
    assert.equal(yml.storage.tsdb.retention.size, "2GB");
    assert.equal(base2Bytes("2GB"), 2 * GIB);
    assert.throws(
      () => parseSettings({ prometheus: { retentionSize: "10GB" }, storage: { budgetGb: 10 } }),
      (e: unknown) =>
        e instanceof SettingsError &&
        /scaibu-observability:prometheus\.retentionSize = "10GB": must fit in Prometheus' share of storage\.budgetGb \(4\.50 GiB of 10\)/.test(
          e.message,
        ),
    );
  });

  it("bounds each of the collector's queue files, with rebound thresholds that fit", () => {
    for (const budgetGb of [20, 0.1]) {
      const s = parseSettings({ storage: { budgetGb } });
      const ext = (fileOf(s, "otelCollector", "/etc/otelcol-contrib/config.yaml").extensions as Record<string, never>)[
        "file_storage/queue"
      ] as {
        max_size: number;
        compaction: { rebound_needed_threshold_mib: number; rebound_trigger_threshold_mib: number };
      };
      // Three exporters share the volume, and compaction writes a copy beside a file.
      assert.equal(ext.max_size, Math.floor(shares(s).otelCollector! / 6), `budget ${budgetGb}`);
      const c = ext.compaction as typeof ext.compaction & { on_rebound: boolean };
      if (budgetGb === 20) {
        assert.deepEqual([c.rebound_needed_threshold_mib, c.rebound_trigger_threshold_mib], [85, 10]);
      } else {
        // Under 4 MiB a file: no online compaction, which would need thresholds that do not fit.
        assert.equal(c.on_rebound, false);
        assert.equal(c.rebound_needed_threshold_mib, undefined);
      }
      if (c.on_rebound) assert.ok(c.rebound_needed_threshold_mib * MIB <= ext.max_size, `budget ${budgetGb}`);
    }
  });

  it("meters every data volume, with the budget on the four that grow", () => {
    const got = meteredVolumes(parseSettings({})).map((v) => [v.name, v.dir, v.budgetBytes !== undefined]);
    assert.deepEqual(got, [
      ["scaibu-prometheus-data", "prometheus-data", true],
      ["scaibu-loki-data", "loki-data", true],
      ["scaibu-jaeger-data", "jaeger-data", true],
      ["scaibu-grafana-data", "grafana-data", false],
      ["scaibu-otel-queue", "otel-queue", true],
      ["scaibu-alertmanager-data", "alertmanager-data", false],
    ]);
  });

  it("refuses a budget or a weight outside its range, naming the key", () => {
    for (const [raw, key] of [
      [{ storage: { budgetGb: 0 } }, "storage.budgetGb"],
      [{ storage: { shares: { loki: 0 } } }, "storage.shares.loki"],
      [{ storage: { shares: { grafana: 5 } } }, "storage.shares"],
    ] as const) {
      assert.throws(
        () => parseSettings(raw),
        (e: unknown) => e instanceof SettingsError && e.message.includes(`scaibu-observability:${key}`),
        key,
      );
    }
  });
});
