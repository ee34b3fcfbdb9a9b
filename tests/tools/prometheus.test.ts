import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { stringify } from "yaml";
import {
  PROMETHEUS_CONFIG_PATH,
  PROMETHEUS_DATA_DIR,
  prometheusCommand,
  prometheusConfig,
  prometheusFiles,
  prometheusSettings,
  type PrometheusInput,
} from "../../configs/prometheus";
import { defaultPrometheusInput } from "../support/prometheus-input";
import { PROMETHEUS_STACK_RULES_PATH, stackAlertRules, type AlertingRule } from "../../configs/prometheus-rules";
import {
  alertTests,
  fileAt,
  findPromtool,
  parseYaml,
  promtoolTestRules,
  run,
  writeTree,
  type Promtool,
} from "../support/config-files";

const base: PrometheusInput = defaultPrometheusInput;

/** Top-level keys Prometheus 3 accepts and 2.x rejects ("field otlp not found"). */
const V3_ONLY_KEYS = ["otlp"];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = (input: PrometheusInput): any => parseYaml(fileAt(prometheusFiles(input), PROMETHEUS_CONFIG_PATH).content);

describe("prometheus config", () => {
  it("writes prometheus.yml and the rules under /etc/prometheus", () => {
    assert.deepEqual(
      prometheusFiles(base).map((f) => f.path),
      ["/etc/prometheus/prometheus.yml", "/etc/prometheus/rules/stack-alerts.yml"],
    );
    const c = doc(base);
    assert.deepEqual(c.rule_files, ["/etc/prometheus/rules/*.yml"]);
    assert.equal(c.global.scrape_interval, "30s");
    assert.equal(doc({ ...base, scrapeInterval: "15s" }).global.scrape_interval, "15s");
    assert.equal(doc({ ...base, scrapeInterval: "5s" }).global.scrape_timeout, "5s");
  });

  it("takes the collector's OTLP with every resource attribute as a label, and late samples", () => {
    const c = doc(base);
    assert.deepEqual(c.otlp, { promote_all_resource_attributes: true });
    assert.equal(c.storage.tsdb.out_of_order_time_window, "30m");
  });

  it("scrapes itself and every stack component on its internal metrics port", () => {
    const jobs = Object.fromEntries(
      doc(base)
        .scrape_configs.filter((j: { static_configs?: unknown }) => j.static_configs)
        .map((j: { job_name: string; static_configs: { targets: string[] }[] }) => [
          j.job_name,
          j.static_configs[0]!.targets,
        ]),
    );
    assert.deepEqual(jobs, {
      prometheus: ["localhost:9090"],
      loki: ["scaibu.loki:3100"],
      jaeger: ["scaibu.jaeger:8888"],
      grafana: ["scaibu.grafana:3000"],
      "otel-collector": ["scaibu.otel:8888"],
      traefik: ["scaibu.traefik:8080"],
      alertmanager: ["scaibu.alertmanager:9093"],
    });
    const partial = doc({ ...base, hosts: { loki: "scaibu.loki" } }).scrape_configs.map(
      (j: { job_name: string }) => j.job_name,
    );
    assert.deepEqual(partial, ["prometheus", "loki", "docker"]);
  });

  it("discovers only opted-in Docker containers and labels them container_name without the slash", () => {
    const job = doc(base).scrape_configs.find((j: { job_name: string }) => j.job_name === "docker");
    // Through the socket proxy, never the raw socket.
    assert.deepEqual(job.docker_sd_configs, [{ host: "tcp://scaibu.socket-proxy:2375", refresh_interval: "30s" }]);
    const keep = job.relabel_configs[0];
    assert.deepEqual(keep, {
      source_labels: ["__meta_docker_container_label_prometheus_io_scrape"],
      regex: "true",
      action: "keep",
    });
    const name = job.relabel_configs.find((r: { target_label?: string }) => r.target_label === "container_name");
    assert.deepEqual(name, {
      source_labels: ["__meta_docker_container_name"],
      regex: "/?(.*)",
      target_label: "container_name",
      replacement: "$1",
    });
  });

  it("builds the command line from input", () => {
    assert.deepEqual(prometheusCommand(base), [
      "--config.file=/etc/prometheus/prometheus.yml",
      `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
      "--web.enable-remote-write-receiver",
      "--web.enable-otlp-receiver",
      "--web.enable-admin-api",
      "--web.external-url=https://scaibu.prometheus",
      "--enable-feature=exemplar-storage",
    ]);
    const cmd = prometheusCommand({ ...base, adminApi: false, retention: "30d", retentionSize: "10GB" });
    assert.ok(!cmd.includes("--web.enable-admin-api"));
    // Retention lives in prometheus.yml (the flags are deprecated in 3.x, and a retention block
    // in the file replaces them whole).
    assert.ok(!cmd.some((f) => f.startsWith("--storage.tsdb.retention")));
    assert.deepEqual(prometheusConfig({ ...base, retention: "30d", retentionSize: "10GB" }).storage.tsdb.retention, {
      time: "30d",
      size: "10GB",
    });
    assert.ok(!cmd.some((f) => f.startsWith("--web.enable-lifecycle")));
    assert.ok(
      prometheusCommand({ ...base, externalPort: 8443 }).includes("--web.external-url=https://scaibu.prometheus:8443"),
    );
    assert.ok(
      prometheusCommand({ ...base, externalPort: 443 }).includes("--web.external-url=https://scaibu.prometheus"),
    );
  });

  it("is deterministic, whatever the order of the host keys", () => {
    const reordered: PrometheusInput = {
      ...base,
      hosts: Object.fromEntries(Object.entries(base.hosts).reverse()),
    };
    assert.deepEqual(prometheusFiles(base), prometheusFiles(reordered));
    assert.deepEqual(prometheusCommand(base), prometheusCommand(reordered));
  });

  it("accepts only valid durations and sizes in its settings", () => {
    for (const bad of [
      { scrapeInterval: "30 seconds" },
      { scrapeInterval: "500ms" },
      { retention: "15days" },
      { retentionSize: "10G" },
    ]) {
      assert.equal(prometheusSettings.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it("has severity, for, summary and description on every alert", () => {
    for (const g of stackAlertRules().groups) {
      for (const r of g.rules as AlertingRule[]) {
        assert.ok(r.alert && r.for, `${g.name}: ${r.alert}`);
        assert.ok(["critical", "warning", "info"].includes(r.labels.severity), r.alert);
        assert.ok(r.annotations.summary && r.annotations.description, r.alert);
      }
    }
    assert.throws(() => stackAlertRules({ tsdbDiskBudgetBytes: 0 }), /tsdbDiskBudgetBytes/);
  });
});

describe("prometheus config against the real promtool", () => {
  let found: Promtool | Error;
  let root: string;
  before(() => {
    try {
      found = findPromtool();
    } catch (e) {
      found = e as Error;
    }
    root = writeTree(prometheusFiles(base));
  });
  /** Every test below FAILS (never skips) when there is no promtool. */
  const tool = (): Promtool => {
    if (found instanceof Error) throw found;
    return found;
  };

  it("passes `promtool check config` (rule files resolved at their in-container layout)", (t) => {
    const promtool = tool();
    t.diagnostic(`promtool ${promtool.version} (${promtool.path})`);
    let configPath = join(root, PROMETHEUS_CONFIG_PATH);
    // The config names the rules by absolute in-container path; point it at the temp tree.
    const c = parseYaml<Record<string, unknown>>(fileAt(prometheusFiles(base), PROMETHEUS_CONFIG_PATH).content);
    c.rule_files = [join(root, "etc/prometheus/rules/*.yml")];
    if (promtool.major < 3) {
      for (const k of V3_ONLY_KEYS) Reflect.deleteProperty(c, k);
      t.diagnostic(
        `promtool ${promtool.version} is 2.x: v3-only keys ${V3_ONLY_KEYS.join(", ")} were removed and NOT validated; set PROMTOOL to a v3 promtool`,
      );
    }
    configPath = join(root, "prometheus.check.yml");
    writeFileSync(configPath, stringify(c));
    const r = run(promtool.path, ["check", "config", configPath]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: 1 rule files found|SUCCESS/);
  });

  it(`passes \`promtool check rules\` on ${PROMETHEUS_STACK_RULES_PATH}`, () => {
    const r = run(tool().path, ["check", "rules", join(root, PROMETHEUS_STACK_RULES_PATH)]);
    assert.equal(r.status, 0, r.output);
    assert.match(
      r.output,
      new RegExp(`SUCCESS: ${stackAlertRules().groups.flatMap((g) => g.rules).length} rules found`),
    );
  });

  it("fires the alerts it should (`promtool test rules`)", () => {
    const tests = alertTests(join(root, PROMETHEUS_STACK_RULES_PATH), {
      input_series: [
        { series: 'up{job="loki", instance="scaibu.loki:3100"}', values: "1 0 0 0 0 0" },
        {
          series:
            'otelcol_exporter_send_failed_log_records_total{job="otel-collector", instance="scaibu.otel:8888", exporter="otlp_http/loki"}',
          values: "0+10x15",
        },
        { series: 'loki_discarded_samples_total{job="loki", reason="rate_limited"}', values: "0+5x20" },
      ],
      alert_rule_test: [
        {
          eval_time: "5m",
          alertname: "TargetDown",
          exp_alerts: [
            {
              exp_labels: { severity: "critical", job: "loki", instance: "scaibu.loki:3100" },
              exp_annotations: {
                summary: "Scrape target loki/scaibu.loki:3100 is down",
                description: "Prometheus has failed to scrape scaibu.loki:3100 (job loki) for 3 minutes.",
              },
            },
          ],
        },
        {
          eval_time: "12m",
          alertname: "OtelCollectorExportFailures",
          exp_alerts: [
            {
              exp_labels: {
                severity: "critical",
                job: "otel-collector",
                instance: "scaibu.otel:8888",
                exporter: "otlp_http/loki",
              },
              exp_annotations: stackAnnotations(
                "OtelCollectorExportFailures",
                { job: "otel-collector", instance: "scaibu.otel:8888", exporter: "otlp_http/loki" },
                "0.16666666666666666",
              ),
            },
          ],
        },
        { eval_time: "2m", alertname: "OtelCollectorExportFailures", exp_alerts: [] },
      ],
    });
    const r = promtoolTestRules(tool(), root, "stack-alerts.test.yml", tests);
    assert.equal(r.status, 0, r.output);
  });
});

/** The annotations an alert renders for given labels and value (mirrors the templates used). */
function stackAnnotations(alert: string, l: Record<string, string>, value: string): Record<string, string> {
  const rule = stackAlertRules()
    .groups.flatMap((g) => g.rules)
    .find((r) => "alert" in r && r.alert === alert) as AlertingRule;
  const render = (s: string) =>
    s
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => l[k] ?? "")
      .replace(/\{\{ \$value \| humanize \}\}/g, humanize(Number(value)));
  return { summary: render(rule.annotations.summary), description: render(rule.annotations.description) };
}

function humanize(v: number): string {
  // Prometheus' humanize for values below 1000 and at least 0.001: %.4g with a milli prefix below 1.
  if (v >= 1 || v === 0) return String(Number(v.toPrecision(4)));
  return `${Number((v * 1000).toPrecision(4))}m`;
}
