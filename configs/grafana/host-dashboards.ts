/**
 * "Docker host" and "Containers": the collector's host_metrics and docker_stats receivers, as
 * Prometheus names them after OTLP ingestion (configs/host-rules.ts lists the same names).
 */
import { CATALOG } from "../catalog";
import {
  dashboard,
  Layout,
  promTarget,
  promVariable,
  type Dashboard,
  type DataLink,
  type PanelSpec,
} from "./dashboard";

export const DOCKER_HOST_DASHBOARD_UID = "scaibu-docker-host";
export const CONTAINERS_DASHBOARD_UID = "scaibu-containers";

const RATE = "$__rate_interval";
/**
 * The host (`host` variable): in a swarm every node's agent sends its host's and containers'
 * metrics under its `host.name` (configs/fleet.ts), so each dashboard shows one node, some or the
 * whole fleet. On one host the series carry no `host_name`; the variable is then empty and "All"
 * (`.*`, which matches an absent label) shows them.
 */
const H = 'host_name=~"$host"';
const C = `${H}, container_name=~"$container"`;

/** The hosts that report `metric`. */
function hostVariable(metric: string) {
  return promVariable("host", "Host", `label_values(${metric}, host_name)`);
}

/**
 * Grafana Explore on Loki, with the clicked container's docker logs: the collector sets
 * `container.name` on them, and Loki indexes it as `container_name` (configs/loki.ts).
 */
function containerLogsLink(): DataLink {
  const placeholder = "__CONTAINER__";
  const panes = {
    logs: {
      datasource: CATALOG.loki.datasourceUid,
      queries: [
        {
          refId: "A",
          datasource: { type: "loki", uid: CATALOG.loki.datasourceUid },
          expr: `{container_name="${placeholder}"}`,
        },
      ],
      range: { from: "now-1h", to: "now" },
    },
  };
  const url = `/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
  return {
    title: "Logs of ${__field.labels.container_name}",
    url: url.replace(placeholder, "${__field.labels.container_name:percentencode}"),
    targetBlank: false,
  };
}

/** A stat panel of one share (0-1) that turns orange, then red, as it grows. */
function shareStat(title: string, description: string, expr: string, legend: string, orange: number): PanelSpec {
  return {
    title,
    description,
    unit: "percentunit",
    type: "stat",
    width: 6,
    height: 4,
    min: 0,
    max: 1,
    thresholds: [
      { color: "green", value: null },
      { color: "orange", value: orange },
      { color: "red", value: 0.9 },
    ],
    targets: [promTarget("A", expr, legend)],
  };
}

/** CPU, memory, disk space and I/O, container network and load of the Docker host. */
export function dockerHostDashboard(): Dashboard {
  const panels = new Layout()
    .row("At a glance")
    .panel(
      shareStat(
        "CPU busy",
        "Share of CPU time not idle, over all cores.",
        `1 - avg(system_cpu_utilization_ratio{${H}, state="idle"})`,
        "CPU",
        0.7,
      ),
    )
    .panel(
      shareStat(
        "Memory used",
        "Share of the host's memory in use (not free, buffers or cache).",
        `max(system_memory_utilization_ratio{${H}, state="used"})`,
        "memory",
        0.8,
      ),
    )
    .panel(
      shareStat(
        "Fullest filesystem",
        "The most used of the host's filesystems.",
        `max(system_filesystem_utilization_ratio{${H}})`,
        "disk",
        0.8,
      ),
    )
    .panel({
      title: "Load per core",
      description: "1-minute load average divided by the number of logical CPUs.",
      unit: "short",
      type: "stat",
      width: 6,
      height: 4,
      thresholds: [
        { color: "green", value: null },
        { color: "orange", value: 1 },
        { color: "red", value: 2 },
      ],
      targets: [
        promTarget("A", `max(system_cpu_load_average_1m{${H}}) / max(system_cpu_logical_count{${H}})`, "load/core"),
      ],
    })
    .row("CPU and memory")
    .panel({
      title: "CPU by state",
      description: "Share of CPU time per state (user, system, iowait, ...), averaged over cores.",
      unit: "percentunit",
      min: 0,
      max: 1,
      targets: [promTarget("A", `avg by (state) (system_cpu_utilization_ratio{${H}, state!="idle"})`, "{{state}}")],
    })
    .panel({
      title: "Load average",
      description: "1, 5 and 15-minute load averages.",
      unit: "short",
      targets: [
        promTarget("A", `max(system_cpu_load_average_1m{${H}})`, "1m"),
        promTarget("B", `max(system_cpu_load_average_5m{${H}})`, "5m"),
        promTarget("C", `max(system_cpu_load_average_15m{${H}})`, "15m"),
      ],
    })
    .panel({
      title: "Memory",
      description: "Host memory by state.",
      unit: "bytes",
      targets: [promTarget("A", `sum by (state) (system_memory_usage_bytes{${H}})`, "{{state}}")],
    })
    .panel({
      title: "Paging",
      description: "Pages swapped in and out per second.",
      unit: "short",
      targets: [
        promTarget(
          "A",
          `sum by (direction) (rate(system_paging_operations_total{${H}, type="major"}[${RATE}]))`,
          "{{direction}}",
        ),
      ],
    })
    .row("Disks")
    .panel({
      title: "Filesystem used",
      description: "Share of each filesystem in use.",
      unit: "percentunit",
      min: 0,
      max: 1,
      targets: [promTarget("A", `max by (mountpoint) (system_filesystem_utilization_ratio{${H}})`, "{{mountpoint}}")],
    })
    .panel({
      title: "Disk I/O",
      description: "Bytes read and written per second, per disk.",
      unit: "Bps",
      targets: [
        promTarget(
          "A",
          `sum by (device, direction) (rate(system_disk_io_bytes_total{${H}}[${RATE}]))`,
          "{{device}} {{direction}}",
        ),
      ],
    })
    .row("Network and processes")
    .panel({
      title: "Container network",
      description:
        "Bytes per second received and sent by all containers (docker_stats). The host's own interfaces are not visible from the collector's network namespace.",
      unit: "Bps",
      targets: [
        promTarget("A", `sum(rate(container_network_io_usage_rx_bytes_total{${H}}[${RATE}]))`, "received"),
        promTarget("B", `sum(rate(container_network_io_usage_tx_bytes_total{${H}}[${RATE}]))`, "sent"),
      ],
    })
    .panel({
      title: "Processes",
      description: "Processes on the host by status.",
      unit: "short",
      targets: [promTarget("A", `sum by (status) (system_processes_count{${H}})`, "{{status}}")],
    })
    .build();
  return dashboard({
    uid: DOCKER_HOST_DASHBOARD_UID,
    title: "Docker host",
    description:
      "CPU, memory, disks, load and container traffic of the Docker host, from the collector's host_metrics and docker_stats receivers; in a swarm, of the nodes chosen in Host (All: the whole fleet).",
    tags: ["scaibu", "docker"],
    variables: [hostVariable("system_cpu_load_average_1m")],
    panels,
  });
}

/** Every container on the host, this stack's and everyone else's. */
export function containersDashboard(): Dashboard {
  const logs = [containerLogsLink()];
  const panels = new Layout()
    .row("Top 10")
    .panel({
      title: "CPU (top 10)",
      description: "CPU cores used per container. Click a series for its logs.",
      unit: "short",
      links: logs,
      targets: [
        promTarget(
          "A",
          `topk(10, sum by (container_name) (rate(container_cpu_usage_nanoseconds_total{${C}}[${RATE}])) / 1e9)`,
          "{{container_name}}",
        ),
      ],
    })
    .panel({
      title: "Memory against limit (top 10)",
      description:
        "Memory used as a share of each container's limit (the host's memory when it has none). Click a series for its logs.",
      unit: "percentunit",
      min: 0,
      max: 1,
      links: logs,
      targets: [
        promTarget(
          "A",
          `topk(10, max by (container_name) (container_memory_usage_total_bytes{${C}} / container_memory_usage_limit_bytes{${C}}))`,
          "{{container_name}}",
        ),
      ],
    })
    .row("Failures")
    .panel({
      title: "Restarts",
      description: "Restarts per container over the last hour.",
      unit: "short",
      links: logs,
      targets: [
        promTarget(
          "A",
          `sum by (container_name) (increase(container_restarts_total{${C}}[1h])) > 0`,
          "{{container_name}}",
        ),
      ],
    })
    .panel({
      title: "OOM kills",
      description:
        "Times a container hit its memory limit and the kernel killed a process in it, over the last hour (cgroup v2 hosts).",
      unit: "short",
      links: logs,
      targets: [
        promTarget(
          "A",
          `sum by (container_name) (increase(container_memory_fails_total{${C}}[1h])) > 0`,
          "{{container_name}}",
        ),
      ],
    })
    .row("Per container")
    .panel({
      title: "Memory used",
      description: "Memory used per container, without page cache.",
      unit: "bytes",
      links: logs,
      targets: [
        promTarget("A", `max by (container_name) (container_memory_usage_total_bytes{${C}})`, "{{container_name}}"),
      ],
    })
    .panel({
      title: "Network",
      description: "Bytes per second received (positive) and sent (negative) per container.",
      unit: "Bps",
      links: logs,
      targets: [
        promTarget(
          "A",
          `sum by (container_name) (rate(container_network_io_usage_rx_bytes_total{${C}}[${RATE}]))`,
          "{{container_name}} received",
        ),
        promTarget(
          "B",
          `-sum by (container_name) (rate(container_network_io_usage_tx_bytes_total{${C}}[${RATE}]))`,
          "{{container_name}} sent",
        ),
      ],
    })
    .panel({
      title: "Block I/O",
      description: "Bytes per second read and written to disk per container.",
      unit: "Bps",
      width: 24,
      links: logs,
      targets: [
        promTarget(
          "A",
          `sum by (container_name, operation) (rate(container_blockio_io_service_bytes_recursive_total{${C}}[${RATE}]))`,
          "{{container_name}} {{operation}}",
        ),
      ],
    })
    .build();
  return dashboard({
    uid: CONTAINERS_DASHBOARD_UID,
    title: "Containers",
    description:
      "CPU, memory against limit, restarts, OOM kills, network and block I/O of every container on the Docker host (docker_stats), or on the swarm nodes chosen in Host, with links to each one's logs.",
    tags: ["scaibu", "docker"],
    variables: [
      hostVariable("container_memory_usage_total_bytes"),
      promVariable("container", "Container", `label_values(container_memory_usage_total_bytes{${H}}, container_name)`),
    ],
    panels,
  });
}
