/**
 * Host and container alert rules: checked and unit-tested by the real promtool on synthetic
 * series named as Prometheus's OTLP receiver names the collector's host_metrics and docker_stats.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  hostAlertRules,
  hostRulesFiles,
  PROMETHEUS_HOST_RULES_PATH,
  type HostRulesInput,
} from "../../configs/host-rules";
import { alertTests, findPromtool, promtoolTestRules, run, writeTree } from "../support/config-files";

const input: HostRulesInput = {
  host: true,
  containers: true,
  stackLabel: "scaibu-observability/dev",
  stackContainers: ["scaibu.loki", "scaibu.grafana"],
};
const STACK = 'container_label_io_scaibu_stack="scaibu-observability/dev"';
/** The StackContainerDown alert promtool must find at `at` for the stack's container `name`. */
const stackContainerDown = (at: string, name: string) => ({
  eval_time: at,
  alertname: "StackContainerDown",
  exp_alerts: [
    {
      exp_labels: {
        severity: "critical",
        container_name: name,
        container_label_io_scaibu_stack: "scaibu-observability/dev",
      },
      exp_annotations: {
        summary: `Stack container ${name} is not running`,
        description: `${name} of scaibu-observability/dev has reported no container metrics for 3 minutes: it is stopped, restarting or gone. A container that runs but fails its health check shows as TargetDown.`,
      },
    },
  ],
});
const alerts = (i: HostRulesInput) =>
  hostAlertRules(i).groups.flatMap((g) => g.rules.map((r) => ("alert" in r ? r.alert : "")));

describe("host and container alert rules", () => {
  it("holds the host rules with host_metrics and the container rules with docker_stats, none without", () => {
    assert.deepEqual(alerts({ ...input, containers: false }), [
      "HostFilesystemFillingUp",
      "HostFilesystemAlmostFull",
      "HostMemoryPressure",
    ]);
    assert.deepEqual(alerts({ ...input, host: false }), [
      "ContainerRestarting",
      "ContainerOomKilled",
      "ContainerNearMemoryLimit",
      "StackContainerDown",
    ]);
    assert.deepEqual(hostRulesFiles({ ...input, host: false, containers: false }), []);
  });

  it("watches each of the stack's containers by name and stack label", () => {
    const down = hostAlertRules(input)
      .groups.flatMap((g) => g.rules)
      .find((r) => "alert" in r && r.alert === "StackContainerDown");
    assert.equal(
      down?.expr,
      `absent(container_memory_usage_limit_bytes{container_name="scaibu.loki", ${STACK}}) or absent(container_memory_usage_limit_bytes{container_name="scaibu.grafana", ${STACK}})`,
    );
  });

  const promtool = findPromtool();
  const root = writeTree(hostRulesFiles(input));
  const file = join(root, PROMETHEUS_HOST_RULES_PATH);

  it(`passes \`promtool check rules\` (promtool ${promtool.version})`, () => {
    const r = run(promtool.path, ["check", "rules", file]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: 7 rules found/);
  });

  it("names the node in a swarm, where the agents' series carry host_name (`promtool test rules`)", () => {
    const node = 'host_name="node-2"';
    const tests = alertTests(file, {
      input_series: [
        { series: `system_memory_utilization_ratio{state="used", ${node}}`, values: "0.95x30" },
        { series: `system_memory_utilization_ratio{state="used", host_name="node-3"}`, values: "0.5x30" },
        { series: `container_restarts_total{container_name="app.1.x", ${node}}`, values: "0+1x30" },
      ],
      alert_rule_test: [
        {
          eval_time: "15m",
          alertname: "HostMemoryPressure",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", state: "used", host_name: "node-2" },
              exp_annotations: {
                summary: "Docker host memory is over 90% used on node-2",
                description: "95% of the host's memory has been in use for 10 minutes; containers risk OOM kills.",
              },
            },
          ],
        },
        {
          eval_time: "10m",
          alertname: "ContainerRestarting",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", container_name: "app.1.x", host_name: "node-2" },
              exp_annotations: {
                summary: "Container app.1.x is restarting repeatedly on node-2",
                description: "app.1.x restarted 3 or more times in 15 minutes; see its logs.",
              },
            },
          ],
        },
      ],
    });
    const r = promtoolTestRules(promtool, writeTree([]), "swarm-host-rules.test.yml", tests);
    assert.equal(r.status, 0, r.output);
  });

  it("fires each alert on synthetic series, and stays quiet on healthy ones (`promtool test rules`)", () => {
    const fs = 'device="/dev/vda", mode="rw", mountpoint="/", type="ext4"';
    const quietFs = 'device="/dev/vdb", mode="rw", mountpoint="/data", type="ext4"';
    const victim = 'container_name="victim", container_id="abc"';
    const stackLoki = `container_name="scaibu.loki", ${STACK}`;
    const tests = alertTests(file, {
      input_series: [
        // 10 GB free, losing 100 MB a minute: empty in under 2 hours.
        { series: `system_filesystem_usage_bytes{state="free", ${fs}}`, values: "10000000000-100000000x120" },
        { series: `system_filesystem_utilization_ratio{${fs}}`, values: "0.7x120" },
        { series: `system_filesystem_usage_bytes{state="free", ${quietFs}}`, values: "10000000000x120" },
        { series: `system_filesystem_utilization_ratio{${quietFs}}`, values: "0.7x120" },
        { series: 'system_memory_utilization_ratio{state="used"}', values: "0.95x30" },
        { series: `container_restarts_total{${victim}}`, values: "0+1x30" },
        { series: `container_memory_fails_total{${victim}}`, values: "0 0 1 1 1 1" },
        { series: `container_memory_usage_total_bytes{${victim}}`, values: "60000000x30" },
        { series: `container_memory_usage_limit_bytes{${victim}}`, values: "64000000x30" },
        { series: `container_memory_usage_limit_bytes{${stackLoki}}`, values: "64000000x30" },
      ],
      alert_rule_test: [
        {
          eval_time: "60m",
          alertname: "HostFilesystemFillingUp",
          exp_alerts: [
            {
              exp_labels: {
                severity: "warning",
                state: "free",
                device: "/dev/vda",
                mode: "rw",
                mountpoint: "/",
                type: "ext4",
              },
              exp_annotations: {
                summary: "Host filesystem / fills up within 24 hours",
                description:
                  "At the growth of the last 6 hours, / (/dev/vda) on the Docker host runs out of space within 24 hours.",
              },
            },
          ],
        },
        { eval_time: "60m", alertname: "HostFilesystemAlmostFull", exp_alerts: [] },
        {
          eval_time: "15m",
          alertname: "HostMemoryPressure",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", state: "used" },
              exp_annotations: {
                summary: "Docker host memory is over 90% used",
                description: "95% of the host's memory has been in use for 10 minutes; containers risk OOM kills.",
              },
            },
          ],
        },
        {
          eval_time: "10m",
          alertname: "ContainerRestarting",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", container_name: "victim", container_id: "abc" },
              exp_annotations: {
                summary: "Container victim is restarting repeatedly",
                description: "victim restarted 3 or more times in 15 minutes; see its logs.",
              },
            },
          ],
        },
        {
          eval_time: "3m",
          alertname: "ContainerOomKilled",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", container_name: "victim", container_id: "abc" },
              exp_annotations: {
                summary: "Container victim ran out of memory",
                description:
                  "victim hit its memory limit and the kernel killed a process in it in the last 15 minutes.",
              },
            },
          ],
        },
        { eval_time: "1m", alertname: "ContainerOomKilled", exp_alerts: [] },
        {
          eval_time: "20m",
          alertname: "ContainerNearMemoryLimit",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", container_name: "victim", container_id: "abc" },
              exp_annotations: {
                summary: "Container victim uses over 90% of its memory limit",
                description:
                  "victim has used 93.75% of its memory limit for 15 minutes; it will be OOM-killed if it grows.",
              },
            },
          ],
        },
        stackContainerDown("5m", "scaibu.grafana"),
      ],
    });
    const r = promtoolTestRules(promtool, root, "host-alerts.test.yml", tests);
    assert.equal(r.status, 0, r.output);
  });

  it("watches a backend that runs as a Swarm task by its service's task names, and names it as its container", () => {
    const swarm: HostRulesInput = {
      ...input,
      stackContainers: ["scaibu.loki", { name: "scaibu.jaeger", taskOf: "scaibu-jaeger" }],
    };
    const swarmRoot = writeTree(hostRulesFiles(swarm));
    const limit = (name: string) =>
      `container_memory_usage_limit_bytes{container_name="${name}", ${STACK}, host_name="node-2"}`;
    const tests = alertTests(join(swarmRoot, PROMETHEUS_HOST_RULES_PATH), {
      input_series: [
        { series: limit("scaibu.loki"), values: "1x60" },
        // Its task for 10 minutes, then a new task (a stop-first update): never down. Then none.
        { series: limit("scaibu-jaeger.1.k2v1a8n0vj0hf5d2q1wz3xyz0"), values: "1x10" },
        { series: limit("scaibu-jaeger.1.p9r3m2c7t6e1b0a5s4d8f2gh1"), values: "_x10 1x10" },
        // Another service whose name starts alike is not it.
        { series: limit("scaibu-jaeger-ui.1.abc"), values: "1x60" },
      ],
      alert_rule_test: [
        { eval_time: "15m", alertname: "StackContainerDown", exp_alerts: [] },
        stackContainerDown("35m", "scaibu.jaeger"),
      ],
    });
    const r = promtoolTestRules(promtool, swarmRoot, "host-alerts-swarm.test.yml", tests);
    assert.equal(r.status, 0, r.output);
  });
});
