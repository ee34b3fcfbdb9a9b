/**
 * Disk budget alerts (configs/disk-rules.ts), checked and unit-tested by the real promtool: a
 * volume over 80 % of its share warns, over 95 % is critical, one under 80 % stays quiet, and a
 * meter that stopped measuring is reported.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { diskRulesFile } from "../../configs/disk-rules";
import { alertTests, findPromtool, promtoolTestRules, run, writeTree } from "../support/config-files";

const GIB = 1024 ** 3;

describe("disk budget alerts", () => {
  const promtool = findPromtool();
  const root = writeTree([diskRulesFile(60)]);
  const file = join(root, "etc/prometheus/rules/disk-alerts.yml");

  it(`passes \`promtool check rules\` (promtool ${promtool.version})`, () => {
    const r = run(promtool.path, ["check", "rules", file]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: 3 rules found/);
  });

  it("warns over 80 %, is critical over 95 %, quiet under 80 %, and reports a stale meter (`promtool test rules`)", () => {
    const vol = (name: string, service: string) => `volume="${name}", service="${service}", job="disk-usage"`;
    const loki = vol("scaibu-loki-data", "loki");
    const jaeger = vol("scaibu-jaeger-data", "jaeger");
    const prom = vol("scaibu-prometheus-data", "prometheus");
    const alert = (alertname: string, severity: string, name: string, service: string, pct: string) => ({
      exp_labels: { severity, volume: name, service },
      exp_annotations: {
        summary:
          alertname === "VolumeNearBudget"
            ? `Volume ${name} is over 80% of its disk budget`
            : `Volume ${name} is at its disk budget`,
        description:
          `${name} (${service}) holds ${pct} of its share of storage.budgetGb` +
          (alertname === "VolumeNearBudget" ? ". " : "; the host's disk is next. ") +
          "Shorten that backend's retention (prometheus.retention, loki.retentionHours, jaeger.retentionHours), or raise storage.budgetGb or its storage.shares entry.",
      },
    });
    const tests = alertTests(file, {
      input_series: [
        { series: `scaibu_volume_budget_bytes{${loki}}`, values: `${6 * GIB}x40` },
        { series: `scaibu_volume_used_bytes{${loki}}`, values: `${5.1 * GIB}x40` }, // 85 %
        { series: `scaibu_volume_budget_bytes{${jaeger}}`, values: `${4 * GIB}x40` },
        { series: `scaibu_volume_used_bytes{${jaeger}}`, values: `${3.9 * GIB}x40` }, // 97.5 %
        { series: `scaibu_volume_budget_bytes{${prom}}`, values: `${9 * GIB}x40` },
        { series: `scaibu_volume_used_bytes{${prom}}`, values: `${1 * GIB}x40` }, // 11 %
        // Measured at t=0 and never again.
        {
          series: 'scaibu_volume_meter_last_run_timestamp_seconds{job="disk-usage", instance="m"}',
          values: "0x40",
        },
      ],
      alert_rule_test: [
        {
          eval_time: "20m",
          alertname: "VolumeNearBudget",
          exp_alerts: [
            alert("VolumeNearBudget", "warning", "scaibu-jaeger-data", "jaeger", "97.5%"),
            alert("VolumeNearBudget", "warning", "scaibu-loki-data", "loki", "85%"),
          ],
        },
        {
          eval_time: "20m",
          alertname: "VolumeOverBudget",
          exp_alerts: [alert("VolumeOverBudget", "critical", "scaibu-jaeger-data", "jaeger", "97.5%")],
        },
        { eval_time: "10m", alertname: "DiskMeterStale", exp_alerts: [] },
        {
          eval_time: "25m",
          alertname: "DiskMeterStale",
          exp_alerts: [
            {
              exp_labels: { severity: "warning" },
              exp_annotations: {
                summary: "The disk meter has not measured the volumes lately",
                description:
                  "The last measurement of the data volumes is 25m 0s old: the budget alerts are blind. See `docker logs` of the disk-usage container.",
              },
            },
          ],
        },
      ],
    });
    const r = promtoolTestRules(promtool, root, "tests.yml", tests);
    assert.equal(r.status, 0, r.output);
  });
});
