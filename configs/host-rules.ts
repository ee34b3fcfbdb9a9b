/**
 * Alert rules on the Docker host and its containers, from the collector's host_metrics and
 * docker_stats receivers (configs/otel-collector.ts). Metric names are what Prometheus's OTLP
 * receiver makes of them (unit suffix, `_total` on counters, `_ratio` on unit-1 gauges), as read
 * back from Prometheus 3.14 in the e2e tier.
 */
import { CONTAINER_STACK_ATTRIBUTE } from "./otel-collector";
import { PROMETHEUS_RULES_DIR, type AlertingRule, type RuleGroup, type RulesFile, capFor } from "./prometheus-rules";
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";
import { escapeRegex } from "./regex";

export const PROMETHEUS_HOST_RULES_PATH = `${PROMETHEUS_RULES_DIR}/host-alerts.yml`;

/** Prometheus label of the container's `io.scaibu.stack` Docker label. */
export const CONTAINER_STACK_LABEL = CONTAINER_STACK_ATTRIBUTE.replace(/\./g, "_");

export interface HostRulesInput {
  /** host_metrics is on: host filesystem and memory alerts. */
  host: boolean;
  /** docker_stats is on: container alerts. */
  containers: boolean;
  /** This stack's `<project>/<stack>`, the value of its containers' `io.scaibu.stack` label. */
  stackLabel: string;
  /**
   * Container names of the stack's enabled services (e.g. `scaibu.loki`); a backend that runs as a
   * Swarm service (configs/fleet.ts SWARM_BACKENDS) by its name and its service's (`taskOf`), since
   * Swarm names its task's container `<service>.<slot>.<task id>`.
   */
  stackContainers: (string | { name: string; taskOf: string })[];
}

function promString(s: string): string {
  return JSON.stringify(s);
}

/**
 * " on <node>" in a swarm, where each node's agent sends its host's and containers' metrics under
 * its host.name (configs/fleet.ts); nothing on one host, whose series carry no host_name.
 */
const ON_HOST = "{{ with $labels.host_name }} on {{ . }}{{ end }}";

function hostGroup(): RuleGroup {
  const rules: AlertingRule[] = [
    {
      alert: "HostFilesystemFillingUp",
      // Half full already, and the free space of the last 6 h runs out within a day at this rate.
      expr:
        'predict_linear(system_filesystem_usage_bytes{state="free"}[6h], 24 * 3600) < 0' +
        " and ignoring (state) system_filesystem_utilization_ratio > 0.5",
      for: "30m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Host filesystem {{ $labels.mountpoint }} fills up within 24 hours${ON_HOST}`,
        description:
          "At the growth of the last 6 hours, {{ $labels.mountpoint }} ({{ $labels.device }}) on the Docker host runs out of space within 24 hours.",
      },
    },
    {
      alert: "HostFilesystemAlmostFull",
      expr: "system_filesystem_utilization_ratio > 0.9",
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: `Host filesystem {{ $labels.mountpoint }} is over 90% full${ON_HOST}`,
        description: "{{ $labels.mountpoint }} ({{ $labels.device }}) is {{ $value | humanizePercentage }} full.",
      },
    },
    {
      alert: "HostMemoryPressure",
      expr: 'system_memory_utilization_ratio{state="used"} > 0.9',
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Docker host memory is over 90% used${ON_HOST}`,
        description:
          "{{ $value | humanizePercentage }} of the host's memory has been in use for 10 minutes; containers risk OOM kills.",
      },
    },
  ];
  return { name: "scaibu-host", rules };
}

function containerGroup(input: HostRulesInput): RuleGroup {
  const rules: AlertingRule[] = [
    {
      alert: "ContainerRestarting",
      expr: "increase(container_restarts_total[15m]) >= 3",
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Container {{ $labels.container_name }} is restarting repeatedly${ON_HOST}`,
        description: "{{ $labels.container_name }} restarted 3 or more times in 15 minutes; see its logs.",
      },
    },
    {
      alert: "ContainerOomKilled",
      // Docker reports a cgroup v2 container's memory.events `oom` count here (on cgroup v1: the
      // failcnt of its limit). A container whose main process is killed restarts instead: see
      // ContainerRestarting.
      expr: "increase(container_memory_fails_total[15m]) > 0",
      for: "0m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Container {{ $labels.container_name }} ran out of memory${ON_HOST}`,
        description:
          "{{ $labels.container_name }} hit its memory limit and the kernel killed a process in it in the last 15 minutes.",
      },
    },
    {
      alert: "ContainerNearMemoryLimit",
      expr: "container_memory_usage_total_bytes / container_memory_usage_limit_bytes > 0.9",
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: `Container {{ $labels.container_name }} uses over 90% of its memory limit${ON_HOST}`,
        description:
          "{{ $labels.container_name }} has used {{ $value | humanizePercentage }} of its memory limit for 15 minutes; it will be OOM-killed if it grows.",
      },
    },
  ];
  if (input.stackContainers.length) {
    // absent() keeps the equality matchers as labels: each missing container alerts on its own.
    const stack = `${CONTAINER_STACK_LABEL}=${promString(input.stackLabel)}`;
    const selector = (name: string) =>
      `container_memory_usage_limit_bytes{container_name=${promString(name)}, ${stack}}`;
    // A task's container name changes with every task: matched by its service's prefix, and the
    // alert named as the service's container is everywhere else (absent() keeps no regex matcher).
    const absentOne = (c: HostRulesInput["stackContainers"][number]) =>
      typeof c === "string"
        ? `absent(${selector(c)})`
        : `label_replace(absent(container_memory_usage_limit_bytes{container_name=~${promString(`${escapeRegex(c.taskOf)}\\.[0-9]+\\..+`)}, ${stack}}), "container_name", ${promString(c.name)}, "", "")`;
    rules.push({
      alert: "StackContainerDown",
      expr: input.stackContainers.map(absentOne).join(" or "),
      for: "3m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Stack container {{ $labels.container_name }} is not running",
        description:
          "{{ $labels.container_name }} of {{ $labels." +
          CONTAINER_STACK_LABEL +
          " }} has reported no container metrics for 3 minutes: it is stopped, restarting or gone. A container that runs but fails its health check shows as TargetDown.",
      },
    });
  }
  return { name: "scaibu-containers", rules };
}

export function hostAlertRules(input: HostRulesInput): RulesFile {
  return {
    groups: [...(input.host ? [hostGroup()] : []), ...(input.containers ? [containerGroup(input)] : [])],
  };
}

/** The rules file, or none when both receivers are off. */
export function hostRulesFiles(input: HostRulesInput, maxFor?: string): ConfigFile[] {
  const rules = capFor(hostAlertRules(input), maxFor);
  return rules.groups.length ? [{ path: PROMETHEUS_HOST_RULES_PATH, content: toYaml(rules) }] : [];
}
