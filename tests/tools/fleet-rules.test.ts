/**
 * A swarm's NodeAgentDown alert and its scrape job, through the real promtool: the rule fires on an
 * agent Prometheus cannot reach and stays quiet on one it can; the prometheus.yml with the
 * dockerswarm_sd job passes `promtool check config`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fleetRulesFile, NODE_AGENTS_JOB, PROMETHEUS_FLEET_RULES_PATH } from "../../configs/fleet";
import { PROMETHEUS_CONFIG_PATH, prometheusFiles } from "../../configs/prometheus";
import { parseSettings } from "../../settings/schema";
import { renderAll } from "../../configs/render";
import { alertTests, findPromtool, promtoolTestRules, run, writeTree } from "../support/config-files";

describe("fleet alert rules and scrape job", () => {
  const promtool = findPromtool();

  it("fires NodeAgentDown for an agent that stops answering, not for one that answers", () => {
    const root = writeTree([fleetRulesFile()]);
    const labels = (node: string) => ({
      job: NODE_AGENTS_JOB,
      instance: node,
      host_name: node,
      service: "scaibu-node-metrics",
    });
    const target = (node: string) =>
      Object.entries(labels(node))
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ");
    const tests = alertTests(`${root}${PROMETHEUS_FLEET_RULES_PATH}`, {
      input_series: [
        { series: `up{${target("node-1")}}`, values: "1x10" },
        { series: `up{${target("node-2")}}`, values: "1 1 0x8" },
      ],
      alert_rule_test: [
        { eval_time: "4m", alertname: "NodeAgentDown", exp_alerts: [] },
        {
          eval_time: "6m",
          alertname: "NodeAgentDown",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", ...labels("node-2") },
              exp_annotations: {
                summary: "Node agent scaibu-node-metrics on node-2 is not answering",
                description:
                  "Swarm runs scaibu-node-metrics on node-2, and Prometheus has not reached it for 3 minutes: that node's host metrics or container logs are not arriving. The node may be down or cut off (docker node ls), or the agent stuck (docker service ps scaibu-node-metrics).",
              },
            },
          ],
        },
      ],
    });
    const r = promtoolTestRules(promtool, root, "fleet-alerts.test.yml", tests);
    assert.equal(r.status, 0, r.output);
  });

  it("fires NodeContainerMetricsMissing for a node whose agent measures no container, only with docker_stats on", () => {
    const stats = { agentService: "scaibu-node-metrics", proxyService: "scaibu-node-api" };
    const root = writeTree([fleetRulesFile(undefined, stats)]);
    const series = (node: string, name: string, scraper = "docker_stats") =>
      `${name}{job="${NODE_AGENTS_JOB}", instance="${node}", host_name="${node}", service="scaibu-node-metrics", receiver="${scraper}", scraper="${scraper}"}`;
    const tests = alertTests(`${root}${PROMETHEUS_FLEET_RULES_PATH}`, {
      input_series: [
        // node-1 measures its containers; node-2 stops at 2m (its proxy went away) while its
        // host metrics go on; both names the collector has used (with and without _total).
        { series: series("node-1", "otelcol_scraper_scraped_metric_points_total"), values: "0+40x20" },
        { series: series("node-2", "otelcol_scraper_scraped_metric_points"), values: "0 40 80x18" },
        {
          series: series("node-2", "otelcol_scraper_scraped_metric_points_total", "host_metrics"),
          values: "0+90x20",
        },
      ],
      alert_rule_test: [
        { eval_time: "8m", alertname: "NodeContainerMetricsMissing", exp_alerts: [] },
        {
          eval_time: "13m",
          alertname: "NodeContainerMetricsMissing",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", host_name: "node-2" },
              exp_annotations: {
                summary: "No container of node-2 is measured",
                description:
                  "scaibu-node-metrics on node-2 answers but has measured no container of its node for 10 minutes: that node's container metrics and container alerts are missing. Its node's Docker API proxy may be down (docker service ps scaibu-node-api), or the agent found no container when it started; docker service update --force scaibu-node-metrics restarts it.",
              },
            },
          ],
        },
      ],
    });
    const r = promtoolTestRules(promtool, root, "fleet-containers.test.yml", tests);
    assert.equal(r.status, 0, r.output);
    // Without docker_stats on the agents (hostMetrics.containers false) there is nothing to miss.
    assert.doesNotMatch(fleetRulesFile().content, /NodeContainerMetricsMissing/);
  });

  it("renders a prometheus.yml with the dockerswarm_sd job that promtool accepts, only in swarm mode", () => {
    const swarm = renderAll(parseSettings({ fleet: { mode: "swarm" } }), "scaibu-observability/validate").prometheus!;
    const single = renderAll(parseSettings({}), "scaibu-observability/validate").prometheus!;
    assert.ok(swarm.files.some((f) => f.path === PROMETHEUS_FLEET_RULES_PATH));
    assert.ok(!single.files.some((f) => f.path === PROMETHEUS_FLEET_RULES_PATH));
    const config = swarm.files.find((f) => f.path === PROMETHEUS_CONFIG_PATH)!.content;
    assert.match(config, /dockerswarm_sd_configs:[\s\S]*role: tasks[\s\S]*desired-state/);
    assert.match(config, /job_name: swarm-services\n\s+dockerswarm_sd_configs:/);
    // Rules referenced by in-container path: check the config alone (syntax, the SD block), and the rules file.
    const root = writeTree(
      swarm.files.filter((f) => f.path === PROMETHEUS_CONFIG_PATH || f.path === PROMETHEUS_FLEET_RULES_PATH),
    );
    const checked = run(promtool.path, ["check", "config", "--syntax-only", `${root}${PROMETHEUS_CONFIG_PATH}`]);
    assert.equal(checked.status, 0, checked.output);
    const rules = run(promtool.path, ["check", "rules", `${root}${PROMETHEUS_FLEET_RULES_PATH}`]);
    assert.equal(rules.status, 0, rules.output);
    void prometheusFiles;
  });
});
