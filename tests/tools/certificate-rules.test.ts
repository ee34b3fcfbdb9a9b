/**
 * Certificate expiry alerts (configs/certificate-rules.ts), checked and unit-tested by the real
 * promtool: each fires when its certificate is inside its window, and stays quiet outside it.
 * (promtool evaluates from the Unix epoch: `time()` is the evaluation time.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { certificateRules, certificateRulesFile, earlierEnd } from "../../configs/certificate-rules";
import { alertTests, findPromtool, promtoolTestRules, run, writeTree } from "../support/config-files";

const DAY = 86400;
/** The CA expires 20 days after the epoch: inside the 30-day window, outside the 7-day one. */
const caNotAfter = new Date(20 * DAY * 1000).toISOString();

describe("certificate expiry alerts", () => {
  const promtool = findPromtool();
  const root = writeTree([certificateRulesFile(caNotAfter)]);
  const file = join(root, "etc/prometheus/rules/certificate-alerts.yml");

  it(`passes \`promtool check rules\` (promtool ${promtool.version})`, () => {
    const r = run(promtool.path, ["check", "rules", file]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: 4 rules found/);
  });

  it("carries a severity, a summary and a description on every rule", () => {
    for (const rule of certificateRules(caNotAfter).groups.flatMap((g) => g.rules)) {
      assert.ok("alert" in rule && rule.labels.severity && rule.annotations.summary && rule.annotations.description);
    }
  });

  it("refuses a CA or Jaeger end that is not a time, naming it", () => {
    assert.throws(() => certificateRules("soon"), /caNotAfter is not a time: soon/);
    assert.throws(() => certificateRules(caNotAfter, { jaeger: "later" }), /jaegerNotAfter is not a time: later/);
    assert.throws(() => certificateRules(caNotAfter, { fleet: "never" }), /fleetNotAfter is not a time: never/);
  });

  it("counts down to Jaeger's OTLP certificate when it has one: both windows, through the real promtool", () => {
    // Jaeger's expires 5 days after the epoch: inside both windows.
    const jaegerNotAfter = new Date(5 * DAY * 1000).toISOString();
    const jaegerRoot = writeTree([certificateRulesFile(caNotAfter, undefined, { jaeger: jaegerNotAfter })]);
    const jaegerFile = join(jaegerRoot, "etc/prometheus/rules/certificate-alerts.yml");
    const check = run(promtool.path, ["check", "rules", jaegerFile]);
    assert.equal(check.status, 0, check.output);
    assert.match(check.output, /SUCCESS: 6 rules found/);
    const what = "Jaeger's OTLP certificate (the collector's push)";
    const tests = alertTests(jaegerFile, {
      input_series: [],
      alert_rule_test: (["JaegerCertificateExpiresSoon", "JaegerCertificateExpiring"] as const).map((alertname) => ({
        eval_time: "15m",
        alertname,
        exp_alerts: [
          {
            exp_labels: { severity: alertname.endsWith("Soon") ? "warning" : "critical" },
            exp_annotations: {
              summary: `${what} expires in less than ${alertname.endsWith("Soon") ? 30 : 7} days`,
              description: `${what} expires in 4d 23h 45m 0s. Run \`pulumi up\`: it renews a certificate in its renewal window (README "Certificates").`,
            },
          },
        ],
      })),
    });
    const r = promtoolTestRules(promtool, jaegerRoot, "tests.yml", tests);
    assert.equal(r.status, 0, r.output);
    // Without the certificate, no rule for it.
    assert.ok(!JSON.stringify(certificateRules(caNotAfter)).includes("Jaeger"));
  });

  it("counts down to a swarm's mTLS pair when there is one: only the 30-day window 20 days out, through the real promtool", () => {
    // The earlier of the gateway's and the agents' ends, 20 days after the epoch (earlierEnd).
    const later = new Date(200 * DAY * 1000).toISOString();
    const fleetNotAfter = earlierEnd(later, new Date(20 * DAY * 1000).toISOString());
    assert.equal(fleetNotAfter, new Date(20 * DAY * 1000).toISOString());
    const root = writeTree([certificateRulesFile(caNotAfter, undefined, { fleet: fleetNotAfter })]);
    const fleetFile = join(root, "etc/prometheus/rules/certificate-alerts.yml");
    const what = "The swarm's mTLS certificates (every node's agents to the gateway)";
    const tests = alertTests(fleetFile, {
      input_series: [],
      alert_rule_test: [
        {
          eval_time: "15m",
          alertname: "FleetCertificateExpiresSoon",
          exp_alerts: [
            {
              exp_labels: { severity: "warning" },
              exp_annotations: {
                summary: `${what} expires in less than 30 days`,
                description: `${what} expires in 19d 23h 45m 0s. Run \`pulumi up\`: it renews a certificate in its renewal window (README "Certificates").`,
              },
            },
          ],
        },
        { eval_time: "15m", alertname: "FleetCertificateExpiring", exp_alerts: [] },
      ],
    });
    const r = promtoolTestRules(promtool, root, "tests.yml", tests);
    assert.equal(r.status, 0, r.output);
    assert.ok(!JSON.stringify(certificateRules(caNotAfter)).includes("Fleet"));
  });

  it("fires for a served certificate within 30 and 7 days and for the CA within 30, not otherwise (`promtool test rules`)", () => {
    const soon = 'cn="scaibu.grafana", sans="scaibu.grafana,scaibu.loki", serial="1"';
    const fresh = 'cn="scaibu.other", sans="scaibu.other", serial="2"';
    const tests = alertTests(file, {
      input_series: [
        { series: `traefik_tls_certs_not_after{${soon}, instance="t", job="traefik"}`, values: `${5 * DAY}x30` },
        { series: `traefik_tls_certs_not_after{${fresh}, instance="t", job="traefik"}`, values: `${300 * DAY}x30` },
      ],
      alert_rule_test: [
        ...["ServerCertificateExpiresSoon", "ServerCertificateExpiring"].map((alertname) => ({
          eval_time: "15m",
          alertname,
          exp_alerts: [
            {
              exp_labels: {
                severity: alertname.endsWith("Soon") ? "warning" : "critical",
                cn: "scaibu.grafana",
                serial: "1",
              },
              exp_annotations: {
                summary: `The certificate Traefik serves (scaibu.grafana) expires in less than ${alertname.endsWith("Soon") ? 30 : 7} days`,
                description:
                  'The certificate Traefik serves (scaibu.grafana) expires in 4d 23h 45m 0s. Run `pulumi up`: it renews a certificate in its renewal window (README "Certificates").',
              },
            },
          ],
        })),
        {
          eval_time: "15m",
          alertname: "CaCertificateExpiresSoon",
          exp_alerts: [
            {
              exp_labels: { severity: "warning" },
              exp_annotations: {
                summary: "The stack's CA expires in less than 30 days",
                description:
                  'The stack\'s CA expires in 19d 23h 45m 0s. Run `pulumi up`: it renews a certificate in its renewal window (README "Certificates").',
              },
            },
          ],
        },
        { eval_time: "15m", alertname: "CaCertificateExpiring", exp_alerts: [] },
      ],
    });
    const r = promtoolTestRules(promtool, root, "tests.yml", tests);
    assert.equal(r.status, 0, r.output);
  });
});
